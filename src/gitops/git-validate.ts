// What the Git source accepts, checked before git runs: a URL of an allowed scheme without
// credentials in it, a revision that is a ref name or a commit SHA, a path inside the repository.
// Nothing here can become a git option (no leading '-') or reach a shell (git runs without one).
// Pure, so the CRD side and `kubectl sluice lint` can use it too.
import type { SourceSpec } from './source-types.ts';

const SCHEMES = ['https', 'http', 'ssh', 'git', 'file'];
// Control characters and whitespace are never part of a URL, ref or path we accept.
const CONTROL = /[\u0000-\u0020\u007f]/u;

export function validateSource(spec: SourceSpec): string | undefined {
  return validateUrl(spec.repoURL) ?? validateRevision(spec.targetRevision) ?? validatePath(spec.path);
}

function validateUrl(url: string): string | undefined {
  if (url.startsWith('-')) return 'repoURL must not start with "-"';
  if (CONTROL.test(url)) return 'repoURL must not contain spaces or control characters';
  const match = /^([a-z][a-z0-9+.-]*):\/\//u.exec(url);
  if (match === null) return 'repoURL must be an https://, ssh://, git:// or file:// URL';
  const scheme = match[1] ?? '';
  if (!SCHEMES.includes(scheme)) return `repoURL scheme ${scheme} is not allowed (https, http, ssh, git, file)`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'repoURL is not a valid URL';
  }
  if (parsed.password !== '' || (parsed.username !== '' && scheme !== 'ssh')) return 'credentials in repoURL are not allowed; use spec.credentialsSecretRef';
  return undefined;
}

/** git check-ref-format's rules, or a 40-hex commit SHA, or HEAD. */
function validateRevision(revision: string | undefined): string | undefined {
  if (revision === undefined || revision === '' || revision === 'HEAD' || /^[0-9a-f]{40}$/u.test(revision)) return undefined;
  const problem =
    revision.startsWith('-') ? 'must not start with "-"'
    : CONTROL.test(revision) ? 'must not contain spaces or control characters'
    : /[~^:?*[\\]|\.\.|@\{|\/\/|\.lock$|\.lock\/|^\/|\/$|\.$|^\.|\/\./u.test(revision) ? 'is not a valid branch or tag name'
    : revision.length > 255 ? 'is too long'
    : undefined;
  return problem === undefined ? undefined : `targetRevision ${JSON.stringify(revision)} ${problem}`;
}

function validatePath(path: string | undefined): string | undefined {
  if (path === undefined || path === '' || path === '.') return undefined;
  if (path.startsWith('/')) return 'path must be relative to the repository root';
  if (path.startsWith('-')) return 'path must not start with "-"';
  if (CONTROL.test(path.replaceAll(' ', '_'))) return 'path must not contain control characters';
  if (path.split('/').includes('..')) return 'path must not contain ".."';
  return undefined;
}

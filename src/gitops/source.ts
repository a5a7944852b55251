// The Git source of the sync engine: the git CLI through execFile with argument arrays (never a
// shell), a bare cache per repository, a shallow fetch of the wanted revision, and a read-only
// checkout per commit that later fetches of the same commit reuse (an unchanged branch costs one
// `git fetch`). Inputs are checked before git runs (validateSource): no value can become a git
// option or select a transport other than the URL's own scheme. Credentials reach git only
// through the child's environment (GIT_ASKPASS) or 0600 files (ssh), never its arguments, and
// are scrubbed from every message.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { validateSource } from './git-validate.ts';
import type { FetchResult, GitCredentials, SourceSpec } from './source-types.ts';

export { validateSource } from './git-validate.ts';
export type { FetchResult, GitCredentials, SourceSpec } from './source-types.ts';

export interface GitSource {
  fetch(spec: SourceSpec, credentials?: GitCredentials, signal?: AbortSignal): Promise<FetchResult>;
  /** Deletes checkouts of a repository other than `keep` (current and previous revisions). */
  prune(repoURL: string, keep: readonly string[]): Promise<void>;
}

export interface GitSourceOptions {
  readonly dataDir: string;
  readonly gitBinary?: string;
  /** Per git command; default 60 s. */
  readonly timeoutMs?: number;
}

const SHA = /^[0-9a-f]{40}$/u;

export function makeGitSource(options: GitSourceOptions): GitSource {
  return new Source(options);
}

interface GitRun {
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly secrets: readonly string[];
  readonly signal?: AbortSignal | undefined;
}

class Source implements GitSource {
  readonly #o: GitSourceOptions;
  readonly #chains = new Map<string, Promise<unknown>>();
  readonly #home: string;
  readonly #askpass: string;

  constructor(options: GitSourceOptions) {
    this.#o = options;
    this.#home = join(options.dataDir, 'home');
    this.#askpass = join(options.dataDir, 'askpass.sh');
  }

  fetch(spec: SourceSpec, credentials?: GitCredentials, signal?: AbortSignal): Promise<FetchResult> {
    const invalid = validateSource(spec);
    if (invalid !== undefined) return Promise.resolve({ ok: false, reason: 'InvalidSource', message: invalid });
    // One git operation at a time per repository: fetches share its cache.
    const id = repoId(spec.repoURL);
    const previous = this.#chains.get(id) ?? Promise.resolve();
    const next = previous.then(() => this.#fetch(spec, credentials, signal)).catch((error: unknown) => failure(error, secretsOf(credentials)));
    this.#chains.set(id, next.finally(() => undefined));
    return next;
  }

  async prune(repoURL: string, keep: readonly string[]): Promise<void> {
    const dir = join(this.#o.dataDir, 'trees', repoId(repoURL));
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) if (!keep.includes(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
    await Promise.resolve();
  }

  async #fetch(spec: SourceSpec, credentials: GitCredentials | undefined, signal: AbortSignal | undefined): Promise<FetchResult> {
    this.#prepare();
    const id = repoId(spec.repoURL);
    const cache = join(this.#o.dataDir, 'repos', id);
    const auth = this.#auth(spec.repoURL, credentials);
    if (!auth.ok) return auth;
    try {
      if (!existsSync(join(cache, 'HEAD'))) await this.#git({ args: ['init', '--bare', '--quiet', '--', cache], env: auth.env, secrets: auth.secrets, signal });
      const revision = await this.#fetchRevision(cache, spec, auth, signal);
      if (!revision.ok) return revision;
      const dir = await this.#checkout(cache, join(this.#o.dataDir, 'trees', id, revision.sha), auth, signal);
      return withPath(dir, revision.sha, spec.path);
    } finally {
      auth.cleanup();
    }
  }

  async #fetchRevision(cache: string, spec: SourceSpec, auth: Auth, signal: AbortSignal | undefined): Promise<{ ok: true; sha: string } | Extract<FetchResult, { ok: false }>> {
    const wanted = spec.targetRevision === undefined || spec.targetRevision === '' ? 'HEAD' : spec.targetRevision;
    const run = (args: readonly string[]): Promise<string> => this.#git({ args: ['--git-dir', cache, ...args], env: auth.env, secrets: auth.secrets, signal });
    const fetched = await this.#shallowFetch(run, spec.repoURL, wanted, auth.secrets);
    if (fetched !== undefined) return fetched;
    try {
      const sha = (await run(['rev-parse', '--verify', '--quiet', '--end-of-options', SHA.test(wanted) ? `${wanted}^{commit}` : 'FETCH_HEAD^{commit}'])).trim();
      return SHA.test(sha) ? { ok: true, sha } : { ok: false, reason: 'RevisionNotFound', message: `revision ${wanted} is not a commit` };
    } catch {
      return { ok: false, reason: 'RevisionNotFound', message: `revision ${wanted} not found in the repository` };
    }
  }

  /** `git fetch --depth=1` of the revision; a server refusing a SHA gets a full fetch instead. */
  async #shallowFetch(run: (args: readonly string[]) => Promise<string>, url: string, wanted: string, secrets: readonly string[]): Promise<Extract<FetchResult, { ok: false }> | undefined> {
    const transport = transportConfig(url);
    try {
      await run([...transport, 'fetch', '--quiet', '--depth=1', '--no-tags', '--', url, wanted]);
      return undefined;
    } catch (error) {
      const message = scrub(errorText(error), secrets);
      const missing = /couldn't find remote ref|not our ref|unadvertised object|no such ref/iu.test(message);
      if (!missing) return { ok: false, reason: 'FetchFailed', message };
      if (!SHA.test(wanted)) return { ok: false, reason: 'RevisionNotFound', message: `revision ${wanted} not found in the repository` };
      await run([...transport, 'fetch', '--quiet', '--', url, '+refs/heads/*:refs/remotes/origin/*']);
      return undefined;
    }
  }

  /** The tree at `sha`, checked out once into trees/<repo>/<sha> (atomically, by rename). */
  async #checkout(cache: string, dir: string, auth: Auth, signal: AbortSignal | undefined): Promise<string> {
    if (existsSync(dir)) return dir;
    const sha = basename(dir);
    const tmp = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
    mkdirSync(tmp, { recursive: true });
    try {
      await this.#git({ args: ['--git-dir', cache, '--work-tree', tmp, 'checkout', '--quiet', '--force', sha, '--', '.'], env: auth.env, secrets: auth.secrets, signal });
      renameSync(tmp, dir);
    } catch (error) {
      rmSync(tmp, { recursive: true, force: true });
      throw error;
    }
    return dir;
  }

  #prepare(): void {
    if (existsSync(this.#askpass)) return;
    mkdirSync(this.#home, { recursive: true, mode: 0o700 });
    // Fixed content: the values come from the child's environment, set per command.
    writeFileSync(this.#askpass, '#!/bin/sh\ncase "$1" in\n  [Uu]sername*) printf \'%s\\n\' "$SLUICE_GIT_USERNAME" ;;\n  *) printf \'%s\\n\' "$SLUICE_GIT_PASSWORD" ;;\nesac\n', { mode: 0o700 });
    chmodSync(this.#askpass, 0o700);
  }

  #auth(repoURL: string, credentials: GitCredentials | undefined): Auth | Extract<FetchResult, { ok: false }> {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: this.#home,
      LC_ALL: 'C',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_ASKPASS: this.#askpass,
      SSH_ASKPASS: this.#askpass,
    };
    const secrets = secretsOf(credentials);
    const scheme = repoURL.slice(0, repoURL.indexOf(':'));
    if (scheme === 'ssh') return sshAuth(this.#o.dataDir, env, credentials, secrets);
    const password = credentials?.password ?? credentials?.token;
    if (password !== undefined) {
      env.SLUICE_GIT_USERNAME = credentials?.username ?? 'x-access-token';
      env.SLUICE_GIT_PASSWORD = password;
    }
    return { ok: true, env, secrets, cleanup: () => undefined };
  }

  #git(run: GitRun): Promise<string> {
    const binary = this.#o.gitBinary ?? 'git';
    return new Promise((resolveRun, reject) => {
      execFile(binary, ['-c', 'credential.helper=', '-c', 'core.hooksPath=/dev/null', ...run.args], {
        env: run.env,
        timeout: this.#o.timeoutMs ?? 60_000,
        maxBuffer: 16 << 20,
        killSignal: 'SIGKILL',
        ...(run.signal === undefined ? {} : { signal: run.signal }),
      }, (error, stdout, stderr) => {
        if (error === null) resolveRun(stdout);
        else reject(new Error(scrub(`${stderr.trim() || error.message}`, run.secrets)));
      });
    });
  }
}

interface Auth {
  readonly ok: true;
  readonly env: NodeJS.ProcessEnv;
  readonly secrets: readonly string[];
  cleanup(): void;
}

/** ssh: the key and known_hosts in 0600 files for one command; strict host key checking always. */
function sshAuth(dataDir: string, env: NodeJS.ProcessEnv, credentials: GitCredentials | undefined, secrets: readonly string[]): Auth | Extract<FetchResult, { ok: false }> {
  if (credentials?.knownHosts === undefined) return { ok: false, reason: 'InvalidSource', message: 'ssh needs knownHosts in the credentials Secret (host keys are always checked)' };
  const dir = join(dataDir, 'ssh', randomBytes(8).toString('hex'));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, credentials.knownHosts, { mode: 0o600 });
  const parts = ['ssh', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-F', '/dev/null'];
  if (credentials.sshPrivateKey !== undefined) {
    const key = join(dir, 'key');
    writeFileSync(key, credentials.sshPrivateKey.endsWith('\n') ? credentials.sshPrivateKey : `${credentials.sshPrivateKey}\n`, { mode: 0o600 });
    parts.push('-o', 'IdentitiesOnly=yes', '-i', key);
  }
  // Only paths we generated (hex names under dataDir) go into this command line.
  env.GIT_SSH_COMMAND = parts.join(' ');
  return { ok: true, env, secrets, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Only the URL's own transport may run (no ext::, fd:: or file:// through a submodule). */
function transportConfig(repoURL: string): string[] {
  const scheme = repoURL.slice(0, repoURL.indexOf(':'));
  return ['-c', 'protocol.allow=never', '-c', `protocol.${scheme}.allow=always`];
}

function repoId(repoURL: string): string {
  return createHash('sha256').update(repoURL).digest('hex').slice(0, 32);
}

function withPath(dir: string, revision: string, path: string | undefined): FetchResult {
  const pathDir = resolve(dir, path ?? '.');
  if (pathDir !== dir && !pathDir.startsWith(`${dir}${sep}`)) return { ok: false, reason: 'InvalidSource', message: `path ${path ?? ''} leaves the repository` };
  if (!existsSync(pathDir) || !statSync(pathDir).isDirectory()) return { ok: false, reason: 'PathNotFound', message: `path ${path ?? '.'} does not exist at ${revision.slice(0, 12)}` };
  return { ok: true, revision, dir, pathDir };
}

function secretsOf(credentials: GitCredentials | undefined): string[] {
  return [credentials?.password, credentials?.token, credentials?.sshPrivateKey].filter((s): s is string => s !== undefined && s.length > 0);
}

function scrub(text: string, secrets: readonly string[]): string {
  return secrets.reduce((acc, secret) => acc.split(secret).join('*****'), text);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function failure(error: unknown, secrets: readonly string[]): FetchResult {
  return { ok: false, reason: 'FetchFailed', message: scrub(errorText(error), secrets) };
}

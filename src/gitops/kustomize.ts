// Kustomize: `kustomize build` of a directory with the binary tools/ builds, spawned with an
// argument array and kustomize's default load restrictor (a repository cannot read files outside
// its kustomization root). The Application's kustomize options (images, namePrefix, commonLabels)
// go into an overlay written in a temporary copy of the checkout, which is shared and never
// changed.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { dump } from 'js-yaml';
import type { KustomizeOptions, RenderProblem } from './render-types.ts';

const FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export function hasKustomization(dir: string): boolean {
  return FILES.some((f) => existsSync(join(dir, f)));
}

export interface BuildRequest {
  readonly repoRoot: string;
  readonly dir: string;
  readonly kustomize?: KustomizeOptions;
  readonly kustomizeBinary?: string;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

export type Built = { readonly ok: true; readonly yaml: string; readonly file: string } | { readonly ok: false; readonly problems: readonly RenderProblem[] };

export async function kustomizeBuild(req: BuildRequest): Promise<Built> {
  const file = relative(req.repoRoot, join(req.dir, FILES.find((f) => existsSync(join(req.dir, f))) ?? FILES[0] ?? ''));
  const work = mkdtempSync(join(tmpdir(), 'sluice-kustomize-'));
  try {
    const target = needsOverlay(req.kustomize) ? writeOverlay(req, work, req.kustomize) : req.dir;
    const yaml = await run(req, target, work);
    return { ok: true, yaml, file };
  } catch (error) {
    return { ok: false, problems: [{ file, message: `kustomize build failed: ${error instanceof Error ? error.message : String(error)}` }] };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function needsOverlay(options: KustomizeOptions | undefined): options is KustomizeOptions {
  if (options === undefined) return false;
  return (options.images?.length ?? 0) > 0 || options.namePrefix !== undefined || Object.keys(options.commonLabels ?? {}).length > 0;
}

/** A copy of the checkout (never the shared one) with an overlay over the path; its directory. */
function writeOverlay(req: BuildRequest, work: string, options: KustomizeOptions): string {
  const copy = join(work, 'repo');
  cpSync(req.repoRoot, copy, { recursive: true, filter: (src) => !src.split('/').includes('.git') });
  const overlay = join(copy, '.sluice-overlay');
  mkdirSync(overlay);
  writeFileSync(join(overlay, 'kustomization.yaml'), dump(overlayKustomization(relative(req.repoRoot, req.dir), options)));
  return overlay;
}

function overlayKustomization(path: string, options: KustomizeOptions): Record<string, unknown> {
  const labels = options.commonLabels ?? {};
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [`../${path === '' ? '.' : path}`],
    ...(options.namePrefix === undefined ? {} : { namePrefix: options.namePrefix }),
    ...((options.images ?? []).length === 0 ? {} : { images: (options.images ?? []).map(parseImage) }),
    ...(Object.keys(labels).length === 0 ? {} : { labels: [{ pairs: labels, includeSelectors: true }] }),
  };
}

/** Argo CD's image override forms: name=newName:tag, name=newName@digest, name:tag, name@digest. */
export function parseImage(spec: string): { name: string; newName?: string; newTag?: string; digest?: string } {
  const eq = spec.indexOf('=');
  const name = eq < 0 ? undefined : spec.slice(0, eq);
  const rest = eq < 0 ? spec : spec.slice(eq + 1);
  const at = rest.indexOf('@');
  if (at >= 0) return withDigest(name, rest.slice(0, at), rest.slice(at + 1));
  const colon = rest.lastIndexOf(':');
  const hasTag = colon > rest.lastIndexOf('/');
  const image = hasTag ? rest.slice(0, colon) : rest;
  return { name: name ?? image, ...(name === undefined ? {} : { newName: image }), ...(hasTag ? { newTag: rest.slice(colon + 1) } : {}) };
}

function withDigest(name: string | undefined, image: string, digest: string): { name: string; newName?: string; digest: string } {
  return { name: name ?? image, ...(name === undefined || image === '' ? {} : { newName: image }), digest };
}

function run(req: BuildRequest, dir: string, home: string): Promise<string> {
  const binary = req.kustomizeBinary ?? process.env.SLUICE_KUSTOMIZE ?? 'kustomize';
  return new Promise((resolve, reject) => {
    execFile(binary, ['build', dir], {
      // No user plugins or config: a throwaway HOME, only PATH from the controller's environment.
      env: { PATH: process.env.PATH, HOME: home },
      timeout: req.timeoutMs ?? 60_000,
      maxBuffer: 64 << 20,
      killSignal: 'SIGKILL',
      ...(req.signal === undefined ? {} : { signal: req.signal }),
    }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else reject(new Error((stderr.trim() || error.message).replaceAll(dir, '<path>')));
    });
  });
}

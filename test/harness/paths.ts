// Where the harness finds what `make setup` built: <repo>/.sluice/bin links into the
// cache outside the clone (tools/build-bins.sh).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const stateDir = join(repoRoot, '.sluice');
export const binDir = process.env.SLUICE_BIN_DIR ?? join(stateDir, 'bin');

export type Program =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubectl'
  | 'kwok'
  | 'prometheus'
  | 'kustomize';

/** Absolute path of a built program; a clear error when `make setup` has not run. */
export function binary(program: Program): string {
  const path = join(binDir, program);
  if (!existsSync(path)) {
    throw new Error(`${program} not found at ${path}: run \`make setup\` to build the test binaries`);
  }
  return path;
}

export function istioCrdsPath(): string {
  const path = join(stateDir, 'istio-crds.yaml');
  if (!existsSync(path)) throw new Error(`Istio CRDs not found at ${path}: run \`make setup\``);
  return path;
}

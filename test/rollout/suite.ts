// One control plane per rollout suite, with Istio's CRDs, Sluice's CRDs and RBAC from crds/,
// and the controller running as a real process under the shipped ClusterRole (a token of the
// sluice ServiceAccount, not cluster-admin).
import { NODE_ENV, NODE_FLAGS } from '../../src/cli/runtime.ts';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import type { KubernetesObject } from '../../src/kube/client.ts';
import { startCluster, type Cluster } from '../harness/cluster.ts';
import { installCrds } from '../harness/istio.ts';
import { repoRoot } from '../harness/paths.ts';
import { freePort } from '../harness/ports.ts';
import type { ManagedProcess } from '../harness/processes.ts';
import { fetchText } from '../harness/http.ts';

export interface RolloutSuite {
  readonly cluster: Cluster;
  readonly controllerKubeconfig: string;
  /**
   * Starts a controller process (name unique per suite) and, unless `waitReady` is false,
   * resolves once it is ready (leading, caches synced). `readyz()` asks it again later.
   */
  startController(name?: string, extraArgs?: readonly string[], waitReady?: boolean): Promise<Controller>;
  stop(): Promise<void>;
}

function readYaml(path: string): KubernetesObject[] {
  return (loadAll(readFileSync(path, 'utf8')) as (KubernetesObject | null)[]).filter((d): d is KubernetesObject => d !== null);
}

/**
 * Istio's CRDs, then Sluice's install manifests as users apply them (the real kubectl's
 * kustomize: CRDs, RBAC, the Deployment), every Sluice CRD Established, and the shipped Deployment
 * scaled to 0: the controller runs as a local process with its token (the suites, make demo).
 */
export async function installSluice(cluster: Cluster): Promise<void> {
  await cluster.installIstioCRDs();
  await cluster.kubectl(['apply', '--server-side', '-k', join(repoRoot, 'crds')]);
  const crds = readdirSync(join(repoRoot, 'crds')).filter((f) => f.endsWith('.sluice.dev.yaml')).flatMap((f) => readYaml(join(repoRoot, 'crds', f)));
  await installCrds(cluster.clients, crds, { assertAlive: () => cluster.assertAlive() });
  await cluster.kubectl(['-n', 'sluice-system', 'scale', 'deployment/sluice-controller', '--replicas=0']);
}

export async function startRolloutSuite(): Promise<RolloutSuite> {
  const cluster = await startCluster();
  try {
    await installSluice(cluster);
    const controllerKubeconfig = await serviceAccountKubeconfig(cluster);
    return {
      cluster,
      controllerKubeconfig,
      startController: (name = 'sluice-controller', extraArgs = [], waitReady = true) =>
        startController(cluster, controllerKubeconfig, name, extraArgs, waitReady),
      stop: () => cluster.stop(),
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/** A kubeconfig holding a token of sluice-system/sluice: the controller gets the shipped RBAC, nothing more. */
async function serviceAccountKubeconfig(cluster: Cluster): Promise<string> {
  const token = (await cluster.kubectl(['create', 'token', 'sluice', '-n', 'sluice-system', '--duration=2h'])).trim();
  const admin = cluster.kubeConfig;
  const server = admin.getCurrentCluster();
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: server?.server, 'certificate-authority-data': server?.caData } }],
    users: [{ name: 'sluice', user: { token } }],
    contexts: [{ name: 'sluice', context: { cluster: 'test', user: 'sluice' } }],
    'current-context': 'sluice',
  };
  const path = join(cluster.dir, 'sluice-controller.kubeconfig');
  writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
  return path;
}

export interface Controller {
  readonly name: string;
  /** Its HTTP port (/healthz, /readyz, /webhook/git). */
  readonly port: number;
  readonly process: ManagedProcess;
  ready(): Promise<boolean>;
}

async function startController(
  cluster: Cluster,
  kubeconfig: string,
  name: string,
  extraArgs: readonly string[],
  waitReady: boolean,
): Promise<Controller> {
  const port = await freePort();
  const proc = cluster.processes.start(name, process.execPath, [
    // As shipped (the bin's shebang and the Deployment): src/cli/runtime.ts. SLUICE_NODE_FLAGS
    // (space-separated) adds flags, for a benchmark trying one.
    ...NODE_FLAGS,
    ...(process.env.SLUICE_NODE_FLAGS ?? '').split(' ').filter((f) => f !== ''),
    // The sources by default; `make bench` runs the compiled dist/ as the image does (no type stripping).
    process.env.SLUICE_CONTROLLER_ENTRY ?? join(repoRoot, 'src/cli/sluice.ts'),
    'controller',
    `--kubeconfig=${kubeconfig}`,
    `--metrics-addr=127.0.0.1:${port}`,
    '--lease-namespace=sluice-system',
    '--log-level=debug',
    ...extraArgs,
  ], { env: { ...process.env, ...NODE_ENV } });
  const ready = async (): Promise<boolean> => {
    try {
      return (await fetchText(`http://127.0.0.1:${port}/readyz`)).status === 200;
    } catch {
      return false;
    }
  };
  if (waitReady) await cluster.waitFor(`${name} to be ready`, ready, { timeoutMs: 60_000 });
  return { name, port, process: proc, ready };
}

// startCluster(): a real, throw-away Kubernetes control plane on loopback — etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler and kwok with one fake Node —
// from the binaries `make setup` builds. One per test suite; see docs/testing.md.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadKubeConfig, makeKubeClients, type KubeClients, type KubeConfig } from '../../src/kube/client.ts';
import { startApiServer, startEtcd, startNodeSide } from './control-plane.ts';
import { createFakeNode } from './fake-node.ts';
import { installIstioCrds } from './istio.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { binary } from './paths.ts';
import { issueCert, makeClusterPki, type ClusterPki } from './pki.ts';
import { ProcessGroup } from './processes.ts';
import { acquireClusterSlot, CLUSTER_DIR_PREFIX, sweepOrphans, type Slot } from './stale.ts';
import { waitFor, type WaitOptions } from './wait.ts';

const run = promisify(execFile);

export interface UserKubeconfig {
  readonly kubeconfigPath: string;
  readonly kubeConfig: KubeConfig;
}

export interface Cluster {
  /** The temp dir holding certificates, data and every component's log. */
  readonly dir: string;
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly kubeConfig: KubeConfig;
  readonly clients: KubeClients;
  readonly processes: ProcessGroup;
  /** Throws, with the log tail, if a component has died. */
  assertAlive(): void;
  /** waitFor that also fails at once when a component has died. */
  waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, options?: WaitOptions): Promise<T>;
  /** Runs the real kubectl against this cluster; resolves with its stdout. */
  kubectl(args: readonly string[], options?: { kubeconfigPath?: string }): Promise<string>;
  /** A client-certificate user (CN = name, O = groups) with no rights until RBAC grants some. */
  userKubeconfig(name: string, groups?: readonly string[]): Promise<UserKubeconfig>;
  installIstioCRDs(): Promise<string[]>;
  /** Audit events (Metadata level) of requests made by ServiceAccounts of sluice-system, so far. */
  auditEvents(): AuditEvent[];
  stop(): Promise<void>;
}

export interface AuditEvent {
  readonly verb: string;
  readonly requestURI: string;
  readonly stage: string;
  readonly user: { readonly username: string };
  readonly objectRef?: { readonly resource?: string; readonly subresource?: string; readonly namespace?: string; readonly name?: string };
  readonly requestReceivedTimestamp: string;
}

export interface ClusterOptions {
  /** Keep the temp dir (logs) after stop; also set by SLUICE_KEEP_CLUSTER=1. */
  readonly keepDir?: boolean;
  /** Count against SLUICE_MAX_CLUSTERS (default true; `make cluster-up` opts out so tests can still run). */
  readonly takeSlot?: boolean;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  sweepOrphans();
  const slot = options.takeSlot === false ? { release: (): void => undefined } : await acquireClusterSlot();
  const dir = mkdtempSync(join(tmpdir(), CLUSTER_DIR_PREFIX));
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  const processes = new ProcessGroup(dir);
  try {
    return await boot(dir, processes, slot, options);
  } catch (error) {
    await processes.stop();
    slot.release();
    if (process.env.SLUICE_KEEP_CLUSTER !== '1') rmSync(dir, { recursive: true, force: true });
    throw new Error(`the test cluster did not start: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

async function boot(dir: string, processes: ProcessGroup, slot: Slot, options: ClusterOptions): Promise<Cluster> {
  const pki = await makeClusterPki(dir);
  const etcdUrl = await startEtcd(dir, processes);
  const apiserver = await startApiServer(dir, processes, pki, etcdUrl);
  const kubeconfigPath = writeKubeconfig(join(dir, 'admin.kubeconfig'), {
    server: apiserver.url,
    caCertPath: pki.servingCa.certPath,
    user: 'sluice-admin',
    client: pki.admin,
  });
  await startNodeSide(dir, processes, pki, kubeconfigPath);
  const kubeConfig = loadKubeConfig(kubeconfigPath);
  const clients = makeKubeClients(kubeConfig);
  const alive = { assertAlive: () => processes.assertAlive() };
  await createFakeNode(clients, alive);
  return makeCluster({ dir, server: apiserver.url, kubeconfigPath, kubeConfig, clients, processes, pki, slot, options });
}

interface Parts {
  readonly dir: string;
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly kubeConfig: KubeConfig;
  readonly clients: KubeClients;
  readonly processes: ProcessGroup;
  readonly pki: ClusterPki;
  readonly slot: Slot;
  readonly options: ClusterOptions;
}

function makeCluster(parts: Parts): Cluster {
  const { dir, processes, pki, clients } = parts;
  const assertAlive = (): void => processes.assertAlive();
  let stopped = false;
  return {
    dir,
    server: parts.server,
    kubeconfigPath: parts.kubeconfigPath,
    kubeConfig: parts.kubeConfig,
    clients,
    processes,
    assertAlive,
    waitFor: (what, check, options = {}) => waitFor(what, check, { assertAlive, ...options }),
    async kubectl(args, options = {}) {
      const kubeconfig = options.kubeconfigPath ?? parts.kubeconfigPath;
      const { stdout } = await run(binary('kubectl'), [`--kubeconfig=${kubeconfig}`, ...args], { maxBuffer: 64 << 20 });
      return stdout;
    },
    async userKubeconfig(name, groups = []) {
      const client = await issueCert(dir, pki.clientCa, {
        name: `user-${name.replace(/[^a-zA-Z0-9-]/g, '_')}`,
        commonName: name,
        organizations: groups,
        usage: 'clientAuth',
      });
      const path = writeKubeconfig(join(dir, `user-${name.replace(/[^a-zA-Z0-9-]/g, '_')}.kubeconfig`), {
        server: parts.server,
        caCertPath: pki.servingCa.certPath,
        user: name,
        client,
      });
      return { kubeconfigPath: path, kubeConfig: loadKubeConfig(path) };
    },
    installIstioCRDs: () => installIstioCrds(clients, { assertAlive }),
    auditEvents() {
      let text = '';
      try {
        text = readFileSync(join(dir, 'audit.log'), 'utf8');
      } catch {
        return [];
      }
      return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as AuditEvent);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await processes.stop();
      parts.slot.release();
      if (parts.options.keepDir !== true && process.env.SLUICE_KEEP_CLUSTER !== '1') {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

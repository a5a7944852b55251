// The control-plane processes, each started from the multi-call binary tools/kubebin builds.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary } from './paths.ts';
import { fetchText } from './http.ts';
import { freePort, withPortRetry } from './ports.ts';
import type { ClusterPki } from './pki.ts';
import type { ProcessGroup } from './processes.ts';
import { waitFor } from './wait.ts';

export const SERVICE_CIDR = '10.96.0.0/16'; // a /24 runs out at 254 Services
export const POD_CIDR = '10.64.0.0/12'; // kwok hands out pod IPs from here

/** Starts etcd on free loopback ports; retries with new ports if one was taken meanwhile. */
export async function startEtcd(dir: string, group: ProcessGroup): Promise<string> {
  return withPortRetry(async () => {
    const [clientPort, peerPort] = await Promise.all([freePort(), freePort()]);
    const url = `http://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const dataDir = join(dir, `etcd-${clientPort}`);
    group.start('etcd', binary('etcd'), [
      '--name=default',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      '--unsafe-no-fsync', // a test cluster's data is thrown away: fsync only costs time
      '--log-level=warn',
      '--quota-backend-bytes=4294967296',
    ]);
    await waitForReady('etcd', group, async () => (await fetchText(`${url}/health`)).body.includes('"true"'));
    return url;
  });
}

export interface ApiServer {
  readonly url: string;
  readonly port: number;
}

/**
 * Audit policy: every request by a ServiceAccount of sluice-system (the controller under test) at
 * Metadata level, nothing else. Lets tests count what the controller asked of the API server.
 */
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  userGroups: ["system:serviceaccounts:sluice-system"]
- level: None
`;

export async function startApiServer(dir: string, group: ProcessGroup, pki: ClusterPki, etcdUrl: string): Promise<ApiServer> {
  writeFileSync(join(dir, 'audit-policy.yaml'), AUDIT_POLICY);
  return withPortRetry(async () => {
    const port = await freePort();
    group.start('kube-apiserver', binary('kube-apiserver'), [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      // Without it the apiserver exits on a host with no default route.
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      `--tls-cert-file=${pki.serving.certPath}`,
      `--tls-private-key-file=${pki.serving.keyPath}`,
      `--client-ca-file=${pki.clientCa.certPath}`,
      '--authorization-mode=RBAC',
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.serviceAccountPubPath}`,
      `--service-account-signing-key-file=${pki.serviceAccountKeyPath}`,
      '--allow-privileged=true',
      '--enable-priority-and-fairness=false',
      `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
      `--audit-log-path=${join(dir, 'audit.log')}`,
      '--audit-log-mode=batch',
      '--audit-log-batch-max-wait=1s',
      '--max-requests-inflight=2000',
      '--max-mutating-requests-inflight=1000',
      '--v=0',
    ]);
    const url = `https://127.0.0.1:${port}`;
    const tls = { caPath: pki.servingCa.certPath, client: pki.admin };
    await waitForReady('kube-apiserver', group, async () => (await fetchText(`${url}/readyz`, tls)).status === 200, 60_000);
    return { url, port };
  });
}

/** controller-manager, scheduler and kwok, started together once the apiserver is ready. */
export async function startNodeSide(dir: string, group: ProcessGroup, pki: ClusterPki, kubeconfig: string): Promise<void> {
  const kwokPort = await freePort();
  const common = [`--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--kube-api-qps=200', '--kube-api-burst=400'];
  group.start('kube-controller-manager', binary('kube-controller-manager'), [
    ...common,
    '--bind-address=127.0.0.1',
    '--secure-port=0',
    `--service-account-private-key-file=${pki.serviceAccountKeyPath}`,
    `--root-ca-file=${pki.servingCa.certPath}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--concurrent-deployment-syncs=10',
    '--concurrent-replicaset-syncs=10',
    // HorizontalPodAutoscalers act within seconds (default 15 s) in the tests that use them.
    '--horizontal-pod-autoscaler-sync-period=2s',
    '--v=0',
  ]);
  group.start('kube-scheduler', binary('kube-scheduler'), [...common, '--bind-address=127.0.0.1', '--secure-port=0', '--v=0']);
  mkdirSync(join(dir, 'kwok'), { recursive: true });
  group.start('kwok', binary('kwok'), [
    `--kubeconfig=${kubeconfig}`,
    `--config=${new URL('./kwok-stages.yaml', import.meta.url).pathname}`,
    '--manage-all-nodes=false',
    '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
    // Renews the node's Lease: without a heartbeat the controller-manager marks the node
    // unhealthy after 40 s and every pod turns NotReady.
    '--node-lease-duration-seconds=40',
    `--cidr=${POD_CIDR}`,
    `--server-address=127.0.0.1:${kwokPort}`,
    '--node-ip=127.0.0.1',
    '--v=WARN',
  ], { cwd: join(dir, 'kwok') });
}

/** Waits for `ready`, failing at once (with the log tail) if the process exits first. */
/** A failed start is discarded so that withPortRetry can try again on other ports. */
async function waitForReady(
  name: string,
  group: ProcessGroup,
  ready: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  try {
    await waitFor(`${name} to be ready`, ready, { timeoutMs, intervalMs: 50, assertAlive: () => group.assertAlive() });
  } catch (error) {
    await group.discard(name);
    throw error;
  }
}

// The demo runtime and mesh against a real control plane (kwok pods, Istio's real CRDs): each
// Ready pod runs as a process with its template's env, the mesh follows the live VirtualService
// through its watch, splits by its weights, and a pod that goes away takes its process with it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadAll } from 'js-yaml';
import { startLoadGenerator } from '../../demo/loadgen.ts';
import { startMesh, type Mesh } from '../../demo/mesh.ts';
import { startDemoRuntime, type DemoRuntime } from '../../demo/runtime.ts';
import { serverSideApply } from '../../src/kube/apply.ts';
import type { KubernetesObject } from '../../src/kube/client.ts';
import { mergePatchObject } from '../../src/kube/patch.ts';
import { startCluster, type Cluster } from '../harness/cluster.ts';
import { createNamespace } from '../harness/fixtures.ts';
import { fetchText } from '../harness/http.ts';
import { ISTIO_LABELS, parseExposition, sumOf } from './exposition.ts';

const FIELD_MANAGER = 'demo-test';

function deployment(track: string, replicas: number, env: Record<string, string>): string {
  const version = env.VERSION ?? track;
  return `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-${track}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: web, track: ${track} }
  template:
    metadata:
      labels: { app: web, track: ${track}, app.kubernetes.io/version: ${version} }
    spec:
      containers:
      - name: web
        image: registry.invalid/web:${version}
        env:
${Object.entries(env).map(([k, v]) => `        - { name: ${k}, value: "${v}" }`).join('\n')}
`;
}

const service = (track: string): string => `
apiVersion: v1
kind: Service
metadata:
  name: web-${track}
spec:
  ports: [{ port: 80, targetPort: 8080, name: http }]
  selector: { app: web, track: ${track} }
`;

function virtualService(stable: number, canary: number): string {
  return `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web
spec:
  hosts: [web.example.com, web]
  gateways: [mesh]
  http:
  - name: primary
    route:
    - destination: { host: web-stable }
      weight: ${stable}
    - destination: { host: web-canary.NAMESPACE.svc.cluster.local }
      weight: ${canary}
`;
}

async function apply(cluster: Cluster, namespace: string, yaml: string): Promise<void> {
  for (const doc of loadAll(yaml.replaceAll('NAMESPACE', namespace)) as KubernetesObject[]) {
    await serverSideApply(cluster.clients, { ...doc, metadata: { ...doc.metadata, namespace } }, { fieldManager: FIELD_MANAGER, force: true });
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('demo runtime and mesh on a control plane', { timeout: 180_000 }, () => {
  let cluster: Cluster;
  let ns: string;
  let runtime: DemoRuntime;
  let mesh: Mesh;

  before(async () => {
    cluster = await startCluster();
    await cluster.installIstioCRDs();
    ns = await createNamespace(cluster, 'demo');
    await apply(cluster, ns, [deployment('stable', 2, { VERSION: 'v1' }), deployment('canary', 1, { VERSION: 'v2', ERROR_RATE: '0.3', LATENCY_MS: '20' }), service('stable'), service('canary'), virtualService(90, 10)].join('---'));
    runtime = await startDemoRuntime({ clients: cluster.clients, namespace: ns, labelSelector: 'app=web' });
    mesh = await startMesh({ clients: cluster.clients, namespace: ns, endpoint: (pod) => runtime.endpoint(pod) });
    await cluster.waitFor('3 pod processes listening', () => runtime.processes().filter((p) => p.port !== undefined).length === 3, { timeoutMs: 60_000 });
  });
  after(async () => {
    await mesh?.stop();
    await runtime?.stop();
    await cluster?.stop();
  });

  async function canaryShare(n = 1000): Promise<number> {
    mesh.resetCounts();
    const load = startLoadGenerator({ url: mesh.url, rps: 500, headers: { host: 'web.example.com' } });
    await load.waitForResponses(n, 30_000);
    const stats = await load.stop();
    const counts = mesh.counts();
    assert.equal(counts.total, stats.completed);
    const share = (counts.byService['web-canary']?.requests ?? 0) / counts.total;
    assert.equal(counts.byRevision.v2?.requests, counts.byService['web-canary']?.requests, 'the canary Service reaches the v2 pods only');
    return share;
  }

  test('each Ready pod runs as a process with its template\'s env', () => {
    const processes = runtime.processes();
    assert.equal(processes.length, 3);
    const canary = processes.filter((p) => p.pod.startsWith('web-canary-'));
    assert.equal(canary.length, 1);
    assert.deepEqual(canary[0]?.env, { VERSION: 'v2', ERROR_RATE: '0.3', LATENCY_MS: '20' });
    for (const p of processes) assert.ok(p.pid !== undefined && alive(p.pid));
  });

  test('90/10, then 70/30 through the watch within a second: the split over 1,000 requests is within ±3 points', async () => {
    const first = await canaryShare();
    assert.ok(Math.abs(first - 0.1) <= 0.03, `canary share ${first} at weight 10`);

    const changedAt = performance.now();
    await mergePatchObject(cluster.clients, { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: ns, name: 'web' }, {
      spec: { http: [{ name: 'primary', route: [{ destination: { host: 'web-stable' }, weight: 70 }, { destination: { host: `web-canary.${ns}.svc.cluster.local` }, weight: 30 }] }] },
    }, { fieldManager: FIELD_MANAGER });
    await cluster.waitFor('the mesh to see 70/30', () => mesh.liveRoutes()[0]?.destinations.map((d) => d.weight).join('/') === '70/30', { timeoutMs: 1000, intervalMs: 10 });
    const seenMs = performance.now() - changedAt;
    const second = await canaryShare();
    assert.ok(Math.abs(second - 0.3) <= 0.03, `canary share ${second} at weight 30`);
    console.log(`demo mesh on a control plane: 90/10 → canary ${(first * 100).toFixed(1)}%, 70/30 → ${(second * 100).toFixed(1)}%; new weights seen after ${seenMs.toFixed(0)} ms`);
  });

  test('/metrics parses and carries Istio\'s labels: workload, revision, codes of the canary', async () => {
    const samples = parseExposition((await fetchText(mesh.metricsUrl)).body);
    for (const s of samples.filter((x) => x.name === 'istio_requests_total')) assert.deepEqual(Object.keys(s.labels), ISTIO_LABELS);
    const canary = { reporter: 'source', destination_service_name: 'web-canary', destination_service_namespace: ns };
    const total = sumOf(samples, 'istio_requests_total', canary);
    const failed = sumOf(samples, 'istio_requests_total', { ...canary, response_code: '500' });
    assert.ok(total >= 400, `canary requests ${total}`);
    assert.ok(Math.abs(failed / total - 0.3) <= 0.02, `canary 5xx share ${failed / total} for ERROR_RATE 0.3`);
    const sample = samples.find((s) => s.name === 'istio_requests_total' && s.labels.destination_service_name === 'web-canary');
    assert.equal(sample?.labels.destination_workload, 'web-canary', 'the Deployment: ReplicaSet name without the pod-template hash');
    assert.equal(sample?.labels.destination_workload_namespace, ns);
    assert.equal(sample?.labels.destination_canonical_revision, 'v2');
  });

  test('a pod that goes away stops its process; its Service then answers 503 UH', async () => {
    const canary = runtime.processes().find((p) => p.pod.startsWith('web-canary-'));
    assert.ok(canary?.pid !== undefined);
    await mergePatchObject(cluster.clients, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web-canary' }, { spec: { replicas: 0 } }, { fieldManager: FIELD_MANAGER });
    await cluster.waitFor('the canary pod\'s process to stop', () => runtime.endpoint(canary.pod) === undefined && !alive(canary.pid as number), { timeoutMs: 20_000 });
    assert.equal(runtime.processes().length, 2);

    mesh.resetCounts();
    const load = startLoadGenerator({ url: mesh.url, rps: 500 });
    await load.waitForResponses(100);
    const stats = await load.stop();
    assert.equal(mesh.counts().byService['web-canary']?.byCode['503'], mesh.counts().byService['web-canary']?.requests, 'every canary request: 503');
    assert.ok(Math.abs((stats.byCode['503'] ?? 0) / stats.completed - 0.3) <= 0.03, JSON.stringify(stats.byCode));
    const samples = parseExposition((await fetchText(mesh.metricsUrl)).body);
    assert.ok(sumOf(samples, 'istio_requests_total', { reporter: 'source', destination_service_name: 'web-canary', response_code: '503', response_flags: 'UH' }) > 0);
  });
});

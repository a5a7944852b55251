// The mesh stand-in over objects in memory (no control plane): real HTTP through the proxy to
// in-process demo apps, split by the VirtualService's weights, header routes first, 503 "UH"
// without a Ready backend, and Istio's metrics with Istio's labels.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startAppServer, type AppServer } from '../../demo/app-server.ts';
import { startLoadGenerator } from '../../demo/loadgen.ts';
import { startMeshProxy, type Mesh, type MeshWorld } from '../../demo/mesh.ts';
import type { DemoPod, DemoService, HttpRoute, VirtualService } from '../../demo/pods.ts';
import { fetchText } from '../harness/http.ts';
import { ISTIO_LABELS, parseExposition, sumOf } from './exposition.ts';

const NS = 'shop';
const STABLE = 'aaaa1111';
const CANARY = 'bbbb2222';

function pod(name: string, hash: string, ready = true): DemoPod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      labels: { app: 'web', 'rollouts-pod-template-hash': hash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `web-${hash}`, uid: `rs-${hash}`, controller: true }],
    },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

const service = (name: string, hash: string): DemoService => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: NS },
  spec: { selector: { app: 'web', 'rollouts-pod-template-hash': hash } },
});

function virtualService(stableWeight: number, canaryWeight: number): VirtualService {
  const http: HttpRoute[] = [
    { name: 'canary-header', match: [{ headers: { 'x-canary': { exact: 'always' } } }], route: [{ destination: { host: `web-canary.${NS}.svc.cluster.local` } }] },
    {
      name: 'primary',
      route: [
        { destination: { host: 'web-stable' }, weight: stableWeight },
        { destination: { host: 'web-canary' }, weight: canaryWeight },
      ],
    },
  ];
  return { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'web', namespace: NS, uid: 'vs-uid' }, spec: { hosts: ['web.example.com', 'web'], http } };
}

describe('demo mesh (in memory)', { timeout: 60_000 }, () => {
  const apps = new Map<string, AppServer>();
  let vs = virtualService(90, 10);
  let pods: DemoPod[] = [];
  const services = new Map([['web-stable', service('web-stable', STABLE)], ['web-canary', service('web-canary', CANARY)]]);
  const world: MeshWorld = { virtualServices: () => [vs], service: (name) => services.get(name), pods: () => pods };
  let mesh: Mesh;

  before(async () => {
    pods = [pod('web-aaaa1111-x1', STABLE), pod('web-aaaa1111-x2', STABLE), pod('web-aaaa1111-x3', STABLE), pod('web-bbbb2222-y1', CANARY), pod('web-aaaa1111-x4', STABLE, false)];
    for (const p of pods) {
      const canary = p.metadata.labels?.['rollouts-pod-template-hash'] === CANARY;
      apps.set(p.metadata.name, await startAppServer({ errorRate: canary ? 0.3 : 0, latencyMs: canary ? 30 : 0, version: canary ? 'v2' : 'v1' }));
    }
    mesh = await startMeshProxy({ world, namespace: NS, endpoint: (name) => (apps.has(name) ? { port: apps.get(name)?.port as number } : undefined) });
  });
  after(async () => {
    await mesh?.stop();
    await Promise.all([...apps.values()].map((a) => a.stop()));
  });

  /** 1,000 requests through the load generator; the mesh's and the apps' view of the split. */
  async function measure(n = 1000): Promise<{ canaryShare: number; canaryPodShare: number; codes: Record<string, number> }> {
    mesh.resetCounts();
    const before = new Map([...apps].map(([k, a]) => [k, Object.values(a.counts()).reduce((s, c) => s + c, 0)]));
    const load = startLoadGenerator({ url: mesh.url, rps: 1000, headers: { host: 'web.example.com' } });
    await load.waitForResponses(n);
    const stats = await load.stop();
    const counts = mesh.counts();
    assert.equal(counts.total, stats.completed);
    assert.equal(stats.errors, 0);
    const served = (name: string): number => Object.values(apps.get(name)?.counts() ?? {}).reduce((s, c) => s + c, 0) - (before.get(name) ?? 0);
    const canaryPod = served('web-bbbb2222-y1');
    const allPods = [...apps.keys()].reduce((s, k) => s + served(k), 0);
    assert.equal(allPods, stats.completed, 'every response came from a pod');
    assert.equal(served('web-aaaa1111-x4'), 0, 'a pod that is not Ready gets nothing');
    return { canaryShare: (counts.byService['web-canary']?.requests ?? 0) / counts.total, canaryPodShare: canaryPod / allPods, codes: { ...stats.byCode } };
  }

  test('90/10 and then 70/30: the split over ≥1,000 requests is within ±3 points of the weights', async () => {
    vs = virtualService(90, 10);
    const first = await measure();
    assert.ok(Math.abs(first.canaryShare - 0.1) <= 0.03, `canary share ${first.canaryShare} for weight 10`);
    assert.ok(Math.abs(first.canaryPodShare - 0.1) <= 0.03, `canary pod served ${first.canaryPodShare}`);
    vs = virtualService(70, 30);
    const second = await measure();
    assert.ok(Math.abs(second.canaryShare - 0.3) <= 0.03, `canary share ${second.canaryShare} for weight 30`);
    // 30% of the canary's requests fail (ERROR_RATE 0.3): 9% of all.
    const total = Object.values(second.codes).reduce((s, c) => s + c, 0);
    assert.ok(Math.abs((second.codes['500'] ?? 0) / total - 0.09) <= 0.02, JSON.stringify(second.codes));
    console.log(`demo mesh split: 90/10 → canary ${(first.canaryShare * 100).toFixed(1)}%, 70/30 → canary ${(second.canaryShare * 100).toFixed(1)}%`);
  });

  test('round-robin over the Ready pods behind the stable Service', async () => {
    vs = virtualService(100, 0);
    const before = ['x1', 'x2', 'x3'].map((x) => apps.get(`web-aaaa1111-${x}`)?.counts()['200'] ?? 0);
    const load = startLoadGenerator({ url: mesh.url, rps: 1000 });
    await load.waitForResponses(300);
    await load.stop();
    const served = ['x1', 'x2', 'x3'].map((x, i) => (apps.get(`web-aaaa1111-${x}`)?.counts()['200'] ?? 0) - (before[i] ?? 0));
    assert.ok(Math.min(...served) >= 100, `stable pods served ${served.join('/')}`);
    assert.ok(Math.max(...served) - Math.min(...served) <= 1, `stable pods served ${served.join('/')}`);
  });

  test('a header route comes first: x-canary: always reaches the canary whatever the weights', async () => {
    vs = virtualService(100, 0);
    mesh.resetCounts();
    for (let i = 0; i < 20; i++) {
      const res = await fetch(mesh.url, { headers: { 'x-canary': 'always' } });
      assert.equal(res.headers.get('x-demo-service'), 'web-canary');
      await res.arrayBuffer();
    }
    assert.equal(mesh.counts().byService['web-canary']?.requests, 20);
  });

  test('no Ready pod behind the chosen Service: 503 with response_flags "UH", reported by the source only', async () => {
    vs = virtualService(0, 100);
    const saved = pods;
    pods = pods.filter((p) => p.metadata.labels?.['rollouts-pod-template-hash'] !== CANARY);
    try {
      const res = await fetch(mesh.url);
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('x-envoy-response-flags'), 'UH');
      await res.arrayBuffer();
    } finally {
      pods = saved;
    }
    const samples = parseExposition((await fetchText(mesh.metricsUrl)).body);
    const uh = { destination_service_name: 'web-canary', response_code: '503', response_flags: 'UH' };
    assert.equal(sumOf(samples, 'istio_requests_total', { ...uh, reporter: 'source' }), 1);
    assert.equal(sumOf(samples, 'istio_requests_total', { ...uh, reporter: 'destination' }), 0);
  });

  test('/metrics parses, carries Istio\'s labels, and its counts agree with what was routed', async () => {
    const res = await fetchText(mesh.metricsUrl);
    assert.equal(res.status, 200);
    const samples = parseExposition(res.body);
    const requests = samples.filter((s) => s.name === 'istio_requests_total');
    assert.ok(requests.length > 0);
    for (const s of requests) assert.deepEqual(Object.keys(s.labels), ISTIO_LABELS);
    const canary = { reporter: 'source', destination_service_name: 'web-canary', destination_service_namespace: NS };
    const canaryTotal = sumOf(samples, 'istio_requests_total', canary);
    const canary5xx = sumOf(samples, 'istio_requests_total', { ...canary, response_code: '500' });
    assert.ok(canaryTotal >= 400, `canary requests ${canaryTotal}`);
    assert.ok(canary5xx > 0, 'the canary app fails 30%');
    // The destination sidecar's report: the same pod-served requests, with mTLS and the workload of the rollout.
    const dest = samples.find((s) => s.name === 'istio_requests_total' && s.labels.reporter === 'destination' && s.labels.destination_service_name === 'web-canary');
    assert.equal(dest?.labels.destination_workload, 'web', 'the ReplicaSet name without its pod-template hash');
    assert.equal(dest?.labels.connection_security_policy, 'mutual_tls');
    assert.equal(dest?.labels.destination_service, `web-canary.${NS}.svc.cluster.local`);
    assert.equal(dest?.labels.source_workload, 'istio-ingressgateway');
    // Histogram: buckets cumulative and +Inf = _count; the canary's 30 ms shows up above the 25 ms bound.
    const where = { ...canary, response_code: '200' };
    const count = sumOf(samples, 'istio_request_duration_milliseconds_count', where);
    assert.equal(sumOf(samples, 'istio_request_duration_milliseconds_bucket', { ...where, le: '+Inf' }), count);
    assert.equal(sumOf(samples, 'istio_request_duration_milliseconds_bucket', { ...where, le: '25' }), 0);
    assert.ok(sumOf(samples, 'istio_request_duration_milliseconds_sum', where) / count >= 30);
    const les = samples.filter((s) => s.name === 'istio_request_duration_milliseconds_bucket' && s.labels.destination_service_name === 'web-canary').map((s) => s.labels.le);
    assert.ok(les.includes('250') && les.includes('2500') && les.includes('3600000'), 'Envoy\'s default buckets');
  });
});

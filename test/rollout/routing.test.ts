// End to end, beyond the basic host split: HTTP + TLS + TCP routes together, the fast track back
// to stable, a new revision in the middle of a canary, and drift of the managed weights.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '../../src/kube/object.ts';
import { getObject, mergePatchObject, patchObject } from '../../src/kube/patch.ts';
import { createNamespace } from '../harness/fixtures.ts';
import { applyYaml, hostSplitNetwork, hostSplitRollout, operate, replicaSet, selectorHash, setImage, vsWeights, waitForRollout } from './fixtures.ts';
import { startRolloutSuite, type RolloutSuite } from './suite.ts';

type Route = { name?: string; timeout?: string; match?: unknown[]; route: { destination: { host: string }; weight?: number }[] };
type VirtualService = KubeObject & { spec: { http: Route[]; tls?: Route[]; tcp?: Route[] } };

const paused = (r: { status?: { phase?: string } }): boolean => r.status?.phase === 'Paused';
const vsRef = (namespace: string) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace, name: 'web' });

describe('rollouts: route kinds, fast track, updates mid-rollout, drift', { timeout: 300_000 }, () => {
  let suite: RolloutSuite;
  before(async () => {
    suite = await startRolloutSuite();
    await suite.startController();
  });
  after(async () => suite?.stop());

  async function pausedOnV2(prefix: string, rollout: string, network = hostSplitNetwork()): Promise<{ ns: string; v1: string; v2: string }> {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, prefix);
    await applyYaml(cluster, ns, network);
    await applyYaml(cluster, ns, rollout);
    const healthy = await waitForRollout(cluster, ns, 'Healthy', (r) => r.status?.phase === 'Healthy');
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    const p = await waitForRollout(cluster, ns, 'paused on v2', paused);
    return { ns, v1: healthy.status?.stableRS ?? '', v2: p.status?.currentPodHash ?? '' };
  }

  test('HTTP, TLS (port + sniHosts) and TCP (port) routes move together', async () => {
    const { cluster } = suite;
    const tlsAndTcp = `
  tls:
  - match:
    - port: 443
      sniHosts: [web.example.com]
    route:
    - destination: {host: web-stable}
      weight: 100
    - destination: {host: web-canary}
      weight: 0
  tcp:
  - match:
    - port: 5432
    route:
    - destination: {host: web-stable}
      weight: 100
    - destination: {host: web-canary}
      weight: 0
`;
    const network = hostSplitNetwork() + tlsAndTcp;
    const rollout = hostSplitRollout({ steps: '      - setWeight: 10\n      - pause: {}\n' }).replace(
      '            routes:\n            - primary\n',
      '            routes:\n            - primary\n            tlsRoutes:\n            - port: 443\n              sniHosts: [web.example.com]\n            tcpRoutes:\n            - port: 5432\n',
    );
    const { ns, v2 } = await pausedOnV2('kinds', rollout, network);
    const weights = async (): Promise<number[][]> => {
      const vs = await getObject<VirtualService>(cluster.clients, vsRef(ns));
      const of = (r: Route | undefined): number[] => (r?.route ?? []).map((d) => d.weight ?? 0);
      return [of(vs?.spec.http[0]), of(vs?.spec.tls?.[0]), of(vs?.spec.tcp?.[0])];
    };
    assert.deepEqual(await weights(), [[90, 10], [90, 10], [90, 10]]);
    assert.deepEqual(await vsWeights(cluster, ns), [90, 10]);
    await operate(cluster, ns, 'promote');
    await waitForRollout(cluster, ns, 'Healthy on v2', (r) => r.status?.phase === 'Healthy' && r.status.stableRS === v2);
    assert.deepEqual(await weights(), [[100, 0], [100, 0], [100, 0]]);
  });

  test('fast track: the template set back to the stable one is Healthy at once, with no steps', async () => {
    const { cluster } = suite;
    const { ns, v1 } = await pausedOnV2('fasttrack', hostSplitRollout({ steps: '      - setWeight: 10\n      - pause: {}\n      - setWeight: 50\n      - pause: {}\n' }));
    await setImage(cluster, ns, 'registry.invalid/web:v1');
    const back = await waitForRollout(cluster, ns, 'Healthy on v1', (r) => r.status?.phase === 'Healthy' && r.status.currentPodHash === v1);
    assert.equal(back.status?.stableRS, v1);
    assert.equal(back.status?.currentStepIndex, 4, 'all steps skipped');
    assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);
    assert.equal(await selectorHash(cluster, ns, 'web-canary'), v1);
  });

  test('a new revision in the middle: paused on rev3 with its own canary; rev2 scaled to 0 after the delay', async () => {
    const { cluster } = suite;
    const rollout = hostSplitRollout({ steps: '      - setWeight: 10\n      - pause: {}\n', extraCanary: '      scaleDownDelaySeconds: 2\n' });
    const { ns, v1, v2 } = await pausedOnV2('middle', rollout);
    await setImage(cluster, ns, 'registry.invalid/web:v3');
    const p3 = await waitForRollout(cluster, ns, 'paused on rev3', (r) => paused(r) && r.status?.currentPodHash !== v2);
    const v3 = p3.status?.currentPodHash ?? '';
    assert.notEqual(v3, v1);
    assert.equal(p3.status?.currentStepIndex, 1);
    assert.equal(await selectorHash(cluster, ns, 'web-canary'), v3);
    assert.equal(await selectorHash(cluster, ns, 'web-stable'), v1);
    assert.deepEqual(await vsWeights(cluster, ns), [90, 10]);
    await cluster.waitFor('rev2 scaled to 0', async () => (await replicaSet(cluster, ns, v2)).replicas === 0, { timeoutMs: 15_000 });
    assert.equal((await replicaSet(cluster, ns, v1)).replicas, 3);
  });

  test('hand-edited weights are put back within a second; a concurrent edit of another field survives', async () => {
    const { cluster } = suite;
    const { ns } = await pausedOnV2('drift', hostSplitRollout({ steps: '      - setWeight: 10\n      - pause: {}\n' }));
    const vs = await getObject<VirtualService>(cluster.clients, vsRef(ns));
    // Someone edits the weights and, in the same write, the route's timeout.
    await patchObject(cluster.clients, vsRef(ns), [
      { op: 'replace', path: '/spec/http/0/route/0/weight', value: 50 },
      { op: 'replace', path: '/spec/http/0/route/1/weight', value: 50 },
      { op: 'add', path: '/spec/http/0/timeout', value: '7s' },
    ], { fieldManager: 'someone', resourceVersion: vs?.metadata.resourceVersion });
    const editedAt = Date.now();
    await cluster.waitFor('weights put back', async () => (await vsWeights(cluster, ns)).join('/') === '90/10', { timeoutMs: 5_000, intervalMs: 20 });
    assert.ok(Date.now() - editedAt < 1_000, `repaired after ${Date.now() - editedAt} ms`);
    const after = await getObject<VirtualService>(cluster.clients, vsRef(ns));
    assert.equal(after?.spec.http[0]?.timeout, '7s', 'the timeout edit was not clobbered');
    // A hand edit of the canary Service's hash selector is put back too.
    const want = await selectorHash(cluster, ns, 'web-canary');
    await mergePatchObject(cluster.clients, { apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'web-canary' }, { spec: { selector: { 'rollouts-pod-template-hash': 'bogus' } } }, { fieldManager: 'someone' });
    await cluster.waitFor('selector put back', async () => (await selectorHash(cluster, ns, 'web-canary')) === want, { timeoutMs: 5_000, intervalMs: 20 });
    // Another edit of a different field alone stays, and weights stay as they are.
    await mergePatchObject(cluster.clients, { apiVersion: 'v1', kind: 'Service', namespace: ns, name: 'web-canary' }, { metadata: { labels: { team: 'payments' } } }, { fieldManager: 'someone' });
    assert.deepEqual(await vsWeights(cluster, ns), [90, 10]);
  });

  test('progress deadline: a canary whose pods never get ready is Degraded; with progressDeadlineAbort it is aborted', async () => {
    const { cluster } = suite;
    const unready = { spec: { template: { metadata: { labels: { app: 'NAME', 'sluice.dev/kwok-ready': 'false' } } } } };
    const ns = await createNamespace(cluster, 'deadline');
    for (const [name, abort] of [['slow', false], ['slowabort', true]] as const) {
      await applyYaml(cluster, ns, hostSplitNetwork(name));
      const extra = `      abortScaleDownDelaySeconds: 0\n`;
      const rollout = hostSplitRollout({ name, steps: '      - setWeight: 20\n      - pause: {}\n', extraCanary: extra })
        .replace('  revisionHistoryLimit: 2\n', `  revisionHistoryLimit: 2\n  progressDeadlineSeconds: 3\n  progressDeadlineAbort: ${abort}\n`);
      await applyYaml(cluster, ns, rollout);
      await waitForRollout(cluster, ns, `${name} Healthy`, (r) => r.status?.phase === 'Healthy', name);
      const patch = JSON.parse(JSON.stringify(unready).replace('NAME', name)) as Record<string, unknown>;
      await mergePatchObject(cluster.clients, { apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', namespace: ns, name }, patch, { fieldManager: 'test-user' });
    }
    const slow = await waitForRollout(cluster, ns, 'slow Degraded', (r) => r.status?.phase === 'Degraded', 'slow', 30_000);
    assert.match(slow.status?.message ?? '', /^ProgressDeadlineExceeded: .*0 of 1 canary pods .*no progress for 3 s/);
    assert.deepEqual(await vsWeights(cluster, ns, 'slow'), [100, 0], 'no traffic ever went to the unready canary');
    const aborted = await waitForRollout(cluster, ns, 'slowabort aborted', (r) => r.status?.phase === 'Degraded' && /^RolloutAborted/.test(r.status.message ?? ''), 'slowabort', 30_000);
    assert.ok(aborted.status?.abortedAt);
    assert.equal(await selectorHash(cluster, ns, 'slowabort-canary'), aborted.status?.stableRS, 'the canary Service is back on stable');
  });

  test('revisionHistoryLimit: old ReplicaSets beyond it are deleted; undo to a former template reuses its ReplicaSet as a new revision', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'history');
    await applyYaml(cluster, ns, hostSplitNetwork());
    const rollout = hostSplitRollout({ steps: '        []\n', extraCanary: '      scaleDownDelaySeconds: 0\n' })
      .replace('      steps:\n        []\n', '      steps: []\n')
      .replace('  revisionHistoryLimit: 2\n', '  revisionHistoryLimit: 1\n');
    await applyYaml(cluster, ns, rollout);
    const hashes: string[] = [];
    for (const version of ['v1', 'v2', 'v3', 'v4']) {
      if (version !== 'v1') await setImage(cluster, ns, `registry.invalid/web:${version}`);
      const r = await waitForRollout(cluster, ns, `Healthy on ${version}`, (x) => x.status?.phase === 'Healthy' && !hashes.includes(x.status.stableRS ?? ''));
      hashes.push(r.status?.stableRS ?? '');
    }
    const names = async (): Promise<string[]> =>
      (await cluster.clients.apps.listNamespacedReplicaSet({ namespace: ns })).items.map((rs) => rs.metadata?.name ?? '').sort();
    await cluster.waitFor('history pruned to 1', async () => (await names()).length === 2);
    assert.deepEqual(await names(), [`web-${hashes[2]}`, `web-${hashes[3]}`].sort());

    await setImage(cluster, ns, 'registry.invalid/web:v3'); // undo
    await waitForRollout(cluster, ns, 'Healthy on v3 again', (x) => x.status?.phase === 'Healthy' && x.status.stableRS === hashes[2]);
    const reused = await replicaSet(cluster, ns, hashes[2] ?? '');
    assert.equal(reused.annotations['sluice.dev/revision'], '5');
    assert.equal(reused.replicas, 3);
  });

  test('dynamicStableScale with 4 replicas: stable/canary pods 3/1 → 1/3; abort → stable back to 4 before the canary Service returns', async () => {
    const { cluster } = suite;
    const steps = '      - setWeight: 25\n      - pause: {}\n      - setWeight: 75\n      - pause: {}\n';
    const { ns, v1, v2 } = await pausedOnV2('dynamic', hostSplitRollout({ steps, replicas: 4, extraCanary: '      dynamicStableScale: true\n' }));
    const pods = async (): Promise<number[]> => [(await replicaSet(cluster, ns, v1)).replicas, (await replicaSet(cluster, ns, v2)).replicas];
    await cluster.waitFor('stable 3 / canary 1', async () => (await pods()).join('/') === '3/1');
    await operate(cluster, ns, 'promote');
    await waitForRollout(cluster, ns, 'paused at 75', (r) => paused(r) && r.status?.currentStepIndex === 3);
    await cluster.waitFor('stable 1 / canary 3', async () => (await pods()).join('/') === '1/3');
    assert.deepEqual(await vsWeights(cluster, ns), [25, 75]);

    await operate(cluster, ns, 'abort');
    // Watch closely: when the canary Service flips back, the stable must already be whole.
    const stableAtFlip = await cluster.waitFor('the canary Service back on stable', async () => {
      if ((await selectorHash(cluster, ns, 'web-canary')) !== v1) return undefined;
      return (await replicaSet(cluster, ns, v1)).ready;
    }, { intervalMs: 10 });
    assert.equal(stableAtFlip, 4, 'the stable had its 4 pods ready before traffic returned');
    assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);
  });

  test('subset-level split with a DestinationRule: the subsets carry the right hashes at each step; promote', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'subset');
    await applyYaml(cluster, ns, `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports: [{port: 80, targetPort: http, name: http}]
  selector: {app: web}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web}
spec:
  host: web
  trafficPolicy:
    connectionPool: {http: {http1MaxPendingRequests: 64}}
  subsets:
  - name: canary
    labels: {app: web}
  - name: stable
    labels: {app: web}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  hosts: [web]
  http:
  - name: primary
    route:
    - destination: {host: web, subset: stable}
      weight: 100
    - destination: {host: web, subset: canary}
      weight: 0
`);
    const rollout = hostSplitRollout({ steps: '      - setWeight: 10\n      - pause: {}\n' })
      .replace('      canaryService: web-canary\n      stableService: web-stable\n', '')
      .replace('            routes:\n            - primary\n', '            routes:\n            - primary\n          destinationRule:\n            name: web\n            canarySubsetName: canary\n            stableSubsetName: stable\n');
    await applyYaml(cluster, ns, rollout);
    type DR = KubeObject & { spec: { trafficPolicy?: unknown; subsets: { name: string; labels: Record<string, string> }[] } };
    const subsets = async (): Promise<Record<string, string | undefined>> => {
      const dr = await getObject<DR>(cluster.clients, { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', namespace: ns, name: 'web' });
      return Object.fromEntries((dr?.spec.subsets ?? []).map((x) => [x.name, x.labels['rollouts-pod-template-hash']]));
    };
    const v1 = (await waitForRollout(cluster, ns, 'Healthy', (r) => r.status?.phase === 'Healthy')).status?.stableRS;
    assert.deepEqual(await subsets(), { canary: v1, stable: v1 });
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    const v2 = (await waitForRollout(cluster, ns, 'paused', paused)).status?.currentPodHash;
    assert.deepEqual(await subsets(), { canary: v2, stable: v1 });
    assert.deepEqual(await vsWeights(cluster, ns), [90, 10]);
    await operate(cluster, ns, 'promote');
    await waitForRollout(cluster, ns, 'Healthy on v2', (r) => r.status?.phase === 'Healthy' && r.status.stableRS === v2);
    assert.deepEqual(await subsets(), { canary: v2, stable: v2 });
    assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);
    const dr = await getObject<DR>(cluster.clients, { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', namespace: ns, name: 'web' });
    assert.deepEqual(dr?.spec.trafficPolicy, { connectionPool: { http: { http1MaxPendingRequests: 64 } } }, 'other fields untouched');
    assert.equal(dr?.spec.subsets[0]?.labels.app, 'web', 'the subset keeps its own labels');
  });

  test('200 Rollouts progressing at once in one namespace all reach Paused at 10% with correct weights', { timeout: 240_000 }, async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'many');
    const names = Array.from({ length: 200 }, (_, i) => `app${i}`);
    const inBatches = async (work: (name: string) => Promise<void>): Promise<void> => {
      for (let i = 0; i < names.length; i += 20) await Promise.all(names.slice(i, i + 20).map(work));
    };
    await inBatches(async (name) => {
      await applyYaml(cluster, ns, hostSplitNetwork(name));
      await applyYaml(cluster, ns, hostSplitRollout({ name, replicas: 1, steps: '      - setWeight: 10\n      - pause: {}\n' }));
    });
    const phases = async (): Promise<Map<string, { phase?: string; step?: number; hash?: string; stable?: string }>> => {
      const list = JSON.parse(await cluster.kubectl(['-n', ns, 'get', 'rollouts.sluice.dev', '-o', 'json'])) as {
        items: { metadata: { name: string; generation: number }; status?: { phase?: string; currentStepIndex?: number; currentPodHash?: string; stableRS?: string; observedGeneration?: number } }[];
      };
      return new Map(list.items.map((r) => [r.metadata.name, {
        phase: r.status?.observedGeneration === r.metadata.generation ? r.status.phase : undefined,
        step: r.status?.currentStepIndex,
        hash: r.status?.currentPodHash,
        stable: r.status?.stableRS,
      }]));
    };
    await cluster.waitFor('200 Healthy', async () => [...(await phases()).values()].filter((p) => p.phase === 'Healthy').length === 200, { timeoutMs: 120_000, intervalMs: 1_000 });
    await inBatches((name) => setImage(cluster, ns, 'registry.invalid/web:v2', name));
    await cluster.waitFor('200 Paused at step 1', async () => {
      const all = [...(await phases()).values()];
      return all.filter((p) => p.phase === 'Paused' && p.step === 1 && p.hash !== p.stable).length === 200;
    }, { timeoutMs: 120_000, intervalMs: 1_000 });
    const vsList = JSON.parse(await cluster.kubectl(['-n', ns, 'get', 'virtualservices', '-o', 'json'])) as { items: VirtualService[] };
    const wrong = vsList.items.filter((vs) => (vs.spec.http[0]?.route ?? []).map((d) => d.weight).join('/') !== '90/10');
    assert.deepEqual(wrong.map((vs) => vs.metadata.name), [], 'every VirtualService at 90/10');
    assert.equal(vsList.items.length, 200);
  });

  test('restartAt: every stable pod older than it is recreated, one at a time, and restartedAt records it', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'restart-at');
    await applyYaml(cluster, ns, hostSplitNetwork());
    await applyYaml(cluster, ns, hostSplitRollout({ steps: '      - setWeight: 10\n' }));
    const healthy = await waitForRollout(cluster, ns, 'Healthy', (r) => r.status?.phase === 'Healthy');
    const stable = healthy.status?.stableRS ?? '';
    const podsNow = async () => (await cluster.clients.core.listNamespacedPod({ namespace: ns, labelSelector: `rollouts-pod-template-hash=${stable}` })).items;
    const before = new Set((await podsNow()).map((p) => p.metadata?.name));
    assert.equal(before.size, 3);
    const restartAt = new Date(Date.now() + 1_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await mergePatchObject(cluster.clients, { apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', namespace: ns, name: 'web' }, { spec: { restartAt } }, { fieldManager: 'kubectl-sluice' });
    let fewestReady = 3;
    await cluster.waitFor('restartedAt', async () => {
      const live = (await podsNow()).filter((p) => p.metadata?.deletionTimestamp === undefined);
      fewestReady = Math.min(fewestReady, live.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length);
      const r = await waitForRollout(cluster, ns, 'observed', () => true);
      return r.status?.restartedAt !== undefined && Date.parse(r.status.restartedAt) === Date.parse(restartAt);
    }, { timeoutMs: 30_000, intervalMs: 20 });
    const after = await podsNow();
    assert.equal(after.length, 3);
    assert.ok(after.every((p) => !before.has(p.metadata?.name)), 'every old pod was replaced');
    assert.ok(after.every((p) => Date.parse(String(p.metadata?.creationTimestamp)) >= Date.parse(restartAt)), 'all created after restartAt');
    assert.ok(fewestReady >= 2, `one at a time: never fewer than 2 of 3 ready (saw ${fewestReady})`);
  });
});

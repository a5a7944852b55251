// End to end, against a real control plane with Istio's real CRDs and the controller running
// under the shipped RBAC: host-level canary through a VirtualService, pauses, promote, abort,
// retry, setCanaryScale, and the VirtualService left byte-for-byte apart from weights.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getObject } from '../../src/kube/patch.ts';
import { createNamespace } from '../harness/fixtures.ts';
import {
  applyYaml,
  hostSplitNetwork,
  hostSplitRollout,
  operate,
  readRollout,
  replicaSet,
  selectorHash,
  setImage,
  vsWeights,
  waitForRollout,
} from './fixtures.ts';
import { startRolloutSuite, type RolloutSuite } from './suite.ts';

const pausedAt = (step: number) => (r: { status?: { phase?: string; currentStepIndex?: number } }) =>
  r.status?.phase === 'Paused' && r.status.currentStepIndex === step;
const healthyOn = (hash: string | undefined) => (r: { status?: { phase?: string; stableRS?: string } }) =>
  r.status?.phase === 'Healthy' && (hash === undefined || r.status.stableRS === hash);

describe('rollouts: host-level Istio canary', { timeout: 300_000 }, () => {
  let suite: RolloutSuite;
  before(async () => {
    suite = await startRolloutSuite();
    await suite.startController();
  });
  after(async () => suite?.stop());

  /** A namespace with the Services, the VirtualService and a Rollout at v1, Healthy. */
  async function deployV1(prefix: string, steps: string, extraCanary = '', replicas = 3): Promise<{ ns: string; v1: string }> {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, prefix);
    await applyYaml(cluster, ns, hostSplitNetwork());
    await applyYaml(cluster, ns, hostSplitRollout({ steps, extraCanary, replicas }));
    const healthy = await waitForRollout(cluster, ns, 'v1 Healthy', healthyOn(undefined));
    return { ns, v1: healthy.status?.stableRS ?? '' };
  }

  test('setWeight 10 → pause → promote: weights, selectors, phases, old ReplicaSet after the delay', async () => {
    const { cluster } = suite;
    const { ns, v1 } = await deployV1('split', '      - setWeight: 10\n      - pause: {}\n', '      scaleDownDelaySeconds: 3\n');
    assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);
    assert.equal(await selectorHash(cluster, ns, 'web-stable'), v1);
    assert.equal(await selectorHash(cluster, ns, 'web-canary'), v1);

    await setImage(cluster, ns, 'registry.invalid/web:v2');
    const paused = await waitForRollout(cluster, ns, 'paused at step 1', pausedAt(1));
    const v2 = paused.status?.currentPodHash ?? '';
    assert.notEqual(v2, v1);
    assert.deepEqual(await vsWeights(cluster, ns), [90, 10]);
    assert.equal(await selectorHash(cluster, ns, 'web-canary'), v2);
    assert.equal(await selectorHash(cluster, ns, 'web-stable'), v1);
    assert.equal((await replicaSet(cluster, ns, v2)).replicas, 1, 'ceil(10% × 3) canary pods');
    assert.equal((await replicaSet(cluster, ns, v1)).replicas, 3, 'the stable stays at full size');
    assert.equal(paused.status?.canary?.weights?.canary.weight, 10, 'status reports the actual weight');

    await operate(cluster, ns, 'promote');
    await waitForRollout(cluster, ns, 'v2 Healthy', healthyOn(v2));
    assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);
    assert.equal(await selectorHash(cluster, ns, 'web-stable'), v2);
    assert.equal(await selectorHash(cluster, ns, 'web-canary'), v2);
    const old = await replicaSet(cluster, ns, v1);
    assert.equal(old.replicas, 3, 'the old ReplicaSet keeps its pods until scaleDownDelaySeconds ends');
    assert.ok(old.annotations['sluice.dev/scale-down-deadline'], 'with its deadline written down');
    await cluster.waitFor('old ReplicaSet scaled to 0', async () => (await replicaSet(cluster, ns, v1)).replicas === 0, { timeoutMs: 20_000 });
    assert.equal((await replicaSet(cluster, ns, v2)).replicas, 3);
  });

  test('timed pauses advance on their own to Healthy', async () => {
    const { cluster } = suite;
    const steps = '      - setWeight: 20\n      - pause: {duration: 2s}\n      - setWeight: 60\n      - pause: {duration: 1}\n';
    const { ns, v1 } = await deployV1('timed', steps);
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    const paused = await waitForRollout(cluster, ns, 'paused at step 1', pausedAt(1));
    assert.deepEqual(await vsWeights(cluster, ns), [80, 20]);
    const done = await waitForRollout(cluster, ns, 'Healthy on v2', (r) => healthyOn(undefined)(r) && r.status?.stableRS !== v1, 'web', 30_000);
    assert.equal(done.status?.stableRS, paused.status?.currentPodHash);
    assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);
  });

  test('abort mid-rollout: traffic back at once, Degraded, canary pods gone after the delay; retry starts again', async () => {
    const { cluster } = suite;
    const { ns, v1 } = await deployV1('abort', '      - setWeight: 30\n      - pause: {}\n', '      abortScaleDownDelaySeconds: 3\n');
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    const paused = await waitForRollout(cluster, ns, 'paused', pausedAt(1));
    const v2 = paused.status?.currentPodHash ?? '';
    assert.deepEqual(await vsWeights(cluster, ns), [70, 30]);

    await operate(cluster, ns, 'abort');
    const aborted = await waitForRollout(cluster, ns, 'Degraded', (r) => r.status?.phase === 'Degraded');
    assert.match(aborted.status?.message ?? '', /^RolloutAborted: /);
    assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);
    assert.equal(await selectorHash(cluster, ns, 'web-canary'), v1, 'the canary Service is back on stable');
    assert.equal((await replicaSet(cluster, ns, v2)).replicas, 1, 'canary pods kept during abortScaleDownDelaySeconds');
    await cluster.waitFor('canary scaled down', async () => (await replicaSet(cluster, ns, v2)).replicas === 0, { timeoutMs: 20_000 });

    await operate(cluster, ns, 'retry');
    await waitForRollout(cluster, ns, 'paused again after retry', pausedAt(1));
    assert.deepEqual(await vsWeights(cluster, ns), [70, 30]);
    assert.equal(await selectorHash(cluster, ns, 'web-canary'), v2);
  });

  test('abortScaleDownDelaySeconds: 0 keeps the canary pods; abort on a Healthy rollout changes nothing', async () => {
    const { cluster } = suite;
    const { ns } = await deployV1('keep', '      - setWeight: 50\n      - pause: {}\n', '      abortScaleDownDelaySeconds: 0\n', 2);
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    const paused = await waitForRollout(cluster, ns, 'paused', pausedAt(1));
    await operate(cluster, ns, 'abort');
    await waitForRollout(cluster, ns, 'Degraded', (r) => r.status?.phase === 'Degraded');
    const canary = await replicaSet(cluster, ns, paused.status?.currentPodHash ?? '');
    assert.equal(canary.replicas, 1);
    assert.equal(canary.annotations['sluice.dev/scale-down-deadline'], undefined, 'no scale-down scheduled');

    const healthy = await deployV1('abort-healthy', '      - setWeight: 50\n');
    const before = await readRollout(cluster, healthy.ns);
    await operate(cluster, healthy.ns, 'abort');
    // A spec edit with no effect on the rollout proves the controller has looked since the abort.
    await cluster.kubectl(['-n', healthy.ns, 'patch', 'rollouts.sluice.dev', 'web', '--type=merge', '-p', '{"spec":{"revisionHistoryLimit":3}}']);
    const after = await waitForRollout(cluster, healthy.ns, 'observed the edit', () => true);
    assert.equal(after.status?.phase, 'Healthy');
    assert.equal(after.status?.stableRS, before.status?.stableRS);
    assert.deepEqual(await vsWeights(cluster, healthy.ns), [100, 0]);
  });

  test('setCanaryScale: 2 then 4 canary pods of 5; an abort keeps them through the delay', async () => {
    const { cluster } = suite;
    const steps = [
      '      - setCanaryScale: {replicas: 2}',
      '      - setWeight: 20',
      '      - pause: {}',
      '      - setCanaryScale: {replicas: 4}',
      '      - setWeight: 40',
      '      - pause: {}',
    ].join('\n') + '\n';
    const { ns, v1 } = await deployV1('scale', steps, '', 5);
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    const first = await waitForRollout(cluster, ns, 'paused at step 2', pausedAt(2));
    const v2 = first.status?.currentPodHash ?? '';
    assert.equal((await replicaSet(cluster, ns, v2)).replicas, 2);
    assert.deepEqual(await vsWeights(cluster, ns), [80, 20]);
    await operate(cluster, ns, 'promote');
    await waitForRollout(cluster, ns, 'paused at step 5', pausedAt(5));
    assert.equal((await replicaSet(cluster, ns, v2)).replicas, 4);
    assert.deepEqual(await vsWeights(cluster, ns), [60, 40]);
    assert.equal((await replicaSet(cluster, ns, v1)).replicas, 5);
    await operate(cluster, ns, 'abort');
    await waitForRollout(cluster, ns, 'Degraded', (r) => r.status?.phase === 'Degraded');
    assert.equal((await replicaSet(cluster, ns, v2)).replicas, 4, 'kept through abortScaleDownDelaySeconds (30 s)');
    assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);
  });

  test('the VirtualService keeps retries, the unmanaged route and hosts byte-for-byte', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'bytes');
    await applyYaml(cluster, ns, hostSplitNetwork());
    const ref = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: ns, name: 'web' };
    const original = await getObject<{ spec: { http: { route: { weight: number }[] }[] }; apiVersion: string; kind: string; metadata: { name: string } }>(cluster.clients, ref);
    await applyYaml(cluster, ns, hostSplitRollout({ steps: '      - setWeight: 25\n      - pause: {}\n' }));
    await waitForRollout(cluster, ns, 'Healthy', healthyOn(undefined));
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    await waitForRollout(cluster, ns, 'paused', pausedAt(1));
    const live = await getObject<typeof original & object>(cluster.clients, ref);
    const expected = structuredClone(original?.spec);
    expected!.http[0]!.route[0]!.weight = 75;
    expected!.http[0]!.route[1]!.weight = 25;
    assert.deepEqual(live?.spec, expected, 'only the two weights changed');
    const managers = await cluster.kubectl(['-n', ns, 'get', 'virtualservice', 'web', '--show-managed-fields', '-o', 'json']);
    const entries = (JSON.parse(managers) as { metadata: { managedFields: { manager: string; operation: string }[] } }).metadata.managedFields;
    assert.ok(entries.some((e) => e.manager === 'sluice-rollouts' && e.operation === 'Update'), 'written as sluice-rollouts, never applied');
    assert.ok(!entries.some((e) => e.manager === 'sluice-rollouts' && e.operation === 'Apply'));
  });

  test('idle means idle: a paused rollout and settled ones make no API requests beyond watches and the Lease', async () => {
    const { cluster } = suite;
    const { ns } = await deployV1('idle', '      - setWeight: 10\n      - pause: {}\n');
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    await waitForRollout(cluster, ns, 'paused', pausedAt(1));
    // The measurement is a period of time by nature: let in-flight work finish, then watch 8 s.
    const from = Date.now() + 2_000;
    const to = from + 8_000;
    await cluster.waitFor('the observation window to pass (+ the audit batch)', () => Date.now() > to + 1_500, { timeoutMs: 20_000, intervalMs: 250 });
    const inWindow = cluster.auditEvents().filter((e) => {
      const at = Date.parse(e.requestReceivedTimestamp);
      return e.stage === 'ResponseComplete' && at >= from && at <= to;
    });
    const forRollout = inWindow.filter((e) => e.objectRef?.namespace === ns);
    assert.deepEqual(forRollout.map((e) => `${e.verb} ${e.requestURI}`), [], 'no requests about the idle rollout');
    const polling = inWindow.filter((e) => e.verb === 'list' || e.verb === 'get' && e.objectRef?.resource !== 'leases');
    assert.deepEqual(polling.map((e) => `${e.verb} ${e.requestURI}`), [], 'no lists or gets (no polling)');
    assert.ok(cluster.auditEvents().some((e) => e.verb === 'watch'), 'the audit log does see the controller (its watches)');
  });
});

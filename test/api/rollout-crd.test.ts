// The committed Rollout CRD against a real kube-apiserver (1.34): accepted and Established, Argo
// manifests stored exactly as written (nothing pruned, nothing defaulted), the schema's rules
// enforced by the server where the offline validator reports them too, printer columns, and the
// status and scale subresources.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { load } from 'js-yaml';
import { crdFileName, rolloutCrd } from '../../src/api/crd.ts';
import type { Rollout, RolloutStatus } from '../../src/api/rollout.ts';
import { rolloutSchema } from '../../src/api/rollout.ts';
import { validate } from '../../src/api/schema-validate.ts';
import { loadFixture } from '../../src/api/testdata/load.ts';
import type { KubernetesObject } from '../../src/kube/client.ts';
import { messageOf } from '../../src/kube/errors.ts';
import { startCluster, type Cluster } from '../harness/cluster.ts';
import { createNamespace } from '../harness/fixtures.ts';
import { installCrds } from '../harness/istio.ts';

const crdPath = join(import.meta.dirname, '..', '..', 'crds', crdFileName(rolloutCrd()));
const ref = (namespace: string) => ({ group: 'sluice.dev', version: 'v1alpha1', namespace, plural: 'rollouts' });

describe('the Rollout CRD on a real API server', { timeout: 120_000 }, () => {
  let cluster: Cluster;
  let namespace: string; // one per test (beforeEach)

  before(async () => {
    cluster = await startCluster();
    // The committed file, as `kubectl apply -k crds/` would install it (crd.test.ts keeps it fresh).
    const crd = load(readFileSync(crdPath, 'utf8')) as KubernetesObject;
    await installCrds(cluster.clients, [crd]);
    // Discovery may lag the Established condition for a moment: wait until a dry-run create works.
    await cluster.waitFor('the rollouts resource to be served', () =>
      cluster.clients.custom.createNamespacedCustomObject({ ...ref('default'), body: loadFixture('rollout-istio-host'), dryRun: 'All' }),
    );
  });
  beforeEach(async () => {
    namespace = await createNamespace(cluster, 'rollout-crd');
  });
  after(async () => cluster?.stop());

  const create = async (rollout: Rollout): Promise<Rollout> =>
    (await cluster.clients.custom.createNamespacedCustomObject({ ...ref(namespace), body: rollout })) as Rollout;
  const get = async (name: string): Promise<Rollout> =>
    (await cluster.clients.custom.getNamespacedCustomObject({ ...ref(namespace), name })) as Rollout;
  const patchStatus = async (name: string, status: RolloutStatus): Promise<Rollout> =>
    (await cluster.clients.custom.patchNamespacedCustomObjectStatus({
      ...ref(namespace),
      name,
      body: [{ op: 'add', path: '/status', value: status }],
    })) as Rollout;

  test('the CRD is accepted with its names, and its descriptions reach kubectl explain', async () => {
    const live = await cluster.clients.apiextensions.readCustomResourceDefinition({ name: 'rollouts.sluice.dev' });
    assert.deepEqual(live.status?.acceptedNames?.shortNames, ['ro', 'sro']);
    assert.deepEqual(live.status?.acceptedNames?.categories, ['sluice']);
    const explain = await cluster.kubectl(['explain', 'rollouts.spec.strategy.canary.steps']);
    assert.match(explain, /exactly one of setWeight, pause, setCanaryScale/);
  });

  test('an Argo Istio host-split Rollout is stored exactly as written', async () => {
    const rollout = loadFixture('rollout-istio-host');
    await create(rollout);
    const live = await get(rollout.metadata?.name ?? '');
    assert.deepEqual(live.spec, rollout.spec, 'no field pruned, no default added');
  });

  test('every Argo field Sluice does not support yet is kept, not pruned (blueGreen, workloadRef, other routers, …)', async () => {
    const rollout = loadFixture('rollout-argo-everything');
    await create(rollout);
    const live = await get(rollout.metadata?.name ?? '');
    assert.deepEqual(live.spec.strategy?.blueGreen, rollout.spec.strategy?.blueGreen);
    assert.deepEqual(live.spec, rollout.spec);
  });

  // Each case: what the API server refuses, and the field both it and the offline validator name.
  const rejected: { what: string; field: string; change: (spec: Record<string, unknown>, canary: Record<string, unknown>) => void }[] = [
    { what: 'a step with two kinds', field: 'spec.strategy.canary.steps[0]', change: (_, c) => (c.steps = [{ setWeight: 10, pause: {} }]) },
    { what: 'an empty step', field: 'spec.strategy.canary.steps[1]', change: (_, c) => (c.steps = [{ setWeight: 10 }, {}]) },
    { what: 'setWeight 120', field: 'spec.strategy.canary.steps[0].setWeight', change: (_, c) => (c.steps = [{ setWeight: 120 }]) },
    { what: 'a missing template', field: 'spec.template', change: (spec) => delete spec.template },
    { what: 'a missing selector', field: 'spec.selector', change: (spec) => delete spec.selector },
    { what: 'negative replicas', field: 'spec.replicas', change: (spec) => (spec.replicas = -1) },
    { what: 'maxSurge "lots"', field: 'spec.strategy.canary.maxSurge', change: (_, c) => (c.maxSurge = 'lots') },
    { what: 'maxUnavailable -1', field: 'spec.strategy.canary.maxUnavailable', change: (_, c) => (c.maxUnavailable = -1) },
    { what: 'a pause of "5x"', field: 'spec.strategy.canary.steps[0].pause.duration', change: (_, c) => (c.steps = [{ pause: { duration: '5x' } }]) },
    { what: 'restartAt "yesterday"', field: 'spec.restartAt', change: (spec) => (spec.restartAt = 'yesterday') },
    {
      what: 'an unknown selector operator',
      field: 'spec.selector.matchExpressions[0].operator',
      change: (spec) => (spec.selector = { matchLabels: { app: 'rollouts-demo' }, matchExpressions: [{ key: 'a', operator: 'Near' }] }),
    },
    { what: 'a VirtualService without a name', field: 'spec.strategy.canary.trafficRouting.istio.virtualService.name', change: (_, c) => (c.trafficRouting = { istio: { virtualService: {} } }) },
  ];

  for (const { what, field, change } of rejected) {
    test(`${what} is refused by the API server and reported offline, both naming ${field}`, async () => {
      const rollout = loadFixture('rollout-istio-host') as unknown as { metadata: { name: string }; spec: Record<string, unknown> & { strategy: { canary: Record<string, unknown> } } };
      rollout.metadata.name = 'refused';
      change(rollout.spec, rollout.spec.strategy.canary);
      const offline = validate(rolloutSchema, rollout).map((p) => p.path);
      assert.ok(offline.includes(field), `offline validation names ${field}: ${JSON.stringify(offline)}`);
      await assert.rejects(
        cluster.clients.custom.createNamespacedCustomObject({ ...ref(namespace), body: rollout, dryRun: 'All' }),
        (error: unknown) => {
          const message = messageOf(error);
          assert.ok(message.includes(field), `the API server's message names ${field}: ${message}`);
          return true;
        },
      );
    });
  }

  test('what the schema allows is accepted: int-or-string values, durations in every form, nulls', async () => {
    const rollout = loadFixture('rollout-istio-host');
    const canary = rollout.spec.strategy?.canary;
    assert.ok(canary);
    Object.assign(canary, { maxSurge: 2, maxUnavailable: '10%' });
    canary.steps = [{ pause: { duration: 30 } }, { pause: { duration: '1h30m' } }, { pause: { duration: '250ms' } }, { pause: { duration: '45' } }];
    rollout.spec.restartAt = '2024-05-01T12:00:00.123+02:00';
    // A null counts as absent (the API server prunes nulls of non-nullable fields before validating).
    Object.assign(rollout.spec, { paused: null, minReadySeconds: null });
    assert.deepEqual(validate(rolloutSchema, rollout), []);
    await cluster.clients.custom.createNamespacedCustomObject({ ...ref(namespace), body: rollout, dryRun: 'All' });
  });

  test('status in a create is dropped; a patch to /status is kept and shown in the printer columns', async () => {
    const rollout = { ...loadFixture('rollout-istio-host'), metadata: { name: 'columns' }, status: { phase: 'Healthy' } };
    const created = await create(rollout as Rollout);
    assert.equal(created.status, undefined, 'the status subresource ignores status on create');
    const status: RolloutStatus = {
      phase: 'Progressing',
      observedGeneration: 1,
      currentStepIndex: 3,
      replicas: 4,
      readyReplicas: 3,
      selector: 'app=rollouts-demo',
      canary: {
        setWeight: 20,
        weights: { canary: { weight: 5, serviceName: 'rollouts-demo-canary' }, stable: { weight: 95, serviceName: 'rollouts-demo-stable' } },
      },
      pauseConditions: [{ reason: 'CanaryPauseStep', startTime: '2024-05-01T12:00:00Z' }],
    };
    await patchStatus('columns', status);
    assert.deepEqual((await get('columns')).status, status);

    // A write to the main resource cannot change status.
    await cluster.clients.custom.patchNamespacedCustomObject({
      ...ref(namespace),
      name: 'columns',
      body: [{ op: 'replace', path: '/status/phase', value: 'Healthy' }],
    });
    assert.equal((await get('columns')).status?.phase, 'Progressing');

    const table = await cluster.kubectl(['get', 'rollouts', 'columns', '-n', namespace]);
    const [header, row] = table.trim().split('\n').map((line) => line.trim().split(/\s+/));
    assert.deepEqual(header, ['NAME', 'PHASE', 'STEP', 'SETWEIGHT', 'ACTUALWEIGHT', 'DESIRED', 'READY', 'AGE']);
    assert.deepEqual(row?.slice(0, 7), ['columns', 'Progressing', '3', '20', '5', '4', '3']);
    for (const name of ['ro', 'sro', 'sluice']) {
      assert.match(await cluster.kubectl(['get', name, '-n', namespace, '-o', 'name']), /rollout\.sluice\.dev\/columns/, `kubectl get ${name}`);
    }
  });

  test('the status schema is enforced too', async () => {
    await create({ ...loadFixture('rollout-istio-host'), metadata: { name: 'bad-status' } });
    await assert.rejects(patchStatus('bad-status', { phase: 'Unknown' as 'Healthy' }), (error: unknown) => {
      assert.match(messageOf(error), /status\.phase/);
      return true;
    });
  });

  test('the scale subresource: kubectl scale sets spec.replicas; status.replicas and status.selector are reported', async () => {
    await create({ ...loadFixture('rollout-istio-host'), metadata: { name: 'scaled' } });
    await patchStatus('scaled', { replicas: 4, selector: 'app=rollouts-demo' });
    await cluster.kubectl(['scale', 'rollout/scaled', '--replicas=6', '-n', namespace]);
    assert.equal((await get('scaled')).spec.replicas, 6);
    const scale = (await cluster.clients.custom.getNamespacedCustomObjectScale({ ...ref(namespace), name: 'scaled' })) as {
      spec: { replicas: number };
      status: { replicas: number; selector: string };
    };
    assert.deepEqual([scale.spec.replicas, scale.status.replicas, scale.status.selector], [6, 4, 'app=rollouts-demo']);
  });
});

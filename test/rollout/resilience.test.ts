// End to end: a controller killed with SIGKILL resumes where it stopped; invalid Rollouts are
// refused or reported without touching anything; two controllers elect one leader.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createNamespace } from '../harness/fixtures.ts';
import { applyYaml, hostSplitNetwork, hostSplitRollout, operate, readRollout, setImage, vsWeights, waitForRollout } from './fixtures.ts';
import { startRolloutSuite, type RolloutSuite } from './suite.ts';

describe('rollouts: restarts, invalid specs, leader election', { timeout: 300_000 }, () => {
  let suite: RolloutSuite;
  before(async () => {
    suite = await startRolloutSuite();
  });
  after(async () => suite?.stop());

  test('SIGKILL while paused (timed and indefinite): the restarted controller resumes the same step, weights and deadline', async () => {
    const { cluster } = suite;
    let controller = await suite.startController('ctl-a', ['--no-leader-elect']);
    const ns = await createNamespace(cluster, 'restart');
    await applyYaml(cluster, ns, hostSplitNetwork());
    const steps = '      - setWeight: 10\n      - pause: {duration: 6s}\n      - setWeight: 20\n      - pause: {}\n';
    await applyYaml(cluster, ns, hostSplitRollout({ steps }));
    await waitForRollout(cluster, ns, 'Healthy', (r) => r.status?.phase === 'Healthy');
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    const paused = await waitForRollout(cluster, ns, 'timed pause', (r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 1);
    const startTime = Date.parse(paused.status?.pauseConditions?.[0]?.startTime ?? '');

    await cluster.processes.kill(controller.name, 'SIGKILL');
    controller = await suite.startController('ctl-b', ['--no-leader-elect']);
    const resumed = await readRollout(cluster, ns);
    assert.equal(resumed.status?.currentStepIndex, 1, 'same step');
    assert.deepEqual(await vsWeights(cluster, ns), [90, 10], 'same weights');
    assert.equal(resumed.status?.pauseConditions?.[0]?.startTime, paused.status?.pauseConditions?.[0]?.startTime, 'same pause start');

    // The step advances at the original deadline: startTime + 6 s (± 1 s).
    await cluster.waitFor('the timed pause to end', async () => ((await readRollout(cluster, ns)).status?.currentStepIndex ?? 0) >= 2, { timeoutMs: 20_000, intervalMs: 50 });
    const endedAt = Date.now();
    assert.ok(Math.abs(endedAt - (startTime + 6_000)) <= 1_000, `ended ${endedAt - startTime} ms after the pause began (want 6000 ± 1000)`);

    const indefinite = await waitForRollout(cluster, ns, 'indefinite pause', (r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 3);
    await cluster.processes.kill(controller.name, 'SIGKILL');
    await suite.startController('ctl-c', ['--no-leader-elect']);
    const again = await waitForRollout(cluster, ns, 'still paused', (r) => r.status?.phase === 'Paused');
    assert.equal(again.status?.currentStepIndex, 3);
    assert.equal(again.status?.pauseConditions?.[0]?.startTime, indefinite.status?.pauseConditions?.[0]?.startTime);
    assert.deepEqual(await vsWeights(cluster, ns), [80, 20]);
    await operate(cluster, ns, 'promote');
    await waitForRollout(cluster, ns, 'Healthy on v2', (r) => r.status?.phase === 'Healthy' && r.status.stableRS === indefinite.status?.currentPodHash);
    await cluster.processes.kill('ctl-c', 'SIGTERM');
  });

  test('invalid Rollouts are refused by the schema or get InvalidSpec naming the problem; nothing else changes', async () => {
    const { cluster } = suite;
    await suite.startController('ctl-invalid', ['--no-leader-elect']);
    const ns = await createNamespace(cluster, 'invalid');
    await applyYaml(cluster, ns, hostSplitNetwork());
    // Refused by the API server (structural schema): two kinds in one step, weight 120.
    await assert.rejects(applyYaml(cluster, ns, hostSplitRollout({ steps: '      - setWeight: 10\n        pause: {}\n' })), /steps|maxProperties|must have at most 1/i);
    await assert.rejects(applyYaml(cluster, ns, hostSplitRollout({ steps: '      - setWeight: 120\n' })), /setWeight|less than or equal to 100/i);

    // Accepted by the schema, reported by the controller: each names its field.
    const cases: { name: string; yaml: string; message: RegExp }[] = [
      { name: 'nosvc', yaml: hostSplitRollout({ name: 'nosvc', steps: '      - setWeight: 10\n' }).replace('canaryService: nosvc-canary', 'canaryService: missing-svc'), message: /canaryService.*missing-svc/ },
      { name: 'noroute', yaml: hostSplitRollout({ name: 'noroute', steps: '      - setWeight: 10\n' }).replace('- primary', '- nope'), message: /route "nope" not found/ },
      { name: 'bluegreen', yaml: hostSplitRollout({ name: 'bluegreen', steps: '      - setWeight: 10\n' }).replace('  strategy:\n', '  strategy:\n    blueGreen:\n      activeService: bluegreen-stable\n'), message: /blueGreen/ },
      { name: 'experiment', yaml: hostSplitRollout({ name: 'experiment', steps: '      - experiment:\n          duration: 1m\n          templates: []\n' }), message: /experiment/ },
    ];
    for (const c of cases) {
      await applyYaml(cluster, ns, hostSplitNetwork(c.name));
      await applyYaml(cluster, ns, c.yaml);
    }
    // A valid Rollout beside them keeps progressing.
    await applyYaml(cluster, ns, hostSplitRollout({ steps: '      - setWeight: 10\n      - pause: {}\n' }));
    for (const c of cases) {
      const r = await waitForRollout(cluster, ns, `${c.name} InvalidSpec`, (x) => x.status?.phase === 'Degraded', c.name);
      assert.match(r.status?.message ?? '', /^InvalidSpec: /);
      assert.match(r.status?.message ?? '', c.message);
      const owned = await cluster.clients.apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: `app=${c.name}` });
      assert.equal(owned.items.length, 0, `${c.name}: no ReplicaSet created`);
      assert.deepEqual(await vsWeights(cluster, ns, c.name), [100, 0], `${c.name}: traffic untouched`);
    }
    await waitForRollout(cluster, ns, 'the valid one Healthy', (r) => r.status?.phase === 'Healthy');
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    await waitForRollout(cluster, ns, 'the valid one paused', (r) => r.status?.phase === 'Paused');
    await cluster.processes.kill('ctl-invalid', 'SIGTERM');
  });

  test('two controllers with leader election: one acts; the other takes over within 20 s of a SIGKILL', async () => {
    const { cluster } = suite;
    const first = await suite.startController('ctl-leader-1');
    const second = await suite.startController('ctl-leader-2', [], false);
    assert.equal(await second.ready(), false, 'the second waits for the lease');
    const ns = await createNamespace(cluster, 'leader');
    await applyYaml(cluster, ns, hostSplitNetwork());
    await applyYaml(cluster, ns, hostSplitRollout({ steps: '      - setWeight: 10\n      - pause: {}\n' }));
    await waitForRollout(cluster, ns, 'Healthy', (r) => r.status?.phase === 'Healthy');
    assert.equal(await second.ready(), false, 'still one leader');

    await cluster.processes.kill(first.name, 'SIGKILL');
    const killedAt = Date.now();
    await cluster.waitFor('the second controller to lead', () => second.ready(), { timeoutMs: 25_000, intervalMs: 100 });
    const tookOver = Date.now() - killedAt;
    assert.ok(tookOver <= 20_000, `took over after ${tookOver} ms`);
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    await waitForRollout(cluster, ns, 'the new leader acts', (r) => r.status?.phase === 'Paused');
    assert.deepEqual(await vsWeights(cluster, ns), [90, 10]);

    // A graceful stop (SIGTERM) releases the Lease: a successor leads at once, not after 15 s.
    const third = await suite.startController('ctl-leader-3', [], false);
    const exit = await cluster.processes.kill(second.name, 'SIGTERM');
    assert.equal(exit?.code, 0, 'SIGTERM is a clean exit');
    const stoppedAt = Date.now();
    await cluster.waitFor('the third controller to lead', () => third.ready(), { timeoutMs: 25_000, intervalMs: 100 });
    assert.ok(Date.now() - stoppedAt < 5_000, `took over ${Date.now() - stoppedAt} ms after a graceful stop`);
    await operate(cluster, ns, 'promote');
    await waitForRollout(cluster, ns, 'the third leader acts', (r) => r.status?.phase === 'Healthy' && r.status.stableRS === r.status.currentPodHash);
  });
});

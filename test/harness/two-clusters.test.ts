// Two control planes in one run get their own ports and data, and a component killed in
// one is reported — with its log tail — while the other carries on.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startCluster, type Cluster } from './cluster.ts';
import { ComponentDiedError } from './processes.ts';
import { createNamespace, deployment, readyReplicas } from './fixtures.ts';

describe('two clusters', { timeout: 180_000 }, () => {
  let a: Cluster;
  let b: Cluster;
  before(async () => {
    [a, b] = await Promise.all([startCluster(), startCluster()]);
  });
  after(async () => Promise.all([a?.stop(), b?.stop()]));

  test('they listen on different ports and do not see each other', async () => {
    assert.notEqual(new URL(a.server).port, new URL(b.server).port);
    const namespace = await createNamespace(a, 'only-in-a');
    await a.clients.core.readNamespace({ name: namespace });
    await assert.rejects(b.clients.core.readNamespace({ name: namespace }), /404|not found/i);
  });

  test('a component killed mid-test is reported with its log tail; the other cluster is unharmed', async () => {
    const scheduler = b.processes;
    const pidLine = readFileSync(`${b.dir}/pids`, 'utf8').split('\n').find((l) => l.endsWith(' kube-scheduler'));
    const pid = Number.parseInt(pidLine ?? '', 10);
    assert.ok(pid > 0, 'the scheduler PID is recorded');
    process.kill(pid, 'SIGKILL');

    const namespace = await createNamespace(b, 'unschedulable');
    await b.clients.apps.createNamespacedDeployment({ namespace, body: deployment('web', 1) });
    // Without a scheduler the pod can never become Ready: the wait must fail fast, naming the dead component.
    const started = Date.now();
    await assert.rejects(
      b.waitFor('a pod that needs the scheduler', async () => (await readyReplicas(b, namespace, 'web')) === 1, { timeoutMs: 60_000 }),
      (error: unknown) => {
        assert.ok(error instanceof ComponentDiedError, String(error));
        assert.equal(error.component, 'kube-scheduler');
        assert.equal(error.exit.signal, 'SIGKILL');
        assert.ok(error.logTail.length > 0, 'the log tail is included');
        return true;
      },
    );
    assert.ok(Date.now() - started < 10_000, 'reported at once, not after the timeout');
    assert.throws(() => scheduler.assertAlive(), ComponentDiedError);

    const other = await createNamespace(a, 'still-fine');
    await a.clients.apps.createNamespacedDeployment({ namespace: other, body: deployment('web', 2) });
    await a.waitFor('cluster A still schedules pods', async () => (await readyReplicas(a, other, 'web')) === 2);
  });
});

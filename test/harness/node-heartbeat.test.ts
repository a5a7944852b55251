// Without a node heartbeat the controller-manager marks the fake node unhealthy after 40 s
// and turns every pod NotReady. kwok renews the node's Lease; this proves pods stay Ready
// well past that grace period.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { startCluster, type Cluster } from './cluster.ts';
import { createNamespace, deployment, readyReplicas } from './fixtures.ts';

const HOLD_MS = 125_000; // past the 40 s grace period three times over

describe('node heartbeat', { timeout: 240_000 }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => cluster?.stop());

  test('pods are still Ready two minutes later', async () => {
    const namespace = await createNamespace(cluster, 'heartbeat');
    await cluster.clients.apps.createNamespacedDeployment({ namespace, body: deployment('web', 5) });
    await cluster.waitFor('5 ready replicas', async () => (await readyReplicas(cluster, namespace, 'web')) === 5);
    const readyAt = Date.now();
    // This test is about the passage of time itself, so it holds for a fixed period, and
    // checks at every tick that nothing went NotReady on the way (not just at the end).
    while (Date.now() - readyAt < HOLD_MS) {
      cluster.assertAlive();
      const node = await cluster.clients.core.readNode({ name: 'kwok-node-0' });
      assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', 'the node stays Ready');
      assert.equal(await readyReplicas(cluster, namespace, 'web'), 5, 'every pod stays Ready');
      await delay(5_000);
    }
    const pods = await cluster.clients.core.listNamespacedPod({ namespace });
    assert.equal(pods.items.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length, 5);
  });
});

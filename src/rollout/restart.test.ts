import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MachineContext } from './context.ts';
import type { ReplicaSetView } from './observations.ts';
import type { RolloutPlan } from './plan.ts';
import { pendingRestart, restartStable } from './restart.ts';

const T = Date.parse('2026-11-22T10:00:00Z');
const plan = { restartAt: T } as RolloutPlan;

function ctx(now: number, rs: Partial<ReplicaSetView>, restartedAt?: string): MachineContext {
  const view: ReplicaSetView = { hash: 'h1', revision: 1, replicas: 3, readyReplicas: 3, availableReplicas: 3, ...rs };
  return { now, plan, problems: [], observations: { replicaSets: [view] }, status: { stableRS: 'h1', ...(restartedAt === undefined ? {} : { restartedAt }) } };
}

const pods = (...created: number[]) => created.map((createdAt, i) => ({ name: `p${i}`, createdAt, ready: true }));

test('restartAt: the oldest stable pod first, one at a time, only with all pods available; then restartedAt', () => {
  const first = restartStable(ctx(T + 1, { pods: pods(T - 30, T - 50, T - 10) }));
  assert.deepEqual(first.effects[0], { type: 'deletePod', params: { name: 'p1' } });
  assert.deepEqual(restartStable(ctx(T + 1, { pods: pods(T - 30, T + 5) })).effects, [], 'waits while one is missing');
  const notReady = [...pods(T - 30, T - 20), { name: 'new', createdAt: T + 5, ready: false }];
  assert.deepEqual(restartStable(ctx(T + 1, { pods: notReady })).effects, [], 'waits while the replacement is not Ready');
  assert.deepEqual(restartStable(ctx(T + 1, { pods: pods(T - 30, T - 50, T - 10, T + 2) })).effects, [], 'waits while a replacement surges');
  const done = restartStable(ctx(T + 1, { pods: pods(T + 1, T + 2, T + 3) }));
  assert.deepEqual(done.effects, []);
  assert.equal(done.status.restartedAt, new Date(T).toISOString());
  assert.deepEqual(restartStable(ctx(T + 1, { pods: pods(T - 30) }, new Date(T).toISOString())).effects, [], 'carried out already');
});

test('pods not known yet (their informer is still listing): no deletion, and restartedAt is not set', () => {
  const unknown = restartStable(ctx(T + 1, {}));
  assert.deepEqual(unknown.effects, []);
  assert.equal(unknown.status.restartedAt, undefined);
  assert.equal(restartStable(ctx(T + 1, { pods: [] })).status.restartedAt, new Date(T).toISOString(), 'known and none: done');
});

test('a restartAt in the future waits for its time', () => {
  assert.deepEqual(restartStable(ctx(T - 1000, { pods: pods(T - 5000) })).effects, []);
  assert.equal(pendingRestart(ctx(T - 1000, {})), T);
  assert.equal(pendingRestart(ctx(T + 1, {})), undefined);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PlanStep } from './plan.ts';
import { canaryReplicasAt, replicasForWeight, weightAt } from './steps.ts';

const steps: PlanStep[] = [
  { kind: 'setCanaryScale', scale: { replicas: 2 } },
  { kind: 'setWeight', weight: 20 },
  { kind: 'pause' },
  { kind: 'setCanaryScale', scale: { replicas: 4 } },
  { kind: 'setWeight', weight: 40 },
  { kind: 'pause', durationSeconds: 10 },
  { kind: 'setCanaryScale', scale: { matchTrafficWeight: true } },
  { kind: 'setWeight', weight: 60 },
];

test('replicas for a weight round up and never exceed the total', () => {
  assert.equal(replicasForWeight(10, 5), 1);
  assert.equal(replicasForWeight(20, 5), 1);
  assert.equal(replicasForWeight(21, 5), 2);
  assert.equal(replicasForWeight(0, 5), 0);
  assert.equal(replicasForWeight(100, 5), 5);
  assert.equal(replicasForWeight(33, 3), 1);
  assert.equal(replicasForWeight(34, 3), 2);
});

test('the weight in force follows the last completed setWeight', () => {
  assert.equal(weightAt(steps, 0), 0);
  assert.equal(weightAt(steps, 2), 20);
  assert.equal(weightAt(steps, 4), 20);
  assert.equal(weightAt(steps, 5), 40);
  assert.equal(weightAt(steps, steps.length), 60);
});

test('setCanaryScale overrides the weight-derived canary size until matchTrafficWeight', () => {
  const replicas = 5;
  assert.deepEqual(
    steps.map((_, i) => canaryReplicasAt(steps, i, replicas)),
    [2, 2, 2, 4, 4, 4, 2, 3],
  );
  assert.equal(canaryReplicasAt(steps, steps.length, replicas), 5, 'after the last step the canary is full size');
});

test('without setCanaryScale the canary follows the weight of the step being executed', () => {
  const plain: PlanStep[] = [{ kind: 'setWeight', weight: 10 }, { kind: 'pause' }, { kind: 'setWeight', weight: 50 }];
  assert.deepEqual([0, 1, 2].map((i) => canaryReplicasAt(plain, i, 4)), [1, 1, 2]);
  assert.equal(canaryReplicasAt([{ kind: 'setCanaryScale', scale: { weight: 50 } }], 0, 4), 2);
});

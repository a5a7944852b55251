import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../kube/object.ts';
import type { ObjectRef } from './inventory.ts';
import { autoscaledTargets, keepScaledReplicas } from './scaled-replicas.ts';

const rolloutRef: ObjectRef = { group: 'sluice.dev', version: 'v1alpha1', kind: 'Rollout', namespace: 'shop', name: 'web' };
const rollout = (replicas: number): KubeObject => ({ apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas, strategy: {} } }) as unknown as KubeObject;
const hpa = (kind: string, name: string): { ref: ObjectRef; object: KubeObject } => ({
  ref: { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', namespace: 'shop', name: `${name}-hpa` },
  object: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: `${name}-hpa`, namespace: 'shop' }, spec: { scaleTargetRef: { apiVersion: 'sluice.dev/v1alpha1', kind, name }, minReplicas: 3, maxReplicas: 5 } } as unknown as KubeObject,
});

test('an HPA-targeted workload keeps its live replicas; others, and a first create, take Git’s', () => {
  const targets = autoscaledTargets([hpa('Rollout', 'web'), { ref: rolloutRef, object: rollout(1) }]);
  assert.deepEqual([...targets], ['sluice.dev/Rollout/shop/web']);
  const kept = keepScaledReplicas(rollout(1), rolloutRef, rollout(4), targets) as unknown as { spec: { replicas: number; strategy: object } };
  assert.equal(kept.spec.replicas, 4);
  assert.deepEqual(kept.spec.strategy, {}, 'every other field still comes from Git');
  assert.equal((keepScaledReplicas(rollout(1), rolloutRef, undefined, targets) as unknown as { spec: { replicas: number } }).spec.replicas, 1, 'not created yet: Git’s value');
  const other = autoscaledTargets([hpa('Rollout', 'api')]);
  assert.equal((keepScaledReplicas(rollout(1), rolloutRef, rollout(4), other) as unknown as { spec: { replicas: number } }).spec.replicas, 1, 'no autoscaler: Git wins');
  assert.equal(autoscaledTargets([hpa('Deployment', 'web')]).has('sluice.dev/Rollout/shop/web'), false, 'the kind and group must match');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../kube/object.ts';
import { keepRolloutOwned } from './rollout-owned.ts';

const managed = { 'sluice.dev/managed-by-rollout': 'web' };

test('rollout-owned fields keep their live values; everything else comes from Git; unmanaged objects are untouched', () => {
  const vs = (weights: [number, number], timeout: string, annotations?: Record<string, string>): KubeObject => ({
    apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'web', resourceVersion: '9', ...(annotations === undefined ? {} : { annotations }) },
    spec: { http: [{ name: 'primary', timeout, route: [{ destination: { host: 'web-stable' }, weight: weights[0] }, { destination: { host: 'web-canary' }, weight: weights[1] }] }, { name: 'other', route: [{ destination: { host: 'legacy' }, weight: 100 }] }] },
  }) as unknown as KubeObject;
  const kept = keepRolloutOwned(vs([100, 0], '7s'), vs([80, 20], '1s', managed)) as unknown as { metadata: { resourceVersion?: string }; spec: { http: { timeout: string; route: { weight: number }[] }[] } };
  assert.deepEqual(kept.spec.http[0]?.route.map((d) => d.weight), [80, 20]);
  assert.equal(kept.spec.http[0]?.timeout, '7s');
  assert.equal(kept.metadata.resourceVersion, '9', 'applied with the live resourceVersion as a precondition');
  assert.deepEqual(keepRolloutOwned(vs([100, 0], '7s'), vs([80, 20], '1s')), vs([100, 0], '7s'), 'not managed: Git wins');

  const svc = (selector: Record<string, string>, annotations?: Record<string, string>): KubeObject =>
    ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-canary', ...(annotations === undefined ? {} : { annotations }) }, spec: { selector } }) as unknown as KubeObject;
  const service = keepRolloutOwned(svc({ app: 'web', tier: 'x' }), svc({ app: 'web', 'rollouts-pod-template-hash': 'abc' }, managed)) as unknown as { spec: { selector: Record<string, string> } };
  assert.deepEqual(service.spec.selector, { app: 'web', tier: 'x', 'rollouts-pod-template-hash': 'abc' });

  const dr = (labels: Record<string, string>, annotations?: Record<string, string>): KubeObject =>
    ({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'web', ...(annotations === undefined ? {} : { annotations }) }, spec: { subsets: [{ name: 'canary', labels }] } }) as unknown as KubeObject;
  const subsets = keepRolloutOwned(dr({ app: 'web' }), dr({ app: 'web', 'rollouts-pod-template-hash': 'def' }, managed)) as unknown as { spec: { subsets: { labels: Record<string, string> }[] } };
  assert.deepEqual(subsets.spec.subsets[0]?.labels, { app: 'web', 'rollouts-pod-template-hash': 'def' });
});

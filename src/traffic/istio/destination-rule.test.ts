import assert from 'node:assert/strict';
import { test } from 'node:test';
import { subsetHash, subsetLabelPatch, type DestinationRuleLike } from './destination-rule.ts';
import { findManagedRoutes } from './virtual-service.ts';

const dr: DestinationRuleLike = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name: 'web', resourceVersion: '7' },
  spec: { host: 'web', subsets: [{ name: 'canary', labels: { app: 'web' } }, { name: 'stable' }, { name: 'other', labels: { v: '1' } }] },
};

test('subset hashes are read, and a patch touches only the one label (and the managed annotation)', () => {
  assert.deepEqual(subsetHash(dr, 'canary'), { hash: undefined });
  assert.deepEqual(subsetHash(dr, 'missing'), { error: 'subset "missing" not found in DestinationRule "web"' });
  assert.deepEqual(subsetLabelPatch(dr, 'canary', 'abc', 'web'), [
    { op: 'add', path: '/spec/subsets/0/labels/rollouts-pod-template-hash', value: 'abc' },
    { op: 'add', path: '/metadata/annotations', value: {} },
    { op: 'add', path: '/metadata/annotations/sluice.dev~1managed-by-rollout', value: 'web' },
  ]);
  assert.deepEqual(subsetLabelPatch(dr, 'stable', 'def', 'web')[0], { op: 'add', path: '/spec/subsets/1/labels', value: {} });
  assert.deepEqual(subsetLabelPatch(dr, 'missing', 'x', 'web'), []);
  const done: DestinationRuleLike = { ...dr, metadata: { ...dr.metadata, annotations: { 'sluice.dev/managed-by-rollout': 'web' } }, spec: { subsets: [{ name: 'canary', labels: { 'rollouts-pod-template-hash': 'abc' } }] } };
  assert.deepEqual(subsetLabelPatch(done, 'canary', 'abc', 'web'), [], 'nothing to change');
});

test('subset-level routes are matched by subset, not by host', () => {
  const vs = {
    metadata: { name: 'web' },
    spec: { http: [{ name: 'primary', route: [{ destination: { host: 'web', subset: 'stable' }, weight: 100 }, { destination: { host: 'web', subset: 'canary' }, weight: 0 }] }] },
  };
  const found = findManagedRoutes(vs, { routes: ['primary'] }, { canaryService: '', stableService: '', subsets: { canary: 'canary', stable: 'stable' } });
  assert.ok('routes' in found, JSON.stringify(found));
  assert.deepEqual([found.routes[0]?.canaryIndex, found.routes[0]?.stableIndex], [1, 0]);
  const wrong = findManagedRoutes(vs, { routes: ['primary'] }, { canaryService: '', stableService: '', subsets: { canary: 'v2', stable: 'stable' } });
  assert.ok('error' in wrong && /canary subset "v2" not found/.test(wrong.error));
});

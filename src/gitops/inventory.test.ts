import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareForApply, describeRef, isFoundation, refFromStatus, refKey, splitApiVersion, toPrune, type ObjectRef } from './inventory.ts';

const ref = (kind: string, name: string, extra: Partial<ObjectRef> = {}): ObjectRef => ({ group: '', version: 'v1', kind, name, namespace: 'ns', ...extra });

describe('inventory', () => {
  test('install order: namespaces, config and CRDs before workloads; unknown kinds last, by name', () => {
    const refs = [ref('Gadget', 'g', { group: 'x.io' }), ref('Deployment', 'web', { group: 'apps' }), ref('ConfigMap', 'b'), ref('ConfigMap', 'a'), ref('Namespace', 'ns'), ref('CustomResourceDefinition', 'gadgets.x.io', { group: 'apiextensions.k8s.io' }), ref('Service', 'web')];
    assert.deepEqual([...refs].sort(compareForApply).map((r) => `${r.kind}/${r.name}`), [
      'Namespace/ns', 'ConfigMap/a', 'ConfigMap/b', 'CustomResourceDefinition/gadgets.x.io', 'Service/web', 'Deployment/web', 'Gadget/g',
    ]);
  });
  test('prune: what left the render, in reverse install order; a changed version is the same object', () => {
    const previous = [ref('Namespace', 'n'), ref('ConfigMap', 'old'), ref('Deployment', 'web', { group: 'apps' }), ref('HorizontalPodAutoscaler', 'web', { group: 'autoscaling', version: 'v1' })];
    const current = [ref('Deployment', 'web', { group: 'apps' }), ref('HorizontalPodAutoscaler', 'web', { group: 'autoscaling', version: 'v2' })];
    assert.deepEqual(toPrune(previous, current).map((r) => r.kind), ['ConfigMap', 'Namespace']);
  });
  test('identity, descriptions and foundation kinds', () => {
    assert.deepEqual(splitApiVersion('apps/v1'), { group: 'apps', version: 'v1' });
    assert.deepEqual(splitApiVersion('v1'), { group: '', version: 'v1' });
    assert.equal(refKey(ref('ConfigMap', 'a')), '/ConfigMap/ns/a');
    assert.equal(describeRef(ref('Deployment', 'web', { group: 'apps' })), 'Deployment.apps ns/web');
    assert.equal(describeRef({ group: '', version: 'v1', kind: 'Namespace', name: 'x' }), 'Namespace x');
    assert.equal(isFoundation({ group: '', kind: 'Namespace' }), true);
    assert.equal(isFoundation({ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' }), true);
    assert.equal(isFoundation({ group: 'x.io', kind: 'Namespace' }), false);
    assert.deepEqual(refFromStatus({ kind: 'Namespace', name: 'x', namespace: '' }), { group: '', version: 'v1', kind: 'Namespace', name: 'x' });
  });
});

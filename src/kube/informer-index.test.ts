import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeIndex, ownerUids } from './informer-index.ts';
import type { KubeObject } from './object.ts';

const rs = (name: string, owners: string[], rv = '1'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name, namespace: 'ns', resourceVersion: rv, ownerReferences: owners.map((uid) => ({ apiVersion: 'v1', kind: 'Rollout', name: uid, uid })) },
});
const names = (objects: readonly KubeObject[]): string[] => objects.map((o) => o.metadata.name);

test('an index follows adds, updates that change keys, and deletes, and runs the inner handlers after', () => {
  const index = makeIndex(ownerUids);
  const seen: string[] = [];
  const h = index.handlers({
    onAdd: (o) => seen.push(`add ${o.metadata.name} ${names(index.get('u1')).join(',')}`),
    onUpdate: (_, o) => seen.push(`update ${o.metadata.name} ${names(index.get('u2')).join(',')}`),
    onDelete: (o) => seen.push(`delete ${o.metadata.name} ${names(index.get('u2')).join(',')}`),
  });
  h.onAdd?.(rs('a', ['u1']));
  h.onAdd?.(rs('b', ['u1']));
  h.onAdd?.(rs('c', []));
  assert.deepEqual(names(index.get('u1')), ['a', 'b']);
  assert.deepEqual(index.get('nobody'), []);
  h.onUpdate?.(rs('a', ['u1']), rs('a', ['u2'], '2'));
  assert.deepEqual(names(index.get('u1')), ['b'], 'a left u1');
  assert.equal(index.get('u2')[0]?.metadata.resourceVersion, '2', 'the newest object is indexed');
  h.onDelete?.(rs('a', ['u2'], '2'));
  assert.deepEqual(index.get('u2'), []);
  assert.deepEqual(seen, ['add a a', 'add b a,b', 'add c a,b', 'update a a', 'delete a ']);
});

test('an updated object keeps its place among its peers, and an object under several keys is under each once', () => {
  const index = makeIndex(ownerUids);
  const h = index.handlers();
  h.onAdd?.(rs('a', ['u1', 'u2', 'u1']));
  h.onAdd?.(rs('b', ['u1']));
  h.onUpdate?.(rs('a', ['u1', 'u2']), rs('a', ['u1'], '2'));
  assert.deepEqual(names(index.get('u1')), ['a', 'b']);
  assert.deepEqual(index.get('u2'), []);
  // A delete after a relist carries the last state seen; it is removed by its key all the same.
  h.onDelete?.(rs('a', ['zzz']));
  assert.deepEqual(names(index.get('u1')), ['b']);
});

test('an object whose keys cannot be computed is indexed under none, and its handlers still run', () => {
  const index = makeIndex<KubeObject>((o) => {
    if (o.metadata.name === 'bad') throw new TypeError('malformed');
    return ['k'];
  });
  const added: string[] = [];
  const h = index.handlers({ onAdd: (o) => added.push(o.metadata.name) });
  h.onAdd?.(rs('bad', []));
  h.onAdd?.(rs('good', []));
  assert.deepEqual(added, ['bad', 'good']);
  assert.deepEqual(names(index.get('k')), ['good']);
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../kube/object.ts';
import { adoptIgnored, compare, quantity } from './compare.ts';
import { getPointer, removePointer, setPointer } from './json-pointer.ts';

const desired = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'web:v1', env: [{ name: 'A', value: '1' }], resources: { limits: { cpu: '1', memory: '1Gi' } } }] } } },
} as unknown as KubeObject;

/** As the API server returns it: defaults filled in, other managers' additions, managedFields. */
const live = {
  ...desired,
  metadata: {
    name: 'web', namespace: 'ns', uid: 'u', resourceVersion: '7', generation: 3, labels: { app: 'web', extra: 'by-someone-else' },
    managedFields: [{ manager: 'sluice-gitops', operation: 'Apply', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:replicas': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:name': {}, 'f:image': {}, 'f:env': { 'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} } }, 'f:resources': { 'f:limits': { 'f:cpu': {}, 'f:memory': {} } } } } } } } } }],
  },
  spec: {
    replicas: 2, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate' },
    template: { spec: { restartPolicy: 'Always', containers: [{ name: 'sidecar', image: 'x' }, { name: 'web', image: 'web:v1', imagePullPolicy: 'IfNotPresent', env: [{ name: 'A', value: '1' }], resources: { limits: { cpu: '1000m', memory: '1024Mi' } } }] } },
  },
  status: { replicas: 2 },
} as unknown as KubeObject;

const opts = { manager: 'sluice-gitops' };

describe('compare', () => {
  test('defaults, other managers\' fields, status and equal quantities do not count', () => {
    assert.deepEqual(compare(desired, live, opts), { equal: true });
  });
  test('a changed value is a difference naming its path', () => {
    const edited = setPointer(live, '/spec/template/spec/containers/1/image', 'web:hacked') as KubeObject;
    const result = compare(desired, edited, opts);
    assert.equal(result.equal, false);
    assert.match(result.equal ? '' : (result.differences[0] ?? ''), /containers\[name=web\]\/image: "web:hacked" live, "web:v1" in Git/);
  });
  test('a field the engine owns and Git no longer sets is a difference, though every value matches', () => {
    const withoutEnv = removePointer(desired, '/spec/template/spec/containers/0/env') as KubeObject;
    const result = compare(withoutEnv, live, opts);
    assert.equal(result.equal, false);
    assert.match(result.equal ? '' : result.differences.join('\n'), /env: owned by the engine but no longer in Git/);
  });
  test('ignored pointers are neither compared nor reported, and adoptIgnored takes their live value', () => {
    const scaled = setPointer(live, '/spec/replicas', 5) as KubeObject;
    assert.equal(compare(desired, scaled, opts).equal, false);
    assert.deepEqual(compare(desired, scaled, { ...opts, ignore: ['/spec/replicas'] }), { equal: true });
    assert.equal(getPointer(adoptIgnored(desired, scaled, ['/spec/replicas']), '/spec/replicas'), 5);
    assert.equal(getPointer(adoptIgnored(desired, undefined, ['/spec/replicas']), '/spec/replicas'), undefined);
  });
  test('quantities', () => {
    assert.equal(quantity('500m'), 0.5);
    assert.equal(quantity('1Gi'), quantity('1024Mi'));
    assert.equal(quantity('1e3'), 1000);
    assert.equal(quantity('web'), undefined);
  });
  test('json pointers escape / and ~', () => {
    const o = { metadata: { annotations: { 'a/b': 'x', 'c~d': 'y' } } };
    assert.equal(getPointer(o, '/metadata/annotations/a~1b'), 'x');
    assert.equal(getPointer(o, '/metadata/annotations/c~0d'), 'y');
    assert.deepEqual(removePointer(o, '/metadata/annotations/a~1b'), { metadata: { annotations: { 'c~d': 'y' } } });
    assert.equal(getPointer(o, 'no-slash'), undefined);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, podTemplateHash } from './hash.ts';

const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'web:1' }] } };

test('the hash ignores key order and changes with content', () => {
  const reordered = { spec: { containers: [{ image: 'web:1', name: 'app' }] }, metadata: { labels: { app: 'web' } } };
  assert.equal(podTemplateHash(template), podTemplateHash(reordered));
  assert.notEqual(podTemplateHash(template), podTemplateHash({ ...template, spec: { containers: [{ name: 'app', image: 'web:2' }] } }));
  assert.match(podTemplateHash(template), /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
});

test('canonical JSON sorts keys, keeps array order, drops undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: [2, { d: undefined, c: 'x' }] }), '{"a":[2,{"c":"x"}],"b":1}');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cacheBehindWrite } from './object.ts';

test('read-your-writes: the cache is behind our write at the replaced version or any lower one', () => {
  assert.equal(cacheBehindWrite('10', '10', '12'), true, 'still the version we replaced');
  assert.equal(cacheBehindWrite('11', '10', '12'), true, 'another client’s write between our read and ours, delivered first');
  assert.equal(cacheBehindWrite('12', '10', '12'), false, 'caught up');
  assert.equal(cacheBehindWrite('13', '10', '12'), false, 'moved past our write');
  assert.equal(cacheBehindWrite('b', 'a', 'c'), false, 'opaque versions: only the replaced one counts');
  assert.equal(cacheBehindWrite('a', 'a', 'c'), true);
  assert.equal(cacheBehindWrite(undefined, undefined, '5'), true, 'created by our write, not in the cache yet');
});

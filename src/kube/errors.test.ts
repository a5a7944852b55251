import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { apiStatusCode, conflictError, isAlreadyExists, isConflict, isForbidden, isGone, isNotFound, messageOf } from './errors.ts';

const status = (code: number, reason: string, message: string): ApiException<string> =>
  new ApiException(code, `HTTP ${code}`, JSON.stringify({ kind: 'Status', code, reason, message }), {});

test('API errors are classified by code and reason', () => {
  assert.equal(apiStatusCode(status(404, 'NotFound', 'x')), 404);
  assert.equal(isNotFound(status(404, 'NotFound', 'rollouts "a" not found')), true);
  assert.equal(isForbidden(status(403, 'Forbidden', 'no')), true);
  assert.equal(isAlreadyExists(status(409, 'AlreadyExists', 'exists')), true);
  assert.equal(isConflict(status(409, 'AlreadyExists', 'exists')), false, 'AlreadyExists is not an optimistic-lock conflict');
  assert.equal(isConflict(status(409, 'Conflict', 'the object has been modified')), true);
  // A JSON Patch whose `test` of resourceVersion failed comes back as this bare 422, the same as any
  // other operation that did not apply: patch.ts re-reads to tell them apart (conflictError).
  assert.equal(isConflict(status(422, 'Invalid', 'the server rejected our request due to an error in our request')), false);
  assert.equal(isConflict(status(422, 'Invalid', 'spec.replicas: Invalid value')), false);
  const stale = conflictError('Rollout shop/web changed since resourceVersion 5 (now 7)');
  assert.equal(isConflict(stale), true);
  assert.equal(messageOf(stale), 'Rollout shop/web changed since resourceVersion 5 (now 7)');
  assert.equal(isGone(status(410, 'Expired', 'too old resource version')), true);
  assert.equal(isGone(status(404, 'NotFound', 'x')), false);
});

test('messageOf prefers the API server message and never throws', () => {
  assert.equal(messageOf(status(404, 'NotFound', 'rollouts "a" not found')), 'rollouts "a" not found');
  assert.equal(messageOf(new ApiException(500, 'HTTP 500', 'not json', {})), 'HTTP 500: not json');
  assert.equal(messageOf(new Error('socket hang up')), 'socket hang up');
  assert.equal(messageOf('plain'), 'plain');
  assert.equal(apiStatusCode(new Error('x')), undefined);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applicationEvents } from './app-events.ts';

const entry = (id: number, revision: string, result: 'Succeeded' | 'Failed', at: string) => ({ id, revision, result, deployedAt: at, message: result === 'Failed' ? 'ConfigMap settings: invalid' : 'applied 3 objects' });

test('application events: one per new sync result, none when re-reported', () => {
  const first = { history: [entry(1, 'aaaaaaaaaaaaaaaa', 'Succeeded', 't1')] };
  assert.deepEqual(applicationEvents({}, first), [{ type: 'Normal', reason: 'SyncSucceeded', message: 'aaaaaaaaaaaa: applied 3 objects' }]);
  assert.deepEqual(applicationEvents(first, first), []);
  const failed = { history: [...first.history, entry(2, 'bbbbbbbbbbbbbbbb', 'Failed', 't2')] };
  assert.deepEqual(applicationEvents(first, failed).map((e) => [e.type, e.reason]), [['Warning', 'SyncFailed']]);
  // The same failure retried later replaces the entry with a new time: a new result.
  const again = { history: [...first.history, entry(2, 'bbbbbbbbbbbbbbbb', 'Failed', 't3')] };
  assert.deepEqual(applicationEvents(failed, again).map((e) => e.reason), ['SyncFailed']);
});

test('application events: health Degraded and back, and an automatic revert beginning', () => {
  assert.deepEqual(applicationEvents({ health: { status: 'Healthy' } }, { health: { status: 'Degraded', message: 'Rollout web: aborted' } }), [{ type: 'Warning', reason: 'HealthDegraded', message: 'Rollout web: aborted' }]);
  assert.deepEqual(applicationEvents({ health: { status: 'Degraded' } }, { health: { status: 'Healthy' } }).map((e) => e.reason), ['HealthHealthy']);
  assert.deepEqual(applicationEvents({}, { health: { status: 'Healthy' } }), [], 'the first health is no news');
  assert.deepEqual(applicationEvents({ health: { status: 'Progressing' } }, { health: { status: 'Progressing' } }), []);
  const pin = { revision: 'good000000000000', abortedRevision: 'bad0000000000000' };
  assert.deepEqual(applicationEvents({}, { autoRevert: pin }).map((e) => e.reason), ['AutoReverted']);
  assert.deepEqual(applicationEvents({ autoRevert: pin }, { autoRevert: pin }), []);
});

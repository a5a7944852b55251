import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApplicationStatus } from '../api/application.ts';
import type { KubeObject } from '../kube/object.ts';
import { activePin, autoRevertCondition, newPin } from './auto-revert.ts';
import type { ObjectRef } from './inventory.ts';
import { revisionOutcome, withOutcome } from './revision-outcome.ts';

const ref: ObjectRef = { group: 'sluice.dev', version: 'v1alpha1', kind: 'Rollout', namespace: 'shop', name: 'web' };
const rollout = (revision: string, abort: boolean): KubeObject =>
  ({ apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', metadata: { name: 'web', annotations: { 'sluice.dev/git-revision': revision } }, status: { abort } }) as unknown as KubeObject;

test('a revision is Aborted when its rollout was aborted, Healthy when all is healthy and in sync, else undecided', () => {
  assert.equal(revisionOutcome('b', [{ ref, live: rollout('b', true) }], 'Degraded', true), 'Aborted');
  assert.equal(revisionOutcome('b', [{ ref, live: rollout('a', true) }], 'Degraded', true), undefined, 'an abort of an older revision is not this one’s');
  assert.equal(revisionOutcome('b', [{ ref, live: rollout('b', false) }], 'Healthy', true), 'Healthy');
  assert.equal(revisionOutcome('b', [{ ref, live: rollout('b', false) }], 'Healthy', false), undefined, 'not yet in sync');
  assert.equal(revisionOutcome('b', [{ ref, live: rollout('b', false) }], 'Suspended', true), undefined, 'a paused rollout is not there yet');
});

test('the outcome lands on the revision’s newest successful entry; Healthy is final and becomes the last healthy revision', () => {
  const status: ApplicationStatus = { lastHealthyRevision: 'a', history: [{ revision: 'a', result: 'Succeeded', outcome: 'Healthy' }, { revision: 'b', result: 'Succeeded' }] };
  const aborted = withOutcome(status, 'b', 'Aborted');
  assert.equal(aborted.history?.at(-1)?.outcome, 'Aborted');
  assert.equal(aborted.lastHealthyRevision, 'a');
  const retried = withOutcome({ ...status, ...aborted }, 'b', 'Healthy');
  assert.equal(retried.lastHealthyRevision, 'b', 'a retried rollout that passed');
  assert.equal(withOutcome({ ...status, ...retried }, 'b', 'Aborted').history?.at(-1)?.outcome, 'Healthy', 'Healthy is final');
  assert.deepEqual(withOutcome(status, 'c', 'Healthy'), { history: status.history, lastHealthyRevision: 'a' }, 'no entry for c: nothing to record');
  const failed: ApplicationStatus = { history: [{ revision: 'b', result: 'Failed' }] };
  assert.equal(withOutcome(failed, 'b', 'Healthy').history?.at(-1)?.outcome, undefined, 'a failed sync has no outcome');
});

test('autoRevert pins to the last healthy revision after an abort, holds while the head is the aborted commit, and lets go of it after', () => {
  const aborted: ApplicationStatus = { lastHealthyRevision: 'a', history: [{ revision: 'b', result: 'Succeeded', outcome: 'Aborted' }] };
  const pin = newPin(true, aborted, 'b', '2026-01-01T00:00:00Z');
  assert.deepEqual(pin, { revision: 'a', abortedRevision: 'b', since: '2026-01-01T00:00:00Z' });
  assert.equal(newPin(false, aborted, 'b', 'now'), undefined, 'off by default');
  assert.equal(newPin(true, { ...aborted, lastHealthyRevision: undefined }, 'b', 'now'), undefined, 'nothing healthy to go back to');
  assert.equal(newPin(true, { ...aborted, autoRevert: pin }, 'b', 'now'), undefined, 'already pinned');
  const pinned: ApplicationStatus = { ...aborted, autoRevert: pin };
  assert.deepEqual(activePin(true, pinned, 'b'), pin);
  assert.equal(activePin(true, pinned, 'c'), undefined, 'a newer commit ends the pin');
  assert.equal(activePin(false, pinned, 'b'), undefined, 'turning autoRevert off ends it');
  assert.match(autoRevertCondition(pin, false)?.message ?? '', /commit b was aborted: syncing the last healthy commit a/u);
  assert.equal(autoRevertCondition(undefined, false), undefined);
  assert.equal(autoRevertCondition(undefined, true)?.status, 'False');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analysisRunTriggers, applicationTriggers, eventIdOf, rolloutTriggers, type RolloutState } from './triggers.ts';

const rollout = (status: RolloutState['status']): RolloutState => ({ status });
const triggersOf = (r: RolloutState): string[] => rolloutTriggers(r).map((h) => `${h.trigger} ${h.oncePer}`);

test('a rollout mid-update: step-completed once per pod hash + step; paused once per hash + step + pause start', () => {
  assert.deepEqual(triggersOf(rollout({ phase: 'Progressing', currentPodHash: 'b', stableRS: 'a', currentStepIndex: 0 })), [], 'no step done yet');
  assert.deepEqual(triggersOf(rollout({ phase: 'Progressing', currentPodHash: 'b', stableRS: 'a', currentStepIndex: 1 })), ['on-rollout-step-completed b:1']);
  const paused = rollout({ phase: 'Paused', currentPodHash: 'b', stableRS: 'a', currentStepIndex: 1, pauseConditions: [{ reason: 'CanaryPauseStep', startTime: 't0' }] });
  assert.deepEqual(triggersOf(paused), ['on-rollout-step-completed b:1', 'on-rollout-paused b:1:t0']);
  assert.deepEqual(triggersOf(rollout({ phase: 'Progressing', currentPodHash: 'b', stableRS: 'a', currentStepIndex: 2 })), ['on-rollout-step-completed b:2'], 'the last step, waiting for the canary');
});

test('promote clears the pause conditions before the controller rewrites the phase: no second paused event; spec.paused is a pause', () => {
  const promoted = rollout({ phase: 'Paused', currentPodHash: 'b', stableRS: 'a', currentStepIndex: 1, pauseConditions: [] });
  assert.deepEqual(triggersOf(promoted), ['on-rollout-step-completed b:1']);
  const manual: RolloutState = { spec: { paused: true }, status: { phase: 'Paused', currentPodHash: 'b', stableRS: 'a', currentStepIndex: 1 } };
  assert.deepEqual(triggersOf(manual), ['on-rollout-step-completed b:1', 'on-rollout-paused b:1:spec.paused']);
});

test('completed once per pod hash when Healthy on it; a rollout not Healthy yet on its own hash is not completed', () => {
  assert.deepEqual(triggersOf(rollout({ phase: 'Healthy', currentPodHash: 'b', stableRS: 'b', currentStepIndex: 2 })), ['on-rollout-completed b']);
  assert.deepEqual(triggersOf(rollout({ phase: 'Progressing', currentPodHash: 'b', stableRS: 'b', currentStepIndex: 2 })), [], 'scaling up');
  assert.deepEqual(triggersOf(rollout({})), [], 'no status yet');
});

test('aborted once per hash + abortedAt, with no step-completed while aborted; a retry and a new abort are a new event', () => {
  const aborted = rollout({ phase: 'Degraded', currentPodHash: 'b', stableRS: 'a', currentStepIndex: 1, abortedAt: '2026-01-01T00:00:00Z' });
  assert.deepEqual(triggersOf(aborted), ['on-rollout-aborted b:2026-01-01T00:00:00Z']);
  const again = rollout({ ...aborted.status, abortedAt: '2026-01-01T00:05:00Z' });
  assert.notEqual(rolloutTriggers(again)[0]?.oncePer, rolloutTriggers(aborted)[0]?.oncePer);
});

test('an AnalysisRun that failed or errored, once per run uid; other phases nothing', () => {
  const run = (phase: string) => ({ metadata: { uid: 'u1' }, status: { phase } });
  assert.deepEqual(analysisRunTriggers(run('Failed')), [{ trigger: 'on-analysis-run-failed', oncePer: 'u1' }]);
  assert.deepEqual(analysisRunTriggers(run('Error')), [{ trigger: 'on-analysis-run-failed', oncePer: 'u1' }]);
  for (const phase of ['Running', 'Successful', 'Inconclusive', 'Pending']) assert.deepEqual(analysisRunTriggers(run(phase)), [], phase);
  assert.deepEqual(analysisRunTriggers({ metadata: { uid: 'u1' } }), []);
});

test('an Application: sync failed once per operation (startedAt + revision); Degraded once per synced revision', () => {
  const failed = { status: { operationState: { phase: 'Failed', revision: 'abc', startedAt: 't1' }, health: { status: 'Healthy' } } };
  assert.deepEqual(applicationTriggers(failed), [{ trigger: 'on-app-sync-failed', oncePer: 't1:abc' }]);
  assert.deepEqual(applicationTriggers({ status: { operationState: { phase: 'Error', revision: 'abc', startedAt: 't2' } } }), [{ trigger: 'on-app-sync-failed', oncePer: 't2:abc' }]);
  assert.deepEqual(applicationTriggers({ status: { operationState: { phase: 'Succeeded' } } }), []);
  assert.deepEqual(applicationTriggers({ status: { sync: { revision: 'abc' }, health: { status: 'Degraded' } } }), [{ trigger: 'on-app-health-degraded', oncePer: 'abc' }]);
  assert.deepEqual(applicationTriggers({}), []);
});

test('event ids: stable for one occurrence on one object, different for another object, trigger or occurrence', () => {
  const hit = { trigger: 'on-rollout-paused' as const, oncePer: 'b:1:t0' };
  const id = eventIdOf('uid-1', hit);
  assert.match(id, /^[0-9a-f]{32}$/);
  assert.equal(eventIdOf('uid-1', { ...hit }), id);
  assert.notEqual(eventIdOf('uid-2', hit), id);
  assert.notEqual(eventIdOf('uid-1', { ...hit, oncePer: 'b:1:t1' }), id);
  assert.notEqual(eventIdOf('uid-1', { ...hit, trigger: 'on-rollout-aborted' }), id);
});

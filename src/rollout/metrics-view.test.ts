import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outcomesOf, rolloutSample } from './metrics-view.ts';
import type { ReplicaSetObject, RolloutObject } from './rollout-object.ts';

const rs = (hash: string, spec: number, ready: number, available: number): ReplicaSetObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: `web-${hash}`, namespace: 'ns', labels: { 'rollouts-pod-template-hash': hash } },
  spec: { replicas: spec },
  status: { replicas: spec, readyReplicas: ready, availableReplicas: available },
});

const rollout = (status: RolloutObject['status']): RolloutObject =>
  ({
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'ns' },
    spec: { strategy: { canary: { canaryService: 'web-canary', stableService: 'web-stable', steps: [{ setWeight: 10 }, { pause: {} }] } } },
    status,
  }) as unknown as RolloutObject;

test('rollout sample: paused canary at 10% with its own and the stable pods', () => {
  const sample = rolloutSample(
    rollout({ phase: 'Paused', stableRS: 'aaa', currentPodHash: 'bbb', currentStepIndex: 1, canary: { setWeight: 10, weights: { canary: { weight: 10 }, stable: { weight: 90 } } } }),
    [rs('aaa', 4, 4, 4), rs('bbb', 1, 1, 0), rs('old', 0, 0, 0)],
  );
  assert.equal(sample.strategy, 'canary');
  assert.deepEqual([sample.stableHash, sample.canaryHash, sample.stableService, sample.canaryService], ['aaa', 'bbb', 'web-stable', 'web-canary']);
  assert.deepEqual([sample.phase, sample.setWeight, sample.actualWeight, sample.step, sample.steps], ['Paused', 10, 10, 1, 2]);
  const value = (role: string, state: string): number | undefined => sample.replicas.find((r) => r.role === role && r.state === state)?.value;
  assert.deepEqual([value('stable', 'desired'), value('stable', 'ready'), value('canary', 'desired'), value('canary', 'ready'), value('canary', 'available')], [4, 4, 1, 1, 0]);
});

test('rollout sample: a healthy rollout has no canary pods; a new one has no status yet', () => {
  const healthy = rolloutSample(rollout({ phase: 'Healthy', stableRS: 'aaa', currentPodHash: 'aaa', currentStepIndex: 2 }), [rs('aaa', 4, 4, 4)]);
  assert.equal(healthy.replicas.filter((r) => r.role === 'canary').every((r) => r.value === 0), true);
  const fresh = rolloutSample(rollout(undefined), []);
  assert.deepEqual([fresh.phase, fresh.setWeight, fresh.step, fresh.stableHash], [undefined, undefined, undefined, '']);
});

test('outcomes: abort reasons and promotion kinds from the events of one reconcile', () => {
  const progressing = { stableRS: 'aaa', currentPodHash: 'bbb' };
  const abortedBy = (message: string, before = progressing): unknown => outcomesOf(before, progressing, [{ reason: 'RolloutAborted', message }]).aborted;
  assert.equal(abortedBy('Rollout aborted update to pod template hash bbb: AnalysisRun web-bbb-2 Failed: metric "success-rate" …'), 'analysis');
  assert.equal(abortedBy('Rollout aborted update to pod template hash bbb; traffic is back on aaa'), 'manual');
  const deadline = { ...progressing, conditions: [{ type: 'Progressing', status: 'False' as const, reason: 'ProgressDeadlineExceeded', message: 'x' }] };
  assert.equal(abortedBy('Rollout aborted update to pod template hash bbb; traffic is back on aaa', deadline), 'progress-deadline');
  assert.equal(outcomesOf(progressing, { stableRS: 'bbb', currentPodHash: 'bbb' }, [{ reason: 'RolloutCompleted', message: '' }]).promoted, 'completed');
  assert.equal(outcomesOf({ ...progressing, promoteFull: true }, { stableRS: 'bbb', currentPodHash: 'bbb' }, [{ reason: 'RolloutCompleted', message: '' }]).promoted, 'full');
  // Fast track: the template went back to the stable one while a canary was under way.
  assert.equal(outcomesOf(progressing, { stableRS: 'aaa', currentPodHash: 'aaa' }, [{ reason: 'RolloutUpdated', message: '' }]).promoted, 'fast-track');
  // An ordinary update is neither.
  assert.deepEqual(outcomesOf({ stableRS: 'aaa', currentPodHash: 'aaa' }, progressing, [{ reason: 'RolloutUpdated', message: '' }, { reason: 'RolloutStepCompleted', message: '' }]), {});
});

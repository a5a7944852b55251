import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from './errors.ts';
import { decide } from './operations.ts';

type Status = { phase?: string; currentPodHash?: string; stableRS?: string; currentStepIndex?: number; abort?: boolean; pauseConditions?: unknown[] };
const rollout = (status: Status, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'web', resourceVersion: '7' },
  spec: { template: { spec: { containers: [{ name: 'web', image: 'web:v1' }, { name: 'proxy', image: 'envoy:1' }] } }, strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }] } }, ...spec },
  status,
});
const healthy = rollout({ phase: 'Healthy', currentPodHash: 'a', stableRS: 'a', currentStepIndex: 3 });
const paused = rollout({ phase: 'Paused', currentPodHash: 'b', stableRS: 'a', currentStepIndex: 1, pauseConditions: [{ reason: 'CanaryPauseStep' }] });
const progressing = rollout({ phase: 'Progressing', currentPodHash: 'b', stableRS: 'a', currentStepIndex: 2 });

test('promote ends a pause, skips a running step, or says there is nothing to promote', () => {
  assert.deepEqual(decide(paused, { kind: 'promote', full: false }), { patch: [{ op: 'add', path: '/status/pauseConditions', value: [] }], subresource: 'status', message: 'rollout "web" promoted: step 2/3 ends' });
  assert.deepEqual(decide(progressing, { kind: 'promote', full: false }), { patch: [{ op: 'add', path: '/status/currentStepIndex', value: 3 }], subresource: 'status', message: 'rollout "web" promoted: step 3/3 skipped' });
  assert.deepEqual(decide(paused, { kind: 'promote', full: true }).valueOf(), { patch: [{ op: 'add', path: '/status/promoteFull', value: true }], subresource: 'status', message: 'rollout "web" fully promoted: the remaining steps are skipped' });
  assert.deepEqual(decide(healthy, { kind: 'promote', full: false }), { nothing: 'rollout "web" is Healthy: nothing to promote' });
  assert.match((decide(rollout({ ...paused.status, abort: true }), { kind: 'promote', full: false }) as { nothing: string }).nothing, /aborted: use retry/u);
});

test('abort, retry, pause, resume and restart: the patches of docs/rollouts.md, or nothing when already so', () => {
  assert.deepEqual(decide(paused, { kind: 'abort' }), { patch: [{ op: 'add', path: '/status/abort', value: true }], subresource: 'status', message: 'rollout "web" aborted' });
  assert.match((decide(healthy, { kind: 'abort' }) as { nothing: string }).nothing, /nothing to abort/u);
  assert.match((decide(paused, { kind: 'retry' }) as { nothing: string }).nothing, /not aborted/u);
  assert.deepEqual(decide(rollout({ ...paused.status, abort: true }), { kind: 'retry' }), { patch: [{ op: 'add', path: '/status/abort', value: false }], subresource: 'status', message: 'rollout "web" retried from its first step' });
  assert.deepEqual(decide(healthy, { kind: 'pause' }), { patch: [{ op: 'add', path: '/spec/paused', value: true }], subresource: 'spec', message: 'rollout "web" paused' });
  assert.match((decide(healthy, { kind: 'resume' }) as { nothing: string }).nothing, /not paused/u);
  assert.deepEqual(decide(rollout(healthy.status, { paused: true }), { kind: 'resume' }), { patch: [{ op: 'add', path: '/spec/paused', value: false }], subresource: 'spec', message: 'rollout "web" resumed' });
  assert.deepEqual(decide(healthy, { kind: 'restart', at: '2026-12-07T12:00:00Z' }), { patch: [{ op: 'add', path: '/spec/restartAt', value: '2026-12-07T12:00:00Z' }], subresource: 'spec', message: 'rollout "web" restarts its pods at 2026-12-07T12:00:00Z' });
});

test('set image patches the named container by index; an unknown container is a user error', () => {
  assert.deepEqual(decide(healthy, { kind: 'set-image', container: 'proxy', image: 'envoy:2' }), { patch: [{ op: 'add', path: '/spec/template/spec/containers/1/image', value: 'envoy:2' }], subresource: 'spec', message: 'rollout "web" container "proxy" set to envoy:2' });
  assert.match((decide(healthy, { kind: 'set-image', container: 'web', image: 'web:v1' }) as { nothing: string }).nothing, /already runs web:v1/u);
  assert.throws(() => decide(healthy, { kind: 'set-image', container: 'nope', image: 'x' }), (e: unknown) => e instanceof UserError && /no container "nope" \(it has web, proxy\)/u.test(e.message));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApplicationStatus } from '../api/application.ts';
import { planSync, type PlanInput } from './sync-plan.ts';

const app = (policy: Record<string, unknown>, annotations: Record<string, string> = {}, status: ApplicationStatus = {}): PlanInput['app'] =>
  ({ apiVersion: 'sluice.dev/v1alpha1', kind: 'Application', metadata: { name: 'shop', generation: 2, annotations }, spec: { source: { repoURL: 'file:///r' }, syncPolicy: policy }, status });
const synced: ApplicationStatus = { observedGeneration: 2, sync: { status: 'Synced', revision: 'a' }, operationState: { phase: 'Succeeded', revision: 'a' } };
const input = (a: PlanInput['app'], status: ApplicationStatus = synced, nowMs = 0): PlanInput => ({ app: a, status, nowMs });
const asked = { 'sluice.dev/reconcile-requested-at': 't1' };

test('automated: a new revision is a full sync; drift is repaired only with selfHeal; nothing changed is nothing', () => {
  const automated = { automated: { prune: true } };
  assert.deepEqual(planSync(input(app(automated)), 'b', []), { kind: 'full' });
  assert.deepEqual(planSync(input(app(automated)), 'a', ['drift']), { kind: 'none' });
  assert.deepEqual(planSync(input(app({ automated: { selfHeal: true } })), 'a', ['drift']), { kind: 'heal' });
  assert.deepEqual(planSync(input(app(automated)), 'a', []), { kind: 'none' });
});

test('a requested reconcile: a full sync for a manual Application; for an automated one, only what changed', () => {
  assert.deepEqual(planSync(input(app({}, asked)), 'a', []), { kind: 'full' }, 'manual: sync now');
  assert.deepEqual(planSync(input(app({ automated: {} }, asked)), 'a', []), { kind: 'none' }, 'nothing changed: no writes');
  assert.deepEqual(planSync(input(app({ automated: {} }, asked)), 'a', ['drift']), { kind: 'heal' }, 'asked: repair drift even without selfHeal');
  assert.deepEqual(planSync(input(app({}, asked, { lastHandledReconcileAt: 't1' })), 'a', []), { kind: 'none' }, 'already handled');
});

test('a failed revision waits for its backoff unless asked; a sync part-way through its waves continues', () => {
  const failed: ApplicationStatus = { ...synced, operationState: { phase: 'Failed', revision: 'b', finishedAt: '2026-12-07T12:00:00Z', retryCount: 1 } };
  const at = Date.parse('2026-12-07T12:00:00Z');
  assert.deepEqual(planSync(input(app({ automated: {} }), failed, at + 1_000), 'b', []), { kind: 'none', retryInMs: 9_000 }, '5 s doubled once');
  assert.deepEqual(planSync(input(app({ automated: {} }), failed, at + 10_000), 'b', []), { kind: 'full' });
  assert.deepEqual(planSync(input(app({ automated: {} }, asked), failed, at + 1_000), 'b', []), { kind: 'full' }, 'asked: at once');
  const running: ApplicationStatus = { ...synced, operationState: { phase: 'Running', revision: 'b', syncWave: 0 } };
  assert.deepEqual(planSync(input(app({}), running), 'b', []), { kind: 'continue' }, 'even without automated');
});

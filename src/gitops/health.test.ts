import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeObject } from '../kube/object.ts';
import { assessHealth, worstHealth } from './health.ts';

const obj = (apiVersion: string, kind: string, rest: Record<string, unknown>, generation = 1): KubeObject =>
  ({ apiVersion, kind, metadata: { name: 'x', generation }, ...rest });

describe('health', () => {
  test('Deployments: behind the controller, rolling out, available, paused, past the deadline', () => {
    assert.equal(assessHealth(obj('apps/v1', 'Deployment', { spec: { replicas: 2 }, status: { observedGeneration: 0 } }, 1)).status, 'Progressing');
    assert.deepEqual(assessHealth(obj('apps/v1', 'Deployment', { spec: { replicas: 2 }, status: { observedGeneration: 1, updatedReplicas: 1, replicas: 2 } })), { status: 'Progressing', message: '1 of 2 updated replicas' });
    assert.equal(assessHealth(obj('apps/v1', 'Deployment', { spec: { replicas: 2 }, status: { observedGeneration: 1, updatedReplicas: 2, replicas: 2, availableReplicas: 2 } })).status, 'Healthy');
    assert.equal(assessHealth(obj('apps/v1', 'Deployment', { spec: { paused: true } })).status, 'Suspended');
    assert.equal(assessHealth(obj('apps/v1', 'Deployment', { spec: {}, status: { observedGeneration: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] } })).status, 'Degraded');
  });
  test('Rollouts, AnalysisRuns, Jobs, PVCs, CRDs, Services, and missing objects', () => {
    assert.equal(assessHealth(obj('sluice.dev/v1alpha1', 'Rollout', { status: { observedGeneration: 1, phase: 'Paused' } })).status, 'Suspended');
    assert.deepEqual(assessHealth(obj('sluice.dev/v1alpha1', 'Rollout', { status: { observedGeneration: 1, phase: 'Degraded', message: 'RolloutAborted: x' } })), { status: 'Degraded', message: 'RolloutAborted: x' });
    assert.equal(assessHealth(obj('sluice.dev/v1alpha1', 'AnalysisRun', { status: { phase: 'Failed' } })).status, 'Degraded');
    assert.equal(assessHealth(obj('batch/v1', 'Job', { spec: {}, status: { conditions: [{ type: 'Complete', status: 'True' }] } })).status, 'Healthy');
    assert.equal(assessHealth(obj('batch/v1', 'Job', { spec: {}, status: { conditions: [{ type: 'Failed', status: 'True', message: 'BackoffLimitExceeded' }] } })).status, 'Degraded');
    assert.equal(assessHealth(obj('v1', 'PersistentVolumeClaim', { status: { phase: 'Pending' } })).status, 'Progressing');
    assert.equal(assessHealth(obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', { status: { conditions: [{ type: 'Established', status: 'True' }] } })).status, 'Healthy');
    assert.equal(assessHealth(obj('v1', 'Service', { spec: { type: 'LoadBalancer' }, status: {} })).status, 'Progressing');
    assert.equal(assessHealth(obj('v1', 'ConfigMap', {})).status, 'Healthy');
    assert.equal(assessHealth(undefined).status, 'Missing');
  });
  test('the worst health wins, in Argo CD\'s order', () => {
    assert.equal(worstHealth([{ status: 'Healthy' }, { status: 'Suspended' }, { status: 'Progressing' }]).status, 'Progressing');
    assert.equal(worstHealth([{ status: 'Missing' }, { status: 'Degraded', message: 'x' }]).status, 'Degraded');
    assert.equal(worstHealth([]).status, 'Healthy');
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnalysisRun } from '../api/analysis.ts';
import type { KubeObject } from '../kube/object.ts';
import { analysisSamples, numericValue, threshold } from './metrics-view.ts';

test('numeric value: a scalar or a one-element vector; anything else is no number', () => {
  assert.equal(numericValue({ phase: 'Successful', value: '0.97' }), 0.97);
  assert.equal(numericValue({ phase: 'Successful', value: '[0.97]' }), 0.97);
  assert.equal(numericValue({ phase: 'Failed', value: '[0.5,0.7]' }), undefined);
  assert.equal(numericValue({ phase: 'Inconclusive', value: '[]' }), undefined);
  assert.equal(numericValue({ phase: 'Inconclusive', value: 'NaN' }), undefined);
  assert.equal(numericValue({ phase: 'Successful', value: 'true' }), undefined);
  assert.equal(numericValue({ phase: 'Error' }), undefined);
});

test('threshold: the number of a single comparison with the result, after argument substitution', () => {
  const args = { limit: { value: '0.95', secret: false } };
  assert.equal(threshold('result[0] >= 0.95', {}), 0.95);
  assert.equal(threshold('result[0] >= {{args.limit}}', args), 0.95);
  assert.equal(threshold('result < 500', {}), 500);
  assert.equal(threshold('0.99 <= result[0]', {}), 0.99);
  assert.equal(threshold('asFloat(result) > 1e-3', {}), 0.001);
  assert.equal(threshold('result[0] >= 0.9 && result[0] <= 1', {}), undefined);
  assert.equal(threshold('len(result) == 0', {}), undefined);
  assert.equal(threshold(undefined, {}), undefined);
  assert.equal(threshold('result[0] >= {{args.missing}}', {}), undefined);
});

type Run = KubeObject & AnalysisRun;
const run = (name: string, created: string, phase: string, value: string): Run =>
  ({
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'AnalysisRun',
    metadata: { name, namespace: 'ns', creationTimestamp: created, ownerReferences: [{ apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', name: 'web', uid: 'u', controller: true }] },
    spec: {
      args: [{ name: 'threshold', value: '0.95' }],
      metrics: [{ name: 'success-rate', successCondition: 'result[0] >= {{args.threshold}}', failureCondition: 'result[0] < 0.5', provider: { prometheus: { address: 'http://p', query: 'q' } } }],
    },
    status: { phase, metricResults: [{ name: 'success-rate', phase, measurements: [{ phase: 'Successful', value: '[0.99]' }, { phase: 'Failed', value }, { phase: 'Running' }] }] },
  }) as unknown as Run;

test('analysis samples: per rollout, the newest run; its metrics with the last value and both thresholds', () => {
  const samples = analysisSamples([run('web-1', '2026-12-07T10:00:00Z', 'Successful', '[0.98]'), run('web-2', '2026-12-07T11:00:00Z', 'Failed', '[0.42]')]);
  assert.equal(samples.length, 1);
  assert.deepEqual(samples[0], {
    namespace: 'ns',
    rollout: 'web',
    phase: 'Failed',
    metrics: [{ metric: 'success-rate', provider: 'prometheus', value: 0.42, success: 0.95, failure: 0.5 }],
  });
});

// The Rollout's analysis read from caches: runs as views, run specs from templates and args.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SpecProblem } from './context.ts';
import { analysisRunViews, analysisSpecs, fieldAt, type AnalysisCache, type AnalysisRunObject, type AnalysisTemplateObject } from './analysis-observe.ts';
import type { RolloutObject } from './rollout-object.ts';

const template = (name: string, namespace?: string): AnalysisTemplateObject => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind: namespace === undefined ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate',
  metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
  spec: {
    args: [{ name: 'service' }, { name: 'hash' }, { name: 'window', value: '1m' }, { name: 'token' }],
    metrics: [{ name: `${name}-metric`, successCondition: 'result[0] > 0', provider: { prometheus: { address: 'http://p:9090', query: 'x{service="{{args.service}}"}[{{args.window}}]' } } }],
  },
});

function rollout(analysis: unknown): RolloutObject {
  return {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web', team: 'payments' } },
    spec: { selector: {}, template: {}, strategy: { canary: { steps: [{ setWeight: 10 }, { analysis }] } } },
  } as unknown as RolloutObject;
}

const cache = (templates: AnalysisTemplateObject[]): AnalysisCache => ({
  analysisRunsOf: () => [],
  analysisTemplate: (ns, name) => templates.find((t) => t.metadata.namespace === ns && t.metadata.name === name),
  clusterAnalysisTemplate: (name) => templates.find((t) => t.metadata.namespace === undefined && t.metadata.name === name),
});

describe('analysis specs from a Rollout', () => {
  test('templates found, arguments resolved: podTemplateHashValue, fieldRef, secrets stay references', () => {
    const ro = rollout({
      templates: [{ templateName: 'rate' }],
      args: [
        { name: 'service', valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
        { name: 'hash', valueFrom: { podTemplateHashValue: 'Stable' } },
        { name: 'token', valueFrom: { secretKeyRef: { name: 'prom', key: 'token' } } },
        { name: 'unused', value: 'x' },
      ],
    });
    const problems: SpecProblem[] = [];
    const specs = analysisSpecs({ rollout: ro, podHash: 'new', stableHash: 'old', cache: cache([template('rate', 'shop')]) }, problems);
    assert.deepEqual(problems, []);
    assert.deepEqual(specs.steps.get(1)?.args, [
      { name: 'service', value: 'payments' },
      { name: 'hash', value: 'old' },
      { name: 'window', value: '1m' },
      { name: 'token', valueFrom: { secretKeyRef: { name: 'prom', key: 'token' } } },
    ]);
    assert.equal(specs.steps.get(1)?.metrics[0]?.name, 'rate-metric');
  });

  test('a missing template or an argument without a value is a spec problem naming the field', () => {
    const problems: SpecProblem[] = [];
    analysisSpecs({ rollout: rollout({ templates: [{ templateName: 'nope' }, { templateName: 'c', clusterScope: true }] }), podHash: 'h', stableHash: 'h', cache: cache([]) }, problems);
    assert.deepEqual(problems.map((p) => p.field), ['spec.strategy.canary.steps[1].analysis.templates[0]', 'spec.strategy.canary.steps[1].analysis.templates[1]']);
    assert.match(problems[0]?.message ?? '', /AnalysisTemplate "nope" not found in namespace shop/);
    assert.match(problems[1]?.message ?? '', /ClusterAnalysisTemplate "c" not found/);
    const missing: SpecProblem[] = [];
    analysisSpecs({ rollout: rollout({ templates: [{ templateName: 'rate' }] }), podHash: 'h', stableHash: 'h', cache: cache([template('rate', 'shop')]) }, missing);
    assert.equal(missing[0]?.field, 'spec.strategy.canary.steps[1].analysis');
    assert.match(missing[0]?.message ?? '', /argument service has no value/);
  });

  test('runs become views by their labels; unlabelled runs are ignored', () => {
    const run = (name: string, labels: Record<string, string>, phase?: string): AnalysisRunObject =>
      ({ apiVersion: 'sluice.dev/v1alpha1', kind: 'AnalysisRun', metadata: { name, labels, creationTimestamp: '2026-11-22T10:00:00Z' }, spec: { metrics: [] }, ...(phase === undefined ? {} : { status: { phase } }) }) as unknown as AnalysisRunObject;
    const views = analysisRunViews([
      run('a', { 'rollout-type': 'Step', 'rollouts-pod-template-hash': 'h', 'step-index': '2' }, 'Running'),
      run('b', { 'rollout-type': 'Background', 'rollouts-pod-template-hash': 'h' }),
      run('c', {}),
    ]);
    assert.deepEqual(views.map((v) => [v.name, v.type, v.stepIndex, v.phase]), [['a', 'Step', 2, 'Running'], ['b', 'Background', undefined, 'Pending']]);
  });

  test('fieldAt reads dotted and bracketed paths, never inherited properties', () => {
    const ro = rollout({});
    assert.equal(fieldAt(ro, 'metadata.name'), 'web');
    assert.equal(fieldAt(ro, "metadata.labels['app']"), 'web');
    assert.equal(fieldAt(ro, 'metadata.labels.team'), 'payments');
    assert.equal(fieldAt(ro, 'metadata.missing'), undefined);
    assert.equal(fieldAt(ro, 'metadata.constructor'), undefined);
    assert.equal(fieldAt(ro, 'metadata'), undefined, 'objects are not values');
  });
});

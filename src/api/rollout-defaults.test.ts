import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RolloutSpec } from './rollout.ts';
import { ROLLOUT_DEFAULTS, withRolloutDefaults } from './rollout-defaults.ts';
import { loadFixture } from './testdata/load.ts';

const minimal: RolloutSpec = {
  selector: { matchLabels: { app: 'web' } },
  template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
  strategy: { canary: { canaryService: 'c', stableService: 's', trafficRouting: { istio: { virtualService: { name: 'vs' } } } } },
};

describe('withRolloutDefaults', () => {
  test("fills in Argo's defaults", () => {
    const spec = withRolloutDefaults(minimal);
    assert.equal(spec.replicas, 1);
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.progressDeadlineSeconds, 600);
    assert.equal(spec.progressDeadlineAbort, false);
    assert.equal(spec.minReadySeconds, 0);
    assert.equal(spec.paused, false);
    assert.deepEqual(spec.analysis, { successfulRunHistoryLimit: 5, unsuccessfulRunHistoryLimit: 5 });
    const canary = spec.strategy.canary;
    assert.equal(canary.maxSurge, '25%');
    assert.equal(canary.maxUnavailable, '25%');
    assert.equal(canary.scaleDownDelaySeconds, 30);
    assert.equal(canary.abortScaleDownDelaySeconds, 30);
    assert.equal(canary.dynamicStableScale, false);
    assert.deepEqual(canary.steps, []);
    assert.equal(canary.canaryService, 'c', 'what was set is kept');
    assert.deepEqual(spec.template, minimal.template);
  });

  test('keeps every value that is set, zeros and false included', () => {
    const set: RolloutSpec = {
      ...minimal,
      replicas: 0,
      revisionHistoryLimit: 0,
      progressDeadlineSeconds: 30,
      progressDeadlineAbort: true,
      minReadySeconds: 7,
      paused: true,
      analysis: { successfulRunHistoryLimit: 0 },
      strategy: {
        canary: { maxSurge: 0, maxUnavailable: '10%', scaleDownDelaySeconds: 0, abortScaleDownDelaySeconds: 0, dynamicStableScale: true, steps: [{ setWeight: 5 }] },
      },
    };
    const spec = withRolloutDefaults(set);
    assert.deepEqual(
      [spec.replicas, spec.revisionHistoryLimit, spec.progressDeadlineSeconds, spec.progressDeadlineAbort, spec.minReadySeconds, spec.paused],
      [0, 0, 30, true, 7, true],
    );
    assert.deepEqual(spec.analysis, { successfulRunHistoryLimit: 0, unsuccessfulRunHistoryLimit: 5 });
    const { maxSurge, maxUnavailable, scaleDownDelaySeconds, abortScaleDownDelaySeconds, dynamicStableScale, steps } = spec.strategy.canary;
    assert.deepEqual(
      { maxSurge, maxUnavailable, scaleDownDelaySeconds, abortScaleDownDelaySeconds, dynamicStableScale, steps },
      { maxSurge: 0, maxUnavailable: '10%', scaleDownDelaySeconds: 0, abortScaleDownDelaySeconds: 0, dynamicStableScale: true, steps: [{ setWeight: 5 }] },
    );
  });

  test('is pure: the input is not changed, and fields it does not default pass through', () => {
    const rollout = loadFixture('rollout-argo-everything');
    const before = structuredClone(rollout.spec);
    const spec = withRolloutDefaults(rollout.spec);
    assert.deepEqual(rollout.spec, before);
    assert.deepEqual(spec.strategy.blueGreen, before.strategy?.blueGreen);
    assert.deepEqual(spec.strategy.canary.trafficRouting, before.strategy?.canary?.trafficRouting);
    assert.equal(spec.restartAt, before.restartAt);
  });

  test('a spec without a canary strategy gets an all-default canary (validateRollout reports it)', () => {
    const spec = withRolloutDefaults({ ...minimal, strategy: {} });
    assert.equal(spec.strategy.canary.maxSurge, ROLLOUT_DEFAULTS.maxSurge);
    assert.deepEqual(spec.strategy.canary.steps, []);
  });
});

// Argo's assessment rules (measurement, metric, run), and Sluice's emptyResult policy.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Metric } from '../api/analysis.ts';
import { assessMeasurement, assessMetric, assessRun, countMeasurement, isEmptyResult, ZERO_COUNTERS, type Counters, type MeasuredPhase } from './assess.ts';
import { planMetric, type MetricPlan } from './metric-plan.ts';

function metric(fields: Partial<Metric> = {}): MetricPlan {
  const planned = planMetric({ name: 'm', provider: { prometheus: { query: 'up' } }, ...fields }, { dryRun: [], measurementRetention: [], args: {} });
  if (!planned.ok) throw new Error(planned.message);
  return planned.plan;
}

const ok = (result: unknown, value = JSON.stringify(result)) => ({ ok: true as const, result, value });

describe('one measurement', () => {
  test('no conditions → Successful; a provider error → Error with its message', () => {
    assert.equal(assessMeasurement(metric(), ok([1])).phase, 'Successful');
    assert.deepEqual(assessMeasurement(metric(), { ok: false, message: 'connection refused' }), { phase: 'Error', message: 'connection refused' });
  });

  test('only successCondition: Failed when false', () => {
    const m = metric({ successCondition: 'result[0] >= 0.95' });
    assert.equal(assessMeasurement(m, ok([0.99])).phase, 'Successful');
    assert.equal(assessMeasurement(m, ok([0.9])).phase, 'Failed');
  });

  test('only failureCondition: Successful when false', () => {
    const m = metric({ failureCondition: 'result[0] > 500' });
    assert.equal(assessMeasurement(m, ok([100])).phase, 'Successful');
    assert.equal(assessMeasurement(m, ok([900])).phase, 'Failed');
  });

  test('both set: neither true → Inconclusive; failure wins over success', () => {
    const m = metric({ successCondition: 'result[0] >= 0.99', failureCondition: 'result[0] < 0.9' });
    assert.equal(assessMeasurement(m, ok([0.95])).phase, 'Inconclusive');
    assert.equal(assessMeasurement(m, ok([0.995])).phase, 'Successful');
    assert.equal(assessMeasurement(m, ok([0.5])).phase, 'Failed');
    const both = metric({ successCondition: 'true', failureCondition: 'true' });
    assert.equal(assessMeasurement(both, ok([1])).phase, 'Failed');
  });

  test('emptyResult unset (Argo): indexing an empty vector is an Error; NaN compares false', () => {
    const m = metric({ successCondition: 'result[0] >= 0.95' });
    const empty = assessMeasurement(m, ok([], '[]'));
    assert.equal(empty.phase, 'Error');
    assert.match(empty.message ?? '', /result\[0\] >= 0\.95/);
    assert.equal(assessMeasurement(m, ok([Number.NaN], '[NaN]')).phase, 'Failed');
  });

  test('emptyResult set: empty, NaN and [NaN] take that phase before any condition runs', () => {
    for (const phase of ['Failed', 'Inconclusive', 'Successful'] as const) {
      const m = metric({ successCondition: 'result[0] >= 0.95', emptyResult: phase });
      for (const [result, value] of [[[], '[]'], [Number.NaN, 'NaN'], [[Number.NaN], '[NaN]']] as const) {
        const assessed = assessMeasurement(m, ok(result, value));
        assert.equal(assessed.phase, phase, `${value} under ${phase}`);
        assert.match(assessed.message ?? '', /empty result/);
      }
      // A real value is still judged by the conditions.
      assert.equal(assessMeasurement(m, ok([0.5])).phase, 'Failed');
    }
  });

  test('isEmptyResult', () => {
    assert.equal(isEmptyResult([]), true);
    assert.equal(isEmptyResult(Number.NaN), true);
    assert.equal(isEmptyResult([Number.NaN, Number.NaN]), true);
    assert.equal(isEmptyResult([Number.NaN, 1]), false);
    assert.equal(isEmptyResult(0), false);
    assert.equal(isEmptyResult({ ok: true }), false);
  });
});

function counted(...phases: MeasuredPhase[]): Counters {
  return phases.reduce(countMeasurement, ZERO_COUNTERS);
}

describe('metric phase', () => {
  const running = { measuring: false, terminating: false };

  test('failed > failureLimit → Failed; -1 never fails on failures', () => {
    assert.equal(assessMetric(metric({ interval: '1s' }), counted('Failed'), running).phase, 'Failed');
    assert.equal(assessMetric(metric({ interval: '1s', failureLimit: 1 }), counted('Failed'), running).phase, 'Running');
    assert.equal(assessMetric(metric({ interval: '1s', failureLimit: 1 }), counted('Failed', 'Failed'), running).message, 'failed (2) > failureLimit (1)');
    assert.equal(assessMetric(metric({ interval: '1s', failureLimit: -1 }), counted('Failed', 'Failed', 'Failed'), running).phase, 'Running');
  });

  test('inconclusive > inconclusiveLimit → Inconclusive', () => {
    assert.equal(assessMetric(metric({ interval: '1s' }), counted('Inconclusive'), running).phase, 'Inconclusive');
  });

  test('consecutive errors > consecutiveErrorLimit (4) → Error; a good measurement resets the streak; errors never count toward count', () => {
    const m = metric({ count: 1 });
    assert.equal(assessMetric(m, counted('Error', 'Error', 'Error', 'Error'), running).phase, 'Running');
    const five = assessMetric(m, counted('Error', 'Error', 'Error', 'Error', 'Error'), running);
    assert.deepEqual(five, { phase: 'Error', message: 'consecutiveErrors (5) > consecutiveErrorLimit (4)' });
    assert.equal(counted('Error', 'Error', 'Successful').consecutiveError, 0);
    assert.equal(counted('Error', 'Error').count, 0);
    assert.equal(assessMetric(m, counted('Error', 'Successful'), running).phase, 'Successful');
  });

  test('count reached → Successful; neither count nor interval → one measurement; interval only → until terminated', () => {
    assert.equal(metric().count, 1);
    assert.equal(metric({ interval: '10s' }).count, undefined);
    assert.equal(assessMetric(metric({ interval: '1s', count: 3 }), counted('Successful', 'Successful'), running).phase, 'Running');
    assert.equal(assessMetric(metric({ interval: '1s', count: 3 }), counted('Successful', 'Successful', 'Successful'), running).phase, 'Successful');
    assert.equal(assessMetric(metric({ interval: '1s' }), counted('Successful', 'Successful'), running).phase, 'Running');
    assert.equal(assessMetric(metric({ interval: '1s' }), counted('Successful', 'Successful'), { measuring: false, terminating: true }).phase, 'Successful');
  });

  test('consecutiveSuccessLimit ends a metric early', () => {
    const m = metric({ interval: '1s', count: 10, consecutiveSuccessLimit: 2 });
    assert.equal(assessMetric(m, counted('Successful', 'Failed'), running).phase, 'Failed');
    assert.equal(assessMetric(metric({ interval: '1s', count: 10, failureLimit: 3, consecutiveSuccessLimit: 2 }), counted('Failed', 'Successful', 'Successful'), running).phase, 'Successful');
  });

  test('a metric that cannot be planned names the problem', () => {
    const bad = planMetric({ name: 'm', count: 3, successCondition: 'result[0] >=', provider: { prometheus: { query: 'up' } } }, { dryRun: [], measurementRetention: [], args: {} });
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.message, /metric "m": .*successCondition "result\[0\] >=" does not parse/);
    assert.match(bad.ok ? '' : bad.message, /count 3 needs an interval/);
    const limits = planMetric({ name: 'm', failureLimit: '{{args.limit}}', provider: { prometheus: { query: 'up' } } }, { dryRun: [], measurementRetention: [], args: { limit: { value: '3', secret: false } } });
    assert.equal(limits.ok && limits.plan.failureLimit, 3);
  });
});

describe('run phase', () => {
  test('the worst metric decides: Successful < Running < Pending < Inconclusive < Error < Failed', () => {
    const r = (phase: string, dryRun = false) => ({ name: phase.toLowerCase(), phase: phase as never, message: `${phase} message`, dryRun });
    assert.equal(assessRun([r('Successful'), r('Running')]).phase, 'Running');
    assert.equal(assessRun([r('Successful'), r('Pending')]).phase, 'Running');
    assert.equal(assessRun([r('Successful'), r('Successful')]).phase, 'Successful');
    assert.equal(assessRun([r('Inconclusive'), r('Error'), r('Running')]).phase, 'Error');
    assert.deepEqual(assessRun([r('Error'), r('Failed')]), { phase: 'Failed', message: 'Metric "failed" assessed Failed due to Failed message' });
  });

  test('dry-run metrics never decide', () => {
    assert.equal(assessRun([{ name: 'a', phase: 'Successful' }, { name: 'b', phase: 'Failed', dryRun: true }]).phase, 'Successful');
  });
});

// An AnalysisRun's status over time, with a fixed clock: deadlines come from status only, so a
// restarted controller measures neither twice nor late.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AnalysisRunStatus, Measurement, Metric } from '../api/analysis.ts';
import { planMetric, type MetricPlan } from './metric-plan.ts';
import { dueMetrics, nextDeadline, nextMeasurementAt, withMeasurement, withPendingMetrics, withRunPhase } from './run-status.ts';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function plan(fields: Partial<Metric> & { name?: string } = {}, dryRun: string[] = []): MetricPlan {
  const planned = planMetric(
    { name: 'm', provider: { prometheus: { query: 'up' } }, ...fields },
    { dryRun: dryRun.map((metricName) => ({ metricName })), measurementRetention: [], args: {} },
  );
  if (!planned.ok) throw new Error(planned.message);
  return planned.plan;
}

const measured = (phase: Measurement['phase'], at: number, value = '[1]'): Measurement => ({ phase, value, startedAt: iso(at - 5), finishedAt: iso(at) });

describe('scheduling', () => {
  test('first measurement after initialDelay; the next one interval after the last finished', () => {
    const m = plan({ interval: '10s', initialDelay: '5s', count: 3 });
    let status: AnalysisRunStatus = withPendingMetrics({ startedAt: iso(T0) }, [m]);
    assert.equal(nextMeasurementAt(m, status, T0), T0 + 5000);
    assert.deepEqual(dueMetrics([m], status, T0, T0 + 4999), []);
    assert.equal(dueMetrics([m], status, T0, T0 + 5000).length, 1);
    status = withMeasurement(status, m, measured('Successful', T0 + 5100));
    assert.equal(nextMeasurementAt(m, status, T0), T0 + 15_100);
    // "Restarted": the same status gives the same deadline; nothing is due before it.
    assert.deepEqual(dueMetrics([m], JSON.parse(JSON.stringify(status)) as AnalysisRunStatus, T0, T0 + 15_000), []);
    assert.equal(nextDeadline([m], status, T0), T0 + 15_100);
  });

  test('an Error is retried 10 s later, whatever the interval', () => {
    const m = plan({ interval: '1m', count: 2 });
    const status = withMeasurement(withPendingMetrics({}, [m]), m, measured('Error', T0));
    assert.equal(nextMeasurementAt(m, status, T0), T0 + 10_000);
  });

  test('a finished metric is never due again', () => {
    const m = plan();
    const status = withMeasurement(withPendingMetrics({}, [m]), m, measured('Successful', T0));
    assert.equal(status.metricResults?.[0]?.phase, 'Successful');
    assert.equal(nextMeasurementAt(m, status, T0), undefined);
    assert.equal(nextDeadline([m], status, T0), undefined);
  });

  test('a Running measurement (a Job) is looked at again at resumeAt and replaced, not appended', () => {
    const m = plan({ provider: { job: { spec: {} } } });
    let status = withMeasurement(withPendingMetrics({}, [m]), m, { phase: 'Running', startedAt: iso(T0), resumeAt: iso(T0 + 30_000), metadata: { 'job-name': 'j' } });
    assert.equal(status.metricResults?.[0]?.phase, 'Running');
    assert.equal(nextMeasurementAt(m, status, T0), T0 + 30_000);
    status = withMeasurement(status, m, { phase: 'Successful', startedAt: iso(T0), finishedAt: iso(T0 + 40_000), metadata: { 'job-name': 'j' } });
    assert.equal(status.metricResults?.[0]?.measurements?.length, 1);
    assert.equal(status.metricResults?.[0]?.phase, 'Successful');
  });
});

describe('status', () => {
  test('counters, the newest 10 measurements, and a message naming the value and the limit', () => {
    const m = plan({ interval: '1s', failureLimit: 11, successCondition: 'result[0] > 0.99' });
    let status = withPendingMetrics({}, [m]);
    for (let i = 0; i < 12; i++) status = withMeasurement(status, m, measured('Failed', T0 + i * 1000, `[0.${i}]`));
    const result = status.metricResults?.[0];
    assert.equal(result?.measurements?.length, 10);
    assert.equal(result?.measurements?.[9]?.value, '[0.11]');
    assert.equal(result?.failed, 12);
    assert.equal(result?.count, 12);
    assert.equal(result?.phase, 'Failed');
    assert.equal(result?.message, 'failed (12) > failureLimit (11); last value [0.11]; successCondition result[0] > 0.99');
  });

  test('the run: Running, then Failed with the metric in its message and completedAt set once', () => {
    const a = plan({ name: 'a', interval: '1s', count: 2 });
    const b = plan({ name: 'b' });
    let status = withRunPhase(withPendingMetrics({ startedAt: iso(T0) }, [a, b]), [a, b], T0, false);
    assert.equal(status.phase, 'Running');
    assert.equal(status.completedAt, undefined);
    status = withRunPhase(withMeasurement(status, b, measured('Failed', T0 + 1000, '[0.5]')), [a, b], T0 + 1000, false);
    assert.equal(status.phase, 'Failed');
    assert.match(status.message ?? '', /^Metric "b" assessed Failed due to failed \(1\) > failureLimit \(0\); last value \[0\.5\]/);
    assert.equal(status.completedAt, iso(T0 + 1000));
    assert.deepEqual(status.runSummary, { count: 2, successful: 0, failed: 1, inconclusive: 0, error: 0 });
    assert.equal(withRunPhase(status, [a, b], T0 + 5000, false).completedAt, iso(T0 + 1000));
  });

  test('terminate: unfinished metrics end Successful (Run Terminated); failures still count', () => {
    const a = plan({ name: 'a', interval: '1s' });
    let status = withMeasurement(withPendingMetrics({ startedAt: iso(T0) }, [a]), a, measured('Successful', T0));
    status = withRunPhase(status, [a], T0 + 1, true);
    assert.equal(status.phase, 'Successful');
    assert.equal(status.message, 'Run Terminated');
  });

  test('dry-run metrics are recorded in dryRunSummary and never fail the run', () => {
    const a = plan({ name: 'a' });
    const d = plan({ name: 'd' }, ['d']);
    let status = withPendingMetrics({}, [a, d]);
    status = withMeasurement(status, d, measured('Failed', T0));
    status = withMeasurement(status, a, measured('Successful', T0));
    status = withRunPhase(status, [a, d], T0, false);
    assert.equal(status.phase, 'Successful');
    assert.deepEqual(status.dryRunSummary, { count: 1, successful: 0, failed: 1, inconclusive: 0, error: 0 });
  });
});

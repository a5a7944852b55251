// An AnalysisRun's status as a pure function of (plans, status, measurements, now). Every
// deadline is derived from status (startedAt, the last measurement's finishedAt or resumeAt), so a
// restarted controller neither measures twice nor skips a measurement.
import type { AnalysisRunStatus, Measurement, MetricResult } from '../api/analysis.ts';
import { assessMetric, assessRun, countMeasurement, isCompleted, ZERO_COUNTERS, type Counters, type MeasuredPhase } from './assess.ts';
import { DEFAULTS, type MetricPlan } from './metric-plan.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

export function resultOf(status: AnalysisRunStatus | undefined, name: string): MetricResult | undefined {
  return status?.metricResults?.find((r) => r.name === name);
}

function lastMeasurement(result: MetricResult | undefined): Measurement | undefined {
  const list = result?.measurements ?? [];
  return list[list.length - 1];
}

/** When a metric should next be measured (ms), or undefined when it is done. */
export function nextMeasurementAt(plan: MetricPlan, status: AnalysisRunStatus, startedAt: number): number | undefined {
  const result = resultOf(status, plan.name);
  if (result !== undefined && isCompleted(result.phase)) return undefined;
  const last = lastMeasurement(result);
  if (last === undefined) return startedAt + plan.initialDelayMs;
  if (isUnderWay(last)) return last.resumeAt === undefined ? startedAt : Date.parse(last.resumeAt);
  const finished = Date.parse(last.finishedAt ?? last.startedAt ?? iso(startedAt));
  // An Error is retried after 10 s; otherwise the interval (none: count is 1, already reached).
  return finished + (last.phase === 'Error' ? DEFAULTS.errorRetryMs : (plan.intervalMs ?? 0));
}

const isUnderWay = (m: Measurement): boolean => m.phase === 'Running' || m.phase === 'Pending';

/** The metrics due at `now` (a Running measurement due means: look at it again). */
export function dueMetrics(plans: readonly MetricPlan[], status: AnalysisRunStatus, startedAt: number, now: number): MetricPlan[] {
  return plans.filter((plan) => {
    const at = nextMeasurementAt(plan, status, startedAt);
    return at !== undefined && at <= now;
  });
}

/** The earliest future deadline among unfinished metrics, for the requeue. */
export function nextDeadline(plans: readonly MetricPlan[], status: AnalysisRunStatus, startedAt: number): number | undefined {
  const times = plans.map((plan) => nextMeasurementAt(plan, status, startedAt)).filter((t): t is number => t !== undefined && Number.isFinite(t));
  return times.length === 0 ? undefined : Math.min(...times);
}

function countersOf(result: MetricResult | undefined): Counters {
  if (result === undefined) return ZERO_COUNTERS;
  return {
    count: result.count ?? 0,
    successful: result.successful ?? 0,
    failed: result.failed ?? 0,
    inconclusive: result.inconclusive ?? 0,
    error: result.error ?? 0,
    consecutiveError: result.consecutiveError ?? 0,
    consecutiveSuccess: result.consecutiveSuccess ?? 0,
  };
}

/**
 * Records a measurement. A Running one (a Job under way) replaces a Running last measurement of
 * the same metric; a completed one is counted. Keeps the newest `retention` measurements.
 */
export function withMeasurement(status: AnalysisRunStatus, plan: MetricPlan, measurement: Measurement): AnalysisRunStatus {
  const previous = resultOf(status, plan.name);
  const underWay = isUnderWay(measurement);
  const counters = underWay ? countersOf(previous) : countMeasurement(countersOf(previous), measurement.phase as MeasuredPhase);
  const assessed = assessMetric(plan, counters, { measuring: underWay, terminating: false });
  const result: MetricResult = {
    ...previous,
    name: plan.name,
    phase: assessed.phase,
    message: assessed.message === undefined ? undefined : withLastValue(assessed.message, plan, measurement),
    measurements: appended(previous?.measurements ?? [], measurement, plan.retention),
    ...counters,
    dryRun: plan.dryRun ? true : undefined,
  };
  return { ...status, metricResults: replaceResult(status.metricResults ?? [], withoutUndefined(result)) };
}

/** The new measurement replaces a last one still under way (a Job), else is appended; the newest `retention` kept. */
function appended(before: readonly Measurement[], measurement: Measurement, retention: number): Measurement[] {
  const last = before[before.length - 1];
  const kept = last !== undefined && isUnderWay(last) ? before.slice(0, -1) : before;
  return [...kept, measurement].slice(-retention);
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** "failed (1) > failureLimit (0); last value [0.82], successCondition result[0] >= 0.99". */
function withLastValue(message: string, plan: MetricPlan, measurement: Measurement): string {
  const parts = [message];
  if (measurement.value !== undefined) parts.push(`last value ${measurement.value}`);
  if (measurement.phase === 'Error' && measurement.message !== undefined) parts.push(`last error: ${measurement.message}`);
  if (plan.successCondition !== undefined) parts.push(`successCondition ${plan.successCondition.source}`);
  if (plan.failureCondition !== undefined) parts.push(`failureCondition ${plan.failureCondition.source}`);
  return parts.join('; ');
}

function replaceResult(results: readonly MetricResult[], result: MetricResult): MetricResult[] {
  const index = results.findIndex((r) => r.name === result.name);
  if (index < 0) return [...results, result];
  return results.map((r, i) => (i === index ? result : r));
}

/** Every planned metric present in status (Pending until measured), in spec order. */
export function withPendingMetrics(status: AnalysisRunStatus, plans: readonly MetricPlan[]): AnalysisRunStatus {
  const results = plans.map(
    (plan) => resultOf(status, plan.name) ?? { name: plan.name, phase: 'Pending' as const, ...(plan.dryRun ? { dryRun: true } : {}) },
  );
  return { ...status, metricResults: results };
}

/**
 * The run's phase, message, summaries and completedAt. With `terminating`, metrics still under way
 * end Successful unless their counters say otherwise (Argo: "Run Terminated").
 */
export function withRunPhase(status: AnalysisRunStatus, plans: readonly MetricPlan[], now: number, terminating: boolean): AnalysisRunStatus {
  let results = status.metricResults ?? [];
  if (terminating) {
    results = results.map((r) => {
      if (isCompleted(r.phase)) return r;
      const plan = plans.find((p) => p.name === r.name);
      if (plan === undefined) return r;
      const assessed = assessMetric(plan, countersOf(r), { measuring: false, terminating: true });
      return { ...r, phase: assessed.phase, ...(assessed.message === undefined ? {} : { message: assessed.message }) };
    });
  }
  const run = assessRun(results);
  const summary = (dry: boolean): NonNullable<AnalysisRunStatus['runSummary']> => {
    const chosen = results.filter((r) => (r.dryRun === true) === dry);
    const n = (phase: string): number => chosen.filter((r) => r.phase === phase).length;
    return { count: chosen.length, successful: n('Successful'), failed: n('Failed'), inconclusive: n('Inconclusive'), error: n('Error') };
  };
  const completed = isCompleted(run.phase);
  const message = run.message ?? (terminating && completed ? 'Run Terminated' : undefined);
  const next: AnalysisRunStatus = {
    ...status,
    metricResults: results,
    phase: run.phase,
    runSummary: summary(false),
    ...(results.some((r) => r.dryRun === true) ? { dryRunSummary: summary(true) } : {}),
  };
  const withMessage: AnalysisRunStatus = message === undefined ? withoutKey(next, 'message') : { ...next, message };
  if (!completed) return withoutKey(withMessage, 'completedAt');
  return { ...withMessage, completedAt: status.completedAt ?? iso(now) };
}

function withoutKey<K extends keyof AnalysisRunStatus>(status: AnalysisRunStatus, key: K): AnalysisRunStatus {
  const copy = { ...status };
  delete copy[key];
  return copy;
}

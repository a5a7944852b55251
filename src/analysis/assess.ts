// Argo Rollouts' assessment rules, pure: one provider outcome → one measurement phase; a metric's
// counters → its phase; the metrics → the run's phase and message.
import type { AnalysisPhase, MetricResult } from '../api/analysis.ts';
import { evaluateCondition } from './expr/index.ts';
import type { MetricPlan } from './metric-plan.ts';
import type { ProviderOutcome } from './provider.ts';

export type MeasuredPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

export interface Assessed {
  readonly phase: MeasuredPhase;
  readonly value?: string;
  readonly message?: string;
}

/** An empty vector, NaN, nothing at all, or a vector of NaNs (a ratio over no traffic). */
export function isEmptyResult(result: unknown): boolean {
  if (result === undefined || result === null) return true;
  if (typeof result === 'number') return Number.isNaN(result);
  if (Array.isArray(result)) return result.every((item) => typeof item === 'number' && Number.isNaN(item));
  return false;
}

/**
 * One measurement. No conditions → Successful; only successCondition → Failed when false; only
 * failureCondition → Successful when false; both set and neither true → Inconclusive; a true
 * failureCondition wins over a true successCondition; an evaluation or provider error → Error.
 * With `emptyResult` set, an empty or NaN result takes that phase before any condition runs.
 */
export function assessMeasurement(metric: MetricPlan, outcome: ProviderOutcome): Assessed {
  if (!outcome.ok) return { phase: 'Error', message: outcome.message };
  const { result, value } = outcome;
  if (metric.emptyResult !== undefined && isEmptyResult(result)) {
    return { phase: metric.emptyResult, value, message: `empty result (${value}): emptyResult is ${metric.emptyResult}` };
  }
  const success = runCondition(metric.successCondition, result);
  const failure = runCondition(metric.failureCondition, result);
  for (const verdict of [success, failure]) if (typeof verdict === 'string') return { phase: 'Error', value, message: verdict };
  return { phase: combine(success as boolean | undefined, failure as boolean | undefined), value };
}

/** true/false, an error message, or undefined when the condition is not set. */
function runCondition(condition: MetricPlan['successCondition'], result: unknown): boolean | string | undefined {
  if (condition === undefined) return undefined;
  const evaluated = evaluateCondition(condition.program, { result });
  return evaluated.ok ? evaluated.value : `${condition.source}: ${evaluated.message}`;
}

function combine(success: boolean | undefined, failure: boolean | undefined): MeasuredPhase {
  if (success === undefined && failure === undefined) return 'Successful';
  const failed = failure ?? success === false;
  const succeeded = success ?? failure === false;
  if (failed) return 'Failed';
  return succeeded ? 'Successful' : 'Inconclusive';
}

export interface Counters {
  readonly count: number;
  readonly successful: number;
  readonly failed: number;
  readonly inconclusive: number;
  readonly error: number;
  readonly consecutiveError: number;
  readonly consecutiveSuccess: number;
}

export const ZERO_COUNTERS: Counters = { count: 0, successful: 0, failed: 0, inconclusive: 0, error: 0, consecutiveError: 0, consecutiveSuccess: 0 };

/**
 * Counters after one more completed measurement. An Error does not count toward `count`: it is
 * retried (after 10 s) until consecutiveErrorLimit, so errors alone can never complete a metric
 * as Successful (missing metrics never promote a canary).
 */
export function countMeasurement(counters: Counters, phase: MeasuredPhase): Counters {
  if (phase === 'Error') return { ...counters, error: counters.error + 1, consecutiveError: counters.consecutiveError + 1 };
  return {
    ...counters,
    count: counters.count + 1,
    consecutiveError: 0,
    successful: counters.successful + (phase === 'Successful' ? 1 : 0),
    failed: counters.failed + (phase === 'Failed' ? 1 : 0),
    inconclusive: counters.inconclusive + (phase === 'Inconclusive' ? 1 : 0),
    consecutiveSuccess: phase === 'Successful' ? counters.consecutiveSuccess + 1 : 0,
  };
}

export interface MetricAssessment {
  readonly phase: AnalysisPhase;
  /** Why a metric ended Failed, Error or Inconclusive, in Argo's words. */
  readonly message?: string;
}

/** A metric's phase from its counters (Argo's assessMetricStatus). */
export function assessMetric(metric: MetricPlan, counters: Counters, options: { readonly measuring: boolean; readonly terminating: boolean }): MetricAssessment {
  const ended = limitReached(metric, counters);
  if (ended !== undefined) return ended;
  if (metric.consecutiveSuccessLimit > 0 && counters.consecutiveSuccess >= metric.consecutiveSuccessLimit) return { phase: 'Successful' };
  if (metric.count !== undefined && counters.count >= metric.count) return { phase: 'Successful' };
  if (options.terminating && !options.measuring) return { phase: 'Successful' };
  return { phase: options.measuring || counters.count + counters.error > 0 ? 'Running' : 'Pending' };
}

/** Failed, Inconclusive or Error by the metric's limits, or undefined. */
function limitReached(metric: MetricPlan, counters: Counters): MetricAssessment | undefined {
  if (metric.failureLimit >= 0 && counters.failed > metric.failureLimit) {
    return { phase: 'Failed', message: `failed (${counters.failed}) > failureLimit (${metric.failureLimit})` };
  }
  if (metric.inconclusiveLimit >= 0 && counters.inconclusive > metric.inconclusiveLimit) {
    return { phase: 'Inconclusive', message: `inconclusive (${counters.inconclusive}) > inconclusiveLimit (${metric.inconclusiveLimit})` };
  }
  if (counters.consecutiveError > metric.consecutiveErrorLimit) {
    return { phase: 'Error', message: `consecutiveErrors (${counters.consecutiveError}) > consecutiveErrorLimit (${metric.consecutiveErrorLimit})` };
  }
  return undefined;
}

/** Argo's order: the worst metric decides the run. */
const SEVERITY: Readonly<Record<AnalysisPhase, number>> = { Successful: 0, Running: 1, Pending: 2, Inconclusive: 3, Error: 4, Failed: 5 };

export function isCompleted(phase: AnalysisPhase | undefined): boolean {
  return phase === 'Successful' || phase === 'Failed' || phase === 'Error' || phase === 'Inconclusive';
}

export interface RunAssessment {
  readonly phase: AnalysisPhase;
  readonly message?: string;
}

/**
 * The run's phase: the worst non-dry-run metric. A run is complete when a metric ends Failed,
 * Error or Inconclusive (the others are not waited for) or when every metric is Successful.
 */
export function assessRun(results: readonly Pick<MetricResult, 'name' | 'phase' | 'message' | 'dryRun'>[]): RunAssessment {
  const deciding = results.filter((r) => r.dryRun !== true);
  // Only dry-run metrics: the run succeeds once they have all finished.
  if (deciding.length === 0) return { phase: results.every((r) => isCompleted(r.phase)) ? 'Successful' : 'Running' };
  const worst = deciding.reduce((a, b) => (SEVERITY[b.phase] > SEVERITY[a.phase] ? b : a));
  if (worst.phase === 'Successful') return { phase: 'Successful' };
  if (!isCompleted(worst.phase)) return { phase: 'Running' };
  return { phase: worst.phase, message: `Metric "${worst.name}" assessed ${worst.phase} due to ${worst.message ?? worst.phase.toLowerCase()}` };
}

// AnalysisRuns as the metrics' plain samples (metrics/sources.ts), read from the controller's
// cache at scrape time: per rollout, the newest run's phase and each metric's latest value and
// threshold. Labels name the rollout and the metric, never the run (its name carries a hash).
// Pure.
import type { AnalysisRun, Measurement, MetricProvider } from '../api/analysis.ts';
import type { KubeObject } from '../kube/object.ts';
import type { AnalysisMetricSample, AnalysisSample } from '../metrics/sources.ts';
import { substituteCondition } from './args.ts';
import { plainArgs } from './run-args.ts';

type RunObject = KubeObject & AnalysisRun;

/** The Rollout that owns a run, "" when none does. */
export function rolloutOf(run: KubeObject): string {
  return run.metadata.ownerReferences?.find((o) => o.kind === 'Rollout')?.name ?? '';
}

export function providerOf(provider: MetricProvider): string {
  return Object.keys(provider)[0] ?? 'unknown';
}

/** One sample per (namespace, rollout): its newest run. */
export function analysisSamples(runs: Iterable<RunObject>): AnalysisSample[] {
  const newest = new Map<string, RunObject>();
  for (const run of runs) {
    const key = `${run.metadata.namespace ?? ''}/${rolloutOf(run)}`;
    const seen = newest.get(key);
    if (seen === undefined || createdAt(run) >= createdAt(seen)) newest.set(key, run);
  }
  return [...newest.values()].map(sampleOf);
}

const createdAt = (run: RunObject): string => run.metadata.creationTimestamp ?? '';

function sampleOf(run: RunObject): AnalysisSample {
  const args = plainArgs(run.spec.args);
  const results = new Map((run.status?.metricResults ?? []).map((r) => [r.name, r]));
  const metrics = run.spec.metrics.map((metric): AnalysisMetricSample => {
    const last = results.get(metric.name)?.measurements?.findLast((m) => m.value !== undefined);
    return {
      metric: metric.name,
      provider: providerOf(metric.provider),
      value: numericValue(last),
      success: threshold(metric.successCondition, args),
      failure: threshold(metric.failureCondition, args),
    };
  });
  return { namespace: run.metadata.namespace ?? '', rollout: rolloutOf(run), phase: run.status?.phase ?? 'Pending', metrics };
}

/** "0.97", "[0.97]" (a one-element vector) → 0.97; anything else is not a number. */
export function numericValue(measurement: Measurement | undefined): number | undefined {
  const only = singleElement(measurement?.value?.trim() ?? '');
  const value = only === '' ? Number.NaN : Number(only);
  return Number.isFinite(value) ? value : undefined;
}

/** The text itself, or the one element of "[x]"; "" for anything else. */
function singleElement(text: string): string {
  if (!(text.startsWith('[') && text.endsWith(']'))) return text;
  const inner = text.slice(1, -1).split(',');
  return inner.length === 1 ? (inner[0] ?? '').trim() : '';
}

const NUMBER = String.raw`(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)`;
const RESULT = String.raw`(?:result(?:\[0\])?|asFloat\(result(?:\[0\])?\))`;
const OP = '(>=|<=|>|<|==)';
const RESULT_FIRST = new RegExp(String.raw`^\s*${RESULT}\s*${OP}\s*${NUMBER}\s*$`);
const NUMBER_FIRST = new RegExp(String.raw`^\s*${NUMBER}\s*${OP}\s*${RESULT}\s*$`);

/** The number in `result[0] >= 0.95` (or `0.95 <= result`), after argument substitution; else undefined. */
export function threshold(condition: string | undefined, args: Parameters<typeof substituteCondition>[1]): number | undefined {
  if (condition === undefined) return undefined;
  const substituted = substituteCondition(condition, args);
  if (!substituted.ok) return undefined;
  const match = RESULT_FIRST.exec(substituted.text);
  const value = match?.[2] ?? NUMBER_FIRST.exec(substituted.text)?.[1];
  return value === undefined ? undefined : Number(value);
}

// A metric as the run controller uses it: Argo's defaults applied, durations in ms, limits as
// numbers (they may be written as "{{args.x}}" strings), conditions compiled. Pure; a metric
// that cannot be planned is a problem naming the field, never an exception.
import type { EmptyResultPhase, Metric, MetricProvider } from '../api/analysis.ts';
import { parseDurationSeconds } from '../api/duration.ts';
import { substituteCondition, substituteText, type ArgValue } from './args.ts';
import { compileCondition, type Program } from './expr/index.ts';

export interface MetricPlan {
  readonly name: string;
  /** ms between measurements; undefined: measure once (or `count` times back to back is refused). */
  readonly intervalMs?: number;
  readonly initialDelayMs: number;
  /** Measurements to take; undefined: until the run is terminated. */
  readonly count?: number;
  /** -1: never fail on failed measurements. */
  readonly failureLimit: number;
  readonly inconclusiveLimit: number;
  readonly consecutiveErrorLimit: number;
  /** 0: off. */
  readonly consecutiveSuccessLimit: number;
  readonly successCondition?: { readonly source: string; readonly program: Program };
  readonly failureCondition?: { readonly source: string; readonly program: Program };
  readonly emptyResult?: EmptyResultPhase;
  readonly provider: MetricProvider;
  readonly dryRun: boolean;
  /** Measurements kept in status. */
  readonly retention: number;
}

export const DEFAULTS = {
  failureLimit: 0,
  inconclusiveLimit: 0,
  consecutiveErrorLimit: 4,
  consecutiveSuccessLimit: 0,
  /** Argo's DefaultErrorRetryInterval. */
  errorRetryMs: 10_000,
  /** Argo's DefaultMeasurementHistoryLimit. */
  retention: 10,
} as const;

export interface MetricOptions {
  readonly dryRun: readonly { readonly metricName: string }[];
  readonly measurementRetention: readonly { readonly metricName: string; readonly limit: number }[];
  /** Non-secret argument values, for limits and counts written as {{args.x}}. */
  readonly args: Readonly<Record<string, ArgValue>>;
}

export type Planned = { readonly ok: true; readonly plan: MetricPlan } | { readonly ok: false; readonly message: string };

type IntField = 'count' | 'failureLimit' | 'inconclusiveLimit' | 'consecutiveErrorLimit' | 'consecutiveSuccessLimit';

export function planMetric(metric: Metric, options: MetricOptions): Planned {
  const problems: string[] = [];
  const intervalMs = durationMs(metric, 'interval', problems);
  const initialDelayMs = durationMs(metric, 'initialDelay', problems) ?? 0;
  const limit = (field: Exclude<IntField, 'count'>): number => integer(metric, field, options.args, problems) ?? DEFAULTS[field];
  const count = effectiveCount(integer(metric, 'count', options.args, problems), intervalMs, problems);
  problems.push(...providerProblems(metric));
  const plan: MetricPlan = {
    name: metric.name,
    ...optional('intervalMs', intervalMs),
    initialDelayMs,
    ...optional('count', count),
    failureLimit: limit('failureLimit'),
    inconclusiveLimit: limit('inconclusiveLimit'),
    consecutiveErrorLimit: limit('consecutiveErrorLimit'),
    consecutiveSuccessLimit: limit('consecutiveSuccessLimit'),
    ...optional('successCondition', condition(metric, 'successCondition', options.args, problems)),
    ...optional('failureCondition', condition(metric, 'failureCondition', options.args, problems)),
    ...optional('emptyResult', metric.emptyResult),
    provider: metric.provider,
    dryRun: options.dryRun.some((d) => nameMatches(d.metricName, metric.name)),
    retention: options.measurementRetention.find((r) => nameMatches(r.metricName, metric.name))?.limit ?? DEFAULTS.retention,
  };
  if (problems.length > 0) return { ok: false, message: `metric "${metric.name}": ${problems.join('; ')}` };
  return { ok: true, plan };
}

/** Argo: neither count nor interval → one measurement; interval only → until terminated. */
function effectiveCount(count: number | undefined, intervalMs: number | undefined, problems: string[]): number | undefined {
  if (count === undefined || count === 0) return intervalMs === undefined ? 1 : undefined;
  if (count > 1 && intervalMs === undefined) problems.push(`count ${count} needs an interval`);
  return count;
}

function providerProblems(metric: Metric): string[] {
  const providers = Object.keys(metric.provider);
  if (providers.length === 1) return [];
  return [`provider must name exactly one of prometheus, web, job (found ${providers.length === 0 ? 'none' : providers.join(', ')})`];
}

function durationMs(metric: Metric, field: 'interval' | 'initialDelay', problems: string[]): number | undefined {
  const value = metric[field];
  if (value === undefined) return undefined;
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined) problems.push(`${field} "${value}" is not a duration`);
  return seconds === undefined ? undefined : seconds * 1000;
}

/** An IntOrString field: a number, or a string of digits, possibly written as {{args.x}}. */
function integer(metric: Metric, field: IntField, args: MetricOptions['args'], problems: string[]): number | undefined {
  const raw = metric[field];
  if (raw === undefined) return undefined;
  const substituted = substituteText(String(raw), args);
  if (!substituted.ok) {
    problems.push(`${field}: ${substituted.message}`);
    return undefined;
  }
  const text = substituted.text.trim();
  if (!/^-?\d+$/.test(text)) {
    problems.push(`${field} "${text}" is not an integer`);
    return undefined;
  }
  const value = Number.parseInt(text, 10);
  const min = field === 'failureLimit' || field === 'inconclusiveLimit' ? -1 : 0;
  if (value < min) problems.push(`${field} ${value} is below ${min}`);
  return value;
}

/** Compiled, with non-secret {{args.x}} substituted first (thresholds are often arguments). */
function condition(metric: Metric, field: 'successCondition' | 'failureCondition', args: MetricOptions['args'], problems: string[]): MetricPlan['successCondition'] {
  const written = metric[field];
  if (written === undefined || written.trim() === '') return undefined;
  const substituted = substituteCondition(written, args);
  if (!substituted.ok) {
    problems.push(`${field}: ${substituted.message}`);
    return undefined;
  }
  const source = substituted.text;
  const compiled = compileCondition(source);
  if (!compiled.ok) {
    problems.push(`${field} "${source}" does not parse: ${compiled.message}`);
    return undefined;
  }
  return { source, program: compiled.program };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Argo's dryRun / measurementRetention matching: "*", an exact name, or a regular expression. */
export function nameMatches(pattern: string, name: string): boolean {
  if (pattern === '*' || pattern === name) return true;
  try {
    return new RegExp(`^(?:${pattern})$`, 'u').test(name);
  } catch {
    return false;
  }
}

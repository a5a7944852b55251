// An AnalysisRun's spec from the templates a Rollout names and the arguments it passes (Argo's
// NewAnalysisRunFromTemplates / MergeArgs): metrics concatenated, template arguments merged with
// their defaults, the Rollout's values on top. Secret arguments stay references. Pure.
import type { AnalysisRunSpec, AnalysisTemplateSpec, Argument, Metric } from '../api/analysis.ts';
import { planMetric, type MetricOptions } from './metric-plan.ts';
import { plainArgs } from './run-args.ts';

export interface TemplateSource {
  readonly kind: 'AnalysisTemplate' | 'ClusterAnalysisTemplate';
  readonly name: string;
  readonly spec: AnalysisTemplateSpec;
}

/** A Rollout-side argument, already resolved (podTemplateHashValue and fieldRef are values now). */
export type SuppliedArg = Argument;

export type BuiltRunSpec = { readonly ok: true; readonly spec: AnalysisRunSpec } | { readonly ok: false; readonly message: string };

export interface RunSpecExtras {
  readonly dryRun?: AnalysisRunSpec['dryRun'];
  readonly measurementRetention?: AnalysisRunSpec['measurementRetention'];
}

export function buildRunSpec(templates: readonly TemplateSource[], supplied: readonly SuppliedArg[], extras: RunSpecExtras = {}): BuiltRunSpec {
  const problems: string[] = [];
  for (const template of templates) {
    if ((template.spec.templates ?? []).length > 0) problems.push(`${template.kind} "${template.name}" composes other templates (templates[]), which Sluice does not support yet`);
  }
  const args = mergeArgs(templates, supplied, problems);
  problems.push(...args.flatMap(argProblem));
  const metrics = templates.flatMap((t) => t.spec.metrics);
  const { dryRun, measurementRetention } = mergedExtras(templates, extras);
  problems.push(...metricProblems(metrics, { dryRun, measurementRetention, args: plainArgs(args) }));
  if (problems.length > 0) return { ok: false, message: problems.join('; ') };
  return {
    ok: true,
    spec: {
      metrics,
      ...(args.length === 0 ? {} : { args }),
      ...(dryRun.length === 0 ? {} : { dryRun }),
      ...(measurementRetention.length === 0 ? {} : { measurementRetention }),
    },
  };
}

function mergedExtras(templates: readonly TemplateSource[], extras: RunSpecExtras): Required<{ [K in keyof RunSpecExtras]: NonNullable<RunSpecExtras[K]> }> {
  return {
    dryRun: [...templates.flatMap((t) => t.spec.dryRun ?? []), ...(extras.dryRun ?? [])],
    measurementRetention: [...templates.flatMap((t) => t.spec.measurementRetention ?? []), ...(extras.measurementRetention ?? [])],
  };
}

/** Template arguments (first default wins; conflicting defaults are a problem), the Rollout's values on top. */
function mergeArgs(templates: readonly TemplateSource[], supplied: readonly SuppliedArg[], problems: string[]): Argument[] {
  const declared = new Map<string, Argument>();
  for (const arg of templates.flatMap((t) => t.spec.args ?? [])) {
    const previous = declared.get(arg.name);
    if (previous === undefined || !hasValue(previous)) declared.set(arg.name, arg);
    else if (hasValue(arg) && previous.value !== arg.value) problems.push(`argument ${arg.name} has different default values in the templates`);
  }
  // Argo ignores arguments a template does not declare; so do we (a shared args list is common).
  for (const arg of supplied) if (declared.has(arg.name)) declared.set(arg.name, arg.value === undefined ? { name: arg.name, ...optionalValueFrom(arg) } : { name: arg.name, value: arg.value });
  return [...declared.values()];
}

const hasValue = (arg: Argument): boolean => arg.value !== undefined || arg.valueFrom !== undefined;

function optionalValueFrom(arg: Argument): Pick<Argument, 'valueFrom'> {
  return arg.valueFrom === undefined ? {} : { valueFrom: arg.valueFrom };
}

function argProblem(arg: Argument): string[] {
  if (arg.valueFrom?.fieldRef !== undefined || arg.valueFrom?.podTemplateHashValue !== undefined) {
    return [`argument ${arg.name}: valueFrom.${arg.valueFrom.fieldRef === undefined ? 'podTemplateHashValue' : 'fieldRef'} is only resolved in a Rollout's args`];
  }
  if (arg.value === undefined && arg.valueFrom?.secretKeyRef === undefined) return [`argument ${arg.name} has no value: pass it in the Rollout's analysis args`];
  return [];
}

/** Unique names, and every metric plans (conditions parse, limits are integers) before a run exists. */
function metricProblems(metrics: readonly Metric[], options: MetricOptions): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const metric of metrics) {
    if (names.has(metric.name)) problems.push(`metric name "${metric.name}" appears twice across the templates`);
    names.add(metric.name);
    const planned = planMetric(metric, options);
    if (!planned.ok) problems.push(planned.message);
  }
  return problems;
}

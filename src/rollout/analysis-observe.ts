// The Rollout's analysis as the machine and the executor need it, read from the caches: its
// AnalysisRuns (as views) and the AnalysisRun spec of each analysis step and of the background
// analysis — templates looked up, the Rollout's arguments resolved (podTemplateHashValue,
// fieldRef; secret ones stay references). Missing templates or unresolvable arguments are spec
// problems (InvalidSpec), found before any run is created. Pure.
import type { AnalysisRun, AnalysisRunSpec, AnalysisTemplateSpec, Argument } from '../api/analysis.ts';
import { POD_TEMPLATE_HASH_LABEL, ROLLOUT_TYPE_LABEL, STEP_INDEX_LABEL } from '../api/names.ts';
import type { AnalysisRunArgument, RolloutAnalysis } from '../api/rollout.ts';
import type { KubeObject } from '../kube/object.ts';
import { buildRunSpec, type TemplateSource } from '../analysis/run-spec.ts';
import type { SpecProblem } from './context.ts';
import type { AnalysisRunView } from './observations.ts';
import type { RolloutObject } from './rollout-object.ts';

export type AnalysisRunObject = KubeObject & AnalysisRun;
export type AnalysisTemplateObject = KubeObject & { readonly spec: AnalysisTemplateSpec };

export interface AnalysisCache {
  analysisRunsOf(rollout: RolloutObject): readonly AnalysisRunObject[];
  analysisTemplate(namespace: string, name: string): AnalysisTemplateObject | undefined;
  clusterAnalysisTemplate(name: string): AnalysisTemplateObject | undefined;
}

export interface AnalysisSpecs {
  /** By step index. */
  readonly steps: ReadonlyMap<number, AnalysisRunSpec>;
  readonly background?: AnalysisRunSpec;
  /** analysisRunMetadata of each, for the runs' labels and annotations. */
  readonly metadata: ReadonlyMap<number | 'background', RolloutAnalysis['analysisRunMetadata']>;
}

const PHASES = new Set(['Pending', 'Running', 'Successful', 'Failed', 'Error', 'Inconclusive']);

export function analysisRunViews(runs: readonly AnalysisRunObject[]): AnalysisRunView[] {
  return runs.flatMap((run) => {
    const labels = run.metadata.labels ?? {};
    const type = labels[ROLLOUT_TYPE_LABEL];
    const podHash = labels[POD_TEMPLATE_HASH_LABEL];
    if ((type !== 'Step' && type !== 'Background') || podHash === undefined) return [];
    return [{ name: run.metadata.name, type, podHash, ...runState(run), ...stepOf(labels) }];
  });
}

function runState(run: AnalysisRunObject): Pick<AnalysisRunView, 'phase' | 'message' | 'terminate' | 'createdAt'> {
  const phase = run.status?.phase ?? 'Pending';
  const message = run.status?.message;
  return {
    phase: PHASES.has(phase) ? phase : 'Pending',
    terminate: run.spec.terminate === true,
    createdAt: Date.parse(run.metadata.creationTimestamp ?? '') || 0,
    ...(message === undefined ? {} : { message }),
  };
}

function stepOf(labels: Readonly<Record<string, string>>): Pick<AnalysisRunView, 'stepIndex'> {
  const stepIndex = Number.parseInt(labels[STEP_INDEX_LABEL] ?? '', 10);
  return Number.isInteger(stepIndex) ? { stepIndex } : {};
}

interface Context {
  readonly rollout: RolloutObject;
  readonly podHash: string;
  readonly stableHash: string | undefined;
  readonly cache: AnalysisCache;
}

export function analysisSpecs(ctx: Context, problems: SpecProblem[]): AnalysisSpecs {
  const canary = ctx.rollout.spec.strategy?.canary;
  const steps = new Map<number, AnalysisRunSpec>();
  const metadata = new Map<number | 'background', RolloutAnalysis['analysisRunMetadata']>();
  (canary?.steps ?? []).forEach((step, index) => {
    if (step.analysis === undefined) return;
    const spec = specFor(ctx, step.analysis, `spec.strategy.canary.steps[${index}].analysis`, problems);
    if (spec !== undefined) steps.set(index, spec);
    metadata.set(index, step.analysis.analysisRunMetadata);
  });
  const background = canary?.analysis === undefined ? undefined : specFor(ctx, canary.analysis, 'spec.strategy.canary.analysis', problems);
  if (canary?.analysis !== undefined) metadata.set('background', canary.analysis.analysisRunMetadata);
  return { steps, metadata, ...(background === undefined ? {} : { background }) };
}

function specFor(ctx: Context, analysis: RolloutAnalysis, field: string, problems: SpecProblem[]): AnalysisRunSpec | undefined {
  const refs = analysis.templates ?? [];
  const templates = refs.flatMap((ref, index) => templateFor(ctx, ref, `${field}.templates[${index}]`, problems));
  if (templates.length !== refs.length) return undefined;
  const args: Argument[] = [];
  for (const arg of analysis.args ?? []) {
    const resolved = resolveArg(ctx, arg);
    if ('problem' in resolved) problems.push({ field: `${field}.args`, message: resolved.problem });
    else args.push(resolved.arg);
  }
  const built = buildRunSpec(templates, args, {
    ...(analysis.dryRun === undefined ? {} : { dryRun: analysis.dryRun }),
    ...(analysis.measurementRetention === undefined ? {} : { measurementRetention: analysis.measurementRetention }),
  });
  if (!built.ok) {
    problems.push({ field, message: built.message });
    return undefined;
  }
  return built.spec;
}

function templateFor(ctx: Context, ref: NonNullable<RolloutAnalysis['templates']>[number], field: string, problems: SpecProblem[]): TemplateSource[] {
  const namespace = ctx.rollout.metadata.namespace ?? 'default';
  const name = ref.templateName ?? '';
  const cluster = ref.clusterScope === true;
  const found = cluster ? ctx.cache.clusterAnalysisTemplate(name) : ctx.cache.analysisTemplate(namespace, name);
  if (found !== undefined) return [{ kind: cluster ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate', name, spec: found.spec }];
  problems.push({ field, message: cluster ? `ClusterAnalysisTemplate "${name}" not found` : `AnalysisTemplate "${name}" not found in namespace ${namespace}` });
  return [];
}

function resolveArg(ctx: Context, arg: AnalysisRunArgument): { arg: Argument } | { problem: string } {
  const from = arg.valueFrom;
  if (from === undefined) return { arg: { name: arg.name, ...(arg.value === undefined ? {} : { value: arg.value }) } };
  if (from.secretKeyRef !== undefined) return { arg: { name: arg.name, valueFrom: { secretKeyRef: from.secretKeyRef } } };
  if (from.podTemplateHashValue !== undefined) {
    const hash = from.podTemplateHashValue === 'Stable' ? (ctx.stableHash ?? ctx.podHash) : ctx.podHash;
    return { arg: { name: arg.name, value: hash } };
  }
  const path = from.fieldRef?.fieldPath ?? '';
  const value = fieldAt(ctx.rollout, path);
  return value === undefined ? { problem: `argument ${arg.name}: fieldRef ${path} has no value in this Rollout` } : { arg: { name: arg.name, value } };
}

/** A field of the Rollout by a Kubernetes fieldPath: `metadata.name`, `metadata.labels['app']`, `spec.template.metadata.labels.app`. */
export function fieldAt(object: unknown, path: string): string | undefined {
  const segments = [...path.matchAll(/([^.[\]]+)|\['([^']*)'\]|\["([^"]*)"\]/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
  let value: unknown = object;
  for (const segment of segments) {
    const own = typeof value === 'object' && value !== null && Object.hasOwn(value, segment);
    value = own ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return ['string', 'number', 'boolean'].includes(typeof value) ? String(value) : undefined;
}

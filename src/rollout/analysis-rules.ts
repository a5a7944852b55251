// The rollout machine's analysis rules (Argo's rollout/analysis.go), pure. A step analysis blocks
// its step: Successful → next step; Failed or Error → abort; Inconclusive → paused with
// InconclusiveAnalysisRun until promoted (continue) or aborted. Background analysis runs from
// startingStep to the end of the update with the same reactions. Runs are terminated when the
// update is promoted, aborted or superseded, and pruned to the Rollout's history limits.
import type { MachineContext } from './context.ts';
import type { Effect } from './effects.ts';
import type { AnalysisRunView } from './observations.ts';
import type { RolloutPlan } from './plan.ts';
import { withCondition, type AnalysisRunRef, type MachineStatus } from './status.ts';

export const INCONCLUSIVE_REASON = 'InconclusiveAnalysisRun';
const COMPLETED = new Set(['Successful', 'Failed', 'Error', 'Inconclusive']);
const iso = (ms: number): string => new Date(ms).toISOString();

export interface Outcome {
  readonly status: MachineStatus;
  readonly effects: readonly Effect[];
}

const runs = (ctx: MachineContext): readonly AnalysisRunView[] => ctx.observations.analysisRuns ?? [];
const stepIndex = (ctx: MachineContext): number => ctx.status.currentStepIndex ?? 0;
export const isCompletedRun = (run: AnalysisRunView): boolean => COMPLETED.has(run.phase);

function planOf(ctx: MachineContext): RolloutPlan {
  if (ctx.plan === undefined) throw new Error('rollout machine: no plan in a state that needs one');
  return ctx.plan;
}

type Kind = 'Step' | 'Background';

function refOf(ctx: MachineContext, kind: Kind): AnalysisRunRef | undefined {
  return kind === 'Step' ? ctx.status.canary?.currentStepAnalysisRunStatus : ctx.status.canary?.currentBackgroundAnalysisRunStatus;
}

/**
 * The run this step (or the background analysis) waits on: the one status names, or else an
 * unfinished run of the same revision and step that an interrupted reconcile created.
 * `named` without `run`: created, not in the cache yet.
 */
export function currentRun(ctx: MachineContext, kind: Kind): { readonly run?: AnalysisRunView; readonly named: boolean } {
  const plan = planOf(ctx);
  const ref = refOf(ctx, kind);
  if (ref !== undefined) {
    const run = runs(ctx).find((r) => r.name === ref.name);
    return run === undefined ? { named: true } : { run, named: true };
  }
  const adopted = runs(ctx).find(
    (r) => r.type === kind && r.podHash === plan.podHash && !r.terminate && !isCompletedRun(r) && (kind === 'Background' || r.stepIndex === stepIndex(ctx)),
  );
  return adopted === undefined ? { named: false } : { run: adopted, named: false };
}

export function backgroundActive(ctx: MachineContext): boolean {
  const start = ctx.plan?.backgroundAnalysis?.startingStep;
  return start !== undefined && ctx.plan?.podHash !== ctx.status.stableRS && stepIndex(ctx) >= start;
}

/** A run the update waits on has failed or errored: the update is aborted. */
export function failedRun(ctx: MachineContext, atAnalysisStep: boolean): AnalysisRunView | undefined {
  const candidates: (AnalysisRunView | undefined)[] = [];
  if (atAnalysisStep) candidates.push(currentRun(ctx, 'Step').run);
  if (backgroundActive(ctx)) candidates.push(currentRun(ctx, 'Background').run);
  return candidates.find((run) => run !== undefined && (run.phase === 'Failed' || run.phase === 'Error'));
}

function runName(ctx: MachineContext, kind: Kind, revision: number): string {
  const plan = planOf(ctx);
  const base = `${plan.name}-${plan.podHash}-${revision}${kind === 'Step' ? `-${stepIndex(ctx)}` : ''}`;
  const taken = new Set(runs(ctx).map((r) => r.name));
  if (!taken.has(base)) return base;
  let n = 1;
  while (taken.has(`${base}.${n}`)) n++;
  return `${base}.${n}`;
}

function withRef(status: MachineStatus, kind: Kind, ref: AnalysisRunRef | undefined): MachineStatus {
  const key = kind === 'Step' ? 'currentStepAnalysisRunStatus' : 'currentBackgroundAnalysisRunStatus';
  const canary = { ...status.canary };
  if (ref === undefined) delete canary[key];
  else canary[key] = ref;
  return { ...status, canary };
}

function refFor(run: AnalysisRunView): AnalysisRunRef {
  return { name: run.name, status: run.phase, ...(run.message === undefined ? {} : { message: run.message }) };
}

/** Creates the run when there is none; mirrors its phase into status. */
export function ensureRun(ctx: MachineContext, kind: Kind, revision: number): Outcome {
  const { run, named } = currentRun(ctx, kind);
  if (run !== undefined) return { status: mirrored(ctx, kind, run), effects: [] };
  if (named) return { status: ctx.status, effects: [] };
  const name = runName(ctx, kind, revision);
  const effect: Effect = {
    type: 'createAnalysisRun',
    params: { name, kind, podHash: planOf(ctx).podHash, ...(kind === 'Step' ? { stepIndex: stepIndex(ctx) } : {}) },
  };
  return { status: withRef(ctx.status, kind, { name, status: 'Pending' }), effects: [effect] };
}

/** Status with the run's phase and message (only written when they change). */
function mirrored(ctx: MachineContext, kind: Kind, run: AnalysisRunView): MachineStatus {
  const previous = refOf(ctx, kind);
  // Status says "Inconclusive" only once the rollout has paused for it (pauseIfInconclusive):
  // that, with the pause condition gone, is how a promote is recognised.
  if (run.phase === 'Inconclusive' && previous?.status !== 'Inconclusive') return ctx.status;
  const ref = refFor(run);
  const same = previous?.name === ref.name && previous.status === ref.status && previous.message === ref.message;
  return same ? ctx.status : withRef(ctx.status, kind, ref);
}

export function stepRunSucceeded(ctx: MachineContext): boolean {
  return currentRun(ctx, 'Step').run?.phase === 'Successful';
}

/** Promoted while paused on an Inconclusive run: the pause condition is gone, the run is not. */
export function inconclusiveAcknowledged(ctx: MachineContext, kind: Kind): boolean {
  const run = currentRun(ctx, kind).run;
  const paused = (ctx.status.pauseConditions ?? []).some((c) => c.reason === INCONCLUSIVE_REASON);
  return run?.phase === 'Inconclusive' && refOf(ctx, kind)?.status === 'Inconclusive' && !paused;
}

/** Pauses for an Inconclusive run (once): `promote` continues, `abort` rolls back. */
export function pauseIfInconclusive(ctx: MachineContext, kind: Kind): Outcome {
  const run = currentRun(ctx, kind).run;
  if (run?.phase !== 'Inconclusive' || inconclusiveAcknowledged(ctx, kind)) return { status: ctx.status, effects: [] };
  if ((ctx.status.pauseConditions ?? []).some((c) => c.reason === INCONCLUSIVE_REASON)) return { status: ctx.status, effects: [] };
  const status: MachineStatus = {
    ...withRef(ctx.status, kind, refFor(run)),
    pauseConditions: [...(ctx.status.pauseConditions ?? []), { reason: INCONCLUSIVE_REASON, startTime: iso(ctx.now) }],
    controllerPause: true,
  };
  const message = `Rollout paused: AnalysisRun ${run.name} is Inconclusive${run.message === undefined ? '' : ` (${run.message})`}; promote to continue or abort to roll back`;
  return { status, effects: [{ type: 'recordEvent', params: { eventType: 'Warning', reason: INCONCLUSIVE_REASON, message } }] };
}

/** After an acknowledged Inconclusive background run: a fresh background run starts. */
export function restartBackground(ctx: MachineContext): Outcome {
  const run = currentRun(ctx, 'Background').run;
  const status: MachineStatus = { ...withRef(ctx.status, 'Background', undefined), controllerPause: false };
  const effects: Effect[] = run === undefined ? [] : [{ type: 'terminateAnalysisRun', params: { name: run.name } }];
  return { status, effects };
}

/** Abort by analysis: the abort carries the run's verdict (metric, value, limit) as its message. */
export function abortForAnalysis(ctx: MachineContext, run: AnalysisRunView): Outcome {
  const plan = planOf(ctx);
  const stable = ctx.status.stableRS ?? plan.podHash;
  const verdict = run.message ?? `AnalysisRun ${run.name} ${run.phase}`;
  const message = `Rollout aborted update to pod template hash ${plan.podHash}: AnalysisRun ${run.name} ${run.phase}: ${verdict}; traffic is back on ${stable}`;
  const kind: Kind = run.type;
  const status: MachineStatus = {
    ...withRef(ctx.status, kind, refFor(run)),
    abort: true,
    conditions: withCondition(ctx.status.conditions, { type: 'Progressing', status: 'False', reason: 'RolloutAborted', message }, iso(ctx.now)),
  };
  return { status, effects: [] };
}

/** The refs are cleared when a step completes, an update starts over or is retried. */
export function withoutRuns(status: MachineStatus, kinds: readonly Kind[] = ['Step', 'Background']): MachineStatus {
  return kinds.reduce((s, kind) => withRef(s, kind, undefined), status);
}

/** Unfinished runs not in `keep` are terminated (promoted, aborted or superseded updates). */
export function terminateRuns(ctx: MachineContext, keep: readonly string[]): Effect[] {
  return runs(ctx)
    .filter((r) => !isCompletedRun(r) && !r.terminate && !keep.includes(r.name))
    .map((r) => ({ type: 'terminateAnalysisRun', params: { name: r.name } }));
}

/** Completed runs beyond the Rollout's history limits are deleted, oldest first. */
export function pruneRuns(ctx: MachineContext, keep: readonly string[]): Effect[] {
  const plan = planOf(ctx);
  const done = runs(ctx)
    .filter((r) => isCompletedRun(r) && !keep.includes(r.name))
    .sort((a, b) => b.createdAt - a.createdAt || (a.name < b.name ? 1 : -1));
  const successful = done.filter((r) => r.phase === 'Successful').slice(plan.analysisRunHistory.successful);
  const unsuccessful = done.filter((r) => r.phase !== 'Successful').slice(plan.analysisRunHistory.unsuccessful);
  return [...successful, ...unsuccessful].map((r) => ({ type: 'deleteAnalysisRun', params: { name: r.name } }));
}

/** Names of the runs status points at (kept from termination and pruning). */
export function currentRunNames(status: MachineStatus): string[] {
  return [status.canary?.currentStepAnalysisRunStatus?.name, status.canary?.currentBackgroundAnalysisRunStatus?.name].filter((n): n is string => n !== undefined);
}


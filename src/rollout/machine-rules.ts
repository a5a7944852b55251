// The pure rules behind each state of the rollout machine (machine.ts): given the context,
// the next status and the effects that make the cluster match it. Effects are emitted only
// where the observations differ from what is wanted, so a settled rollout makes no writes.
import * as analysis from './analysis-rules.ts';
import type { Effect } from './effects.ts';
import type { MachineContext } from './context.ts';
import { replicaSetOf } from './observations.ts';
import type { PlanStep, RolloutPlan } from './plan.ts';
import { withCondition, withoutCondition, type MachineStatus } from './status.ts';
import { canaryReplicasAt, replicasForWeight } from './steps.ts';

export interface Outcome {
  readonly status: MachineStatus;
  readonly effects: readonly Effect[];
}

export const PAUSE_REASON = 'CanaryPauseStep';
const iso = (ms: number): string => new Date(ms).toISOString();

/** The plan of a context in a state that is only reached with a valid spec. */
function planOf(ctx: MachineContext): RolloutPlan {
  if (ctx.plan === undefined) throw new Error('rollout machine: no plan in a state that needs one');
  return ctx.plan;
}

const stepIndex = (ctx: MachineContext): number => ctx.status.currentStepIndex ?? 0;

export function currentStep(ctx: MachineContext): PlanStep | undefined {
  return ctx.plan?.steps[stepIndex(ctx)];
}

export function isNewRevision(ctx: MachineContext): boolean {
  const plan = ctx.plan;
  if (plan === undefined) return false;
  if (plan.podHash !== ctx.status.currentPodHash) return true;
  // A steps edit during a canary starts its steps over (Argo: currentStepHash).
  return plan.podHash !== ctx.status.stableRS && plan.stepsHash !== ctx.status.currentStepHash;
}

export function allStepsDone(ctx: MachineContext): boolean {
  return ctx.status.promoteFull === true || stepIndex(ctx) >= planOf(ctx).steps.length;
}

// ---- effect helpers: each returns [] when the cluster already matches ----

/**
 * The revision a ReplicaSet should carry: the current template's is the newest (an undo to a former
 * template reuses its ReplicaSet with a new revision number, as Argo); others keep theirs.
 */
function revisionFor(ctx: MachineContext, hash: string): number {
  const rs = replicaSetOf(ctx.observations, hash);
  const max = Math.max(0, ...ctx.observations.replicaSets.map((r) => r.revision));
  if (hash !== ctx.plan?.podHash) return rs?.revision ?? max + 1;
  return rs !== undefined && rs.revision === max ? rs.revision : max + 1;
}

function ensureReplicaSet(ctx: MachineContext, hash: string, replicas: number): Effect[] {
  const rs = replicaSetOf(ctx.observations, hash);
  const revision = revisionFor(ctx, hash);
  const effects: Effect[] = [];
  if (rs === undefined || rs.replicas !== replicas || rs.revision !== revision) {
    effects.push({ type: 'ensureReplicaSet', params: { hash, replicas, revision } });
  }
  if (rs?.scaleDownDeadline !== undefined && replicas > 0) {
    effects.push({ type: 'setScaleDownDeadline', params: { hash, deadline: null } });
  }
  return effects;
}

/** Deletes scaled-down ReplicaSets beyond revisionHistoryLimit, oldest first. */
function pruneHistory(ctx: MachineContext, keep: readonly (string | undefined)[]): Effect[] {
  const old = ctx.observations.replicaSets
    .filter((rs) => !keep.includes(rs.hash) && rs.replicas === 0 && rs.scaleDownDeadline === undefined)
    .sort((a, b) => b.revision - a.revision);
  return old.slice(planOf(ctx).revisionHistoryLimit).map((rs) => ({ type: 'deleteReplicaSet', params: { hash: rs.hash } }));
}

function selectors(ctx: MachineContext, canaryHash: string, stableHash: string): Effect[] {
  const effects: Effect[] = [];
  if (ctx.observations.canaryServiceHash !== canaryHash) {
    effects.push({ type: 'setServiceSelector', params: { role: 'canary', hash: canaryHash } });
  }
  if (ctx.observations.stableServiceHash !== stableHash) {
    effects.push({ type: 'setServiceSelector', params: { role: 'stable', hash: stableHash } });
  }
  return effects;
}

function weight(ctx: MachineContext, canaryWeight: number): Effect[] {
  return ctx.observations.canaryWeight === canaryWeight ? [] : [{ type: 'setCanaryWeight', params: { canaryWeight } }];
}

function event(reason: string, message: string, eventType: 'Normal' | 'Warning' = 'Normal'): Effect {
  return { type: 'recordEvent', params: { eventType, reason, message } };
}

/** Scales down, after `delaySeconds`, every ReplicaSet with pods that is not in `keep`. */
function scaleDownOthers(ctx: MachineContext, keep: readonly (string | undefined)[], delaySeconds: number): Effect[] {
  return ctx.observations.replicaSets
    .filter((rs) => rs.replicas > 0 && !keep.includes(rs.hash))
    .flatMap((rs) => scaleDownLater(ctx, rs.hash, rs.scaleDownDeadline, delaySeconds));
}

function scaleDownLater(ctx: MachineContext, hash: string, deadline: string | undefined, delaySeconds: number): Effect[] {
  if (deadline === undefined && delaySeconds > 0) {
    return [{ type: 'setScaleDownDeadline', params: { hash, deadline: iso(ctx.now + delaySeconds * 1000) } }];
  }
  if (deadline !== undefined && Date.parse(deadline) > ctx.now) return [];
  const clear: Effect[] = deadline === undefined ? [] : [{ type: 'setScaleDownDeadline', params: { hash, deadline: null } }];
  return [{ type: 'scaleReplicaSet', params: { hash, replicas: 0 } }, ...clear];
}

// ---- state rules ----

export function markInvalid(ctx: MachineContext): Outcome {
  const message = ctx.problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  const before = ctx.status.conditions?.find((c) => c.type === 'InvalidSpec');
  const conditions = withCondition(ctx.status.conditions, { type: 'InvalidSpec', status: 'True', reason: 'InvalidSpec', message }, iso(ctx.now));
  const effects: Effect[] = before?.message === message ? [] : [event('InvalidSpec', message, 'Warning')];
  return { status: { ...ctx.status, conditions }, effects };
}

export function initialize(ctx: MachineContext): Outcome {
  const plan = planOf(ctx);
  const status: MachineStatus = {
    ...ctx.status,
    stableRS: plan.podHash,
    currentPodHash: plan.podHash,
    currentStepHash: plan.stepsHash,
    currentStepIndex: plan.steps.length,
    stableGitRevision: plan.gitRevision,
    canary: { setWeight: 0 },
  };
  const effects = [...ensureReplicaSet(ctx, plan.podHash, plan.replicas), ...selectors(ctx, plan.podHash, plan.podHash), ...weight(ctx, 0)];
  return { status, effects };
}

export function startRevision(ctx: MachineContext): Outcome {
  const plan = planOf(ctx);
  const status: MachineStatus = {
    ...ctx.status,
    currentPodHash: plan.podHash,
    currentStepHash: plan.stepsHash,
    currentStepIndex: 0,
    pauseConditions: [],
    controllerPause: false,
    abort: false,
    abortedAt: undefined,
    promoteFull: false,
    rolledBackTo: undefined,
    // The new revision starts with no traffic, whatever the previous canary had.
    canary: { ...ctx.status.canary, setWeight: 0 },
    canaryGitRevision: plan.podHash === ctx.status.stableRS ? undefined : plan.gitRevision,
    conditions: withoutCondition(ctx.status.conditions, 'Progressing'),
  };
  const fastTrack = plan.podHash === ctx.status.stableRS;
  const message = fastTrack
    ? `Rollout went back to the stable revision (${plan.podHash}): no steps, as the template equals the stable one`
    : `Rollout updated to pod template hash ${plan.podHash}`;
  return { status: analysis.withoutRuns(status), effects: [event('RolloutUpdated', message)] };
}

export function holdStable(ctx: MachineContext): Outcome {
  const plan = planOf(ctx);
  const stable = plan.podHash;
  const status: MachineStatus = {
    ...ctx.status,
    currentStepIndex: plan.steps.length,
    currentStepHash: plan.stepsHash,
    pauseConditions: [],
    controllerPause: false,
    promoteFull: false,
    canaryGitRevision: undefined,
    canary: { ...ctx.status.canary, setWeight: 0 },
    // No longer waiting on progress: the progress deadline does not apply.
    conditions: withCondition(ctx.status.conditions, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `Rollout is healthy on ${stable}` }, iso(ctx.now)),
  };
  const effects = [
    ...ensureReplicaSet(ctx, stable, plan.replicas),
    ...selectors(ctx, stable, stable),
    ...weight(ctx, 0),
    ...scaleDownOthers(ctx, [stable], plan.scaleDownDelaySeconds),
    ...pruneHistory(ctx, [stable]),
    // Promoted (or back on stable): no run is waited on any more.
    ...analysis.terminateRuns(ctx, []),
    ...analysis.pruneRuns(ctx, []),
  ];
  return { status: analysis.withoutRuns(status), effects };
}

export function holdAborted(ctx: MachineContext): Outcome {
  const plan = planOf(ctx);
  const stable = ctx.status.stableRS ?? plan.podHash;
  const canary = plan.podHash;
  const firstTime = ctx.status.abortedAt === undefined;
  // An abort by analysis wrote its verdict (metric, value, limit) into the condition: kept.
  const previous = ctx.status.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'RolloutAborted');
  const message = previous?.message ?? `Rollout aborted update to pod template hash ${canary}; traffic is back on ${stable}`;
  const status: MachineStatus = {
    ...ctx.status,
    abortedAt: ctx.status.abortedAt ?? iso(ctx.now),
    pauseConditions: [],
    controllerPause: false,
    canary: { ...ctx.status.canary, setWeight: 0 },
    rolledBackTo: { podTemplateHash: stable, gitRevision: ctx.status.stableGitRevision },
    conditions: withCondition(ctx.status.conditions, { type: 'Progressing', status: 'False', reason: 'RolloutAborted', message }, iso(ctx.now)),
  };
  const { effects, stableReady } = abortEffects(ctx, stable, canary);
  effects.push(...analysis.terminateRuns(ctx, []), ...analysis.pruneRuns(ctx, analysis.currentRunNames(ctx.status)));
  if (firstTime) effects.push(event('RolloutAborted', message, 'Warning'));
  // Until the stable can take the traffic back, the weight in status stays what it is.
  return { status: stableReady ? status : { ...status, canary: ctx.status.canary }, effects };
}

/**
 * Traffic first, then the canary Service back to stable, then pods. With dynamicStableScale the
 * stable is scaled back up and available before any traffic returns to it.
 */
function abortEffects(ctx: MachineContext, stable: string, canary: string): { effects: Effect[]; stableReady: boolean } {
  const plan = planOf(ctx);
  const stableRs = replicaSetOf(ctx.observations, stable);
  const stableReady = !plan.dynamicStableScale || (stableRs?.availableReplicas ?? 0) >= plan.replicas;
  const effects = [
    ...ensureReplicaSet(ctx, stable, plan.replicas),
    ...(stableReady ? [...weight(ctx, 0), ...selectors(ctx, stable, stable)] : []),
    ...scaleDownOthers(ctx, [stable, canary], plan.scaleDownDelaySeconds),
  ];
  const canaryRs = replicaSetOf(ctx.observations, canary);
  // abortScaleDownDelaySeconds: 0 keeps the canary pods (Argo); none go before traffic has left.
  if (stableReady && canaryRs !== undefined && canaryRs.replicas > 0 && plan.abortScaleDownDelaySeconds > 0) {
    effects.push(...scaleDownLater(ctx, canary, canaryRs.scaleDownDeadline, plan.abortScaleDownDelaySeconds));
  }
  return { effects, stableReady };
}


export function retry(ctx: MachineContext): Outcome {
  const status: MachineStatus = {
    ...ctx.status,
    abortedAt: undefined,
    currentStepIndex: 0,
    pauseConditions: [],
    controllerPause: false,
    rolledBackTo: undefined,
    conditions: withoutCondition(ctx.status.conditions, 'Progressing'),
  };
  return { status: analysis.withoutRuns(status), effects: [event('RolloutRetried', 'Rollout retried from step 0')] };
}

export function holdManualPause(ctx: MachineContext): Outcome {
  return { status: ctx.status, effects: [] };
}

/** With dynamicStableScale the stable keeps only the pods its share of traffic needs. */
function stableReplicas(ctx: MachineContext): number {
  const plan = planOf(ctx);
  if (!plan.dynamicStableScale) return plan.replicas;
  return replicasForWeight(100 - (ctx.status.canary?.setWeight ?? 0), plan.replicas);
}

/** Canary and stable at the size the current step wants; Services on their hashes; weight as in status. */
export function shapeCanary(ctx: MachineContext): Outcome {
  const plan = planOf(ctx);
  const stable = ctx.status.stableRS ?? plan.podHash;
  const index = allStepsDone(ctx) ? plan.steps.length : stepIndex(ctx);
  // Weight before selectors: when a new revision replaces a canary mid-rollout, the canary's
  // traffic drops to 0 before its Service moves to pods that are not ready yet.
  const effects = [
    ...ensureReplicaSet(ctx, plan.podHash, canaryReplicasAt(plan.steps, index, plan.replicas)),
    ...ensureReplicaSet(ctx, stable, stableReplicas(ctx)),
    ...weight(ctx, ctx.status.canary?.setWeight ?? 0),
    ...selectors(ctx, plan.podHash, stable),
    ...scaleDownOthers(ctx, [stable, plan.podHash], plan.scaleDownDelaySeconds),
    ...pruneHistory(ctx, [stable, plan.podHash]),
    ...terminateSuperseded(ctx),
    ...analysis.pruneRuns(ctx, analysis.currentRunNames(ctx.status)),
  ];
  return { status: ctx.status, effects };
}

/** Runs of an earlier revision, or of a step the rollout has left (promote), are stopped. */
function terminateSuperseded(ctx: MachineContext): Effect[] {
  const plan = planOf(ctx);
  const keep = analysis.currentRunNames(ctx.status);
  const superseded = (ctx.observations.analysisRuns ?? []).filter(
    (r) => r.podHash !== plan.podHash || (r.type === 'Step' && r.stepIndex !== stepIndex(ctx)) || (r.type === 'Background' && plan.backgroundAnalysis === undefined),
  );
  return analysis.terminateRuns(ctx, [...keep, ...(ctx.observations.analysisRuns ?? []).filter((r) => !superseded.includes(r)).map((r) => r.name)]);
}

// ---- analysis ----

export function failedAnalysis(ctx: MachineContext): ReturnType<typeof analysis.failedRun> {
  if (ctx.plan === undefined || allStepsDone(ctx) && !analysis.backgroundActive(ctx)) return undefined;
  return analysis.failedRun(ctx, !allStepsDone(ctx) && currentStep(ctx)?.kind === 'analysis');
}

export function abortForFailedAnalysis(ctx: MachineContext): Outcome {
  const run = failedAnalysis(ctx);
  return run === undefined ? { status: ctx.status, effects: [] } : analysis.abortForAnalysis(ctx, run);
}

function chain(ctx: MachineContext, ...rules: ((c: MachineContext) => Outcome)[]): Outcome {
  let status = ctx.status;
  const effects: Effect[] = [];
  for (const rule of rules) {
    const outcome = rule({ ...ctx, status });
    status = outcome.status;
    effects.push(...outcome.effects);
  }
  return { status, effects };
}

export function backgroundAnalysis(ctx: MachineContext): Outcome {
  if (!analysis.backgroundActive(ctx)) return { status: ctx.status, effects: [] };
  const revision = revisionFor(ctx, planOf(ctx).podHash);
  return chain(ctx, (c) => analysis.ensureRun(c, 'Background', revision), (c) => analysis.pauseIfInconclusive(c, 'Background'));
}

export function stepAnalysis(ctx: MachineContext): Outcome {
  const revision = revisionFor(ctx, planOf(ctx).podHash);
  return chain(ctx, (c) => analysis.ensureRun(c, 'Step', revision), (c) => analysis.pauseIfInconclusive(c, 'Step'));
}

/** The step's run was Successful, or Inconclusive and promoted: on to the next step. */
export function completeAnalysisStep(ctx: MachineContext): Outcome {
  const done = completeStep(ctx);
  const pauseConditions = (done.status.pauseConditions ?? []).filter((c) => c.reason !== analysis.INCONCLUSIVE_REASON);
  return { status: analysis.withoutRuns({ ...done.status, pauseConditions, controllerPause: false }, ['Step']), effects: done.effects };
}

function canaryAvailable(ctx: MachineContext): number {
  return replicaSetOf(ctx.observations, planOf(ctx).podHash)?.availableReplicas ?? 0;
}

export function canaryReadyForStep(ctx: MachineContext): boolean {
  const plan = planOf(ctx);
  return canaryAvailable(ctx) >= canaryReplicasAt(plan.steps, stepIndex(ctx), plan.replicas);
}

export function canaryFullyReady(ctx: MachineContext): boolean {
  return canaryAvailable(ctx) >= planOf(ctx).replicas;
}

function stepLabel(ctx: MachineContext): string {
  const step = currentStep(ctx);
  const what = step === undefined ? '' : step.kind === 'setWeight' ? ` (setWeight ${step.weight})` : ` (${step.kind})`;
  return `step ${stepIndex(ctx) + 1}/${planOf(ctx).steps.length}${what}`;
}

export function completeStep(ctx: MachineContext): Outcome {
  const step = currentStep(ctx);
  const setWeight = step?.kind === 'setWeight' ? step.weight : (ctx.status.canary?.setWeight ?? 0);
  const status: MachineStatus = {
    ...ctx.status,
    currentStepIndex: stepIndex(ctx) + 1,
    canary: { ...ctx.status.canary, setWeight },
  };
  const effects = [...weight(ctx, setWeight), event('RolloutStepCompleted', `Rollout ${stepLabel(ctx)} completed`)];
  return { status, effects };
}

export function enterPause(ctx: MachineContext): Outcome {
  const paused = (ctx.status.pauseConditions ?? []).length > 0;
  if (paused || ctx.status.controllerPause === true) return { status: ctx.status, effects: [] };
  const status: MachineStatus = {
    ...ctx.status,
    pauseConditions: [{ reason: PAUSE_REASON, startTime: iso(ctx.now) }],
    controllerPause: true,
  };
  return { status, effects: [event('RolloutPaused', `Rollout is paused at ${stepLabel(ctx)} (${PAUSE_REASON})`)] };
}

/** When a timed pause ends (ms), or undefined for an indefinite one. */
export function pauseDeadline(ctx: MachineContext): number | undefined {
  const step = currentStep(ctx);
  const since = ctx.status.pauseConditions?.find((c) => c.reason === PAUSE_REASON)?.startTime;
  if (step?.kind !== 'pause' || step.durationSeconds === undefined || since === undefined) return undefined;
  return Date.parse(since) + step.durationSeconds * 1000;
}

export function pauseEnded(ctx: MachineContext): boolean {
  const conditions = ctx.status.pauseConditions ?? [];
  // Promote clears pauseConditions and leaves controllerPause set: the pause is over.
  if (ctx.status.controllerPause === true && conditions.length === 0) return true;
  const deadline = pauseDeadline(ctx);
  return deadline !== undefined && ctx.now >= deadline;
}

export function endPause(ctx: MachineContext): Outcome {
  const promoted = (ctx.status.pauseConditions ?? []).length === 0;
  const status: MachineStatus = {
    ...ctx.status,
    pauseConditions: [],
    controllerPause: false,
    currentStepIndex: stepIndex(ctx) + 1,
  };
  const effects = [
    event('RolloutResumed', promoted ? 'Rollout resumed: promoted' : 'Rollout resumed: the pause duration ended'),
    event('RolloutStepCompleted', `Rollout ${stepLabel(ctx)} completed`),
  ];
  return { status, effects };
}

/** The canary is fully ready after the last step: it becomes the stable revision. */
export function promote(ctx: MachineContext): Outcome {
  const plan = planOf(ctx);
  const status: MachineStatus = {
    ...ctx.status,
    stableRS: plan.podHash,
    stableGitRevision: ctx.status.canaryGitRevision ?? plan.gitRevision,
    canaryGitRevision: undefined,
    currentStepIndex: plan.steps.length,
    promoteFull: false,
    canary: { ...ctx.status.canary, setWeight: 0 },
  };
  // The stable Service moves to the new pods first; only then does the canary weight drop to 0.
  const effects: Effect[] = [
    ...(ctx.observations.stableServiceHash === plan.podHash ? [] : [{ type: 'setServiceSelector' as const, params: { role: 'stable' as const, hash: plan.podHash } }]),
    ...weight(ctx, 0),
    event('RolloutCompleted', `Rollout completed update to pod template hash ${plan.podHash}`),
  ];
  return { status, effects };
}

// Progress deadline, as Argo: a canary that makes no progress for progressDeadlineSeconds is
// Degraded with Progressing=False/ProgressDeadlineExceeded (and aborted when
// progressDeadlineAbort). "Progress" is any change of what the rollout is waiting for — the step,
// or the number of canary pods available — recorded in the Progressing condition, whose
// lastUpdateTime is the clock. Paused rollouts never time out: their message says "paused", and
// the clock restarts when they resume.
import type { MachineContext } from './context.ts';
import type { Effect } from './effects.ts';
import { replicaSetOf } from './observations.ts';
import type { RolloutPlan } from './plan.ts';
import { withCondition, type MachineStatus, type RolloutCondition } from './status.ts';

export const PROGRESS_DEADLINE_EXCEEDED = 'ProgressDeadlineExceeded';
const iso = (ms: number): string => new Date(ms).toISOString();

interface Outcome {
  readonly status: MachineStatus;
  readonly effects: readonly Effect[];
}

function isPaused(ctx: MachineContext): boolean {
  return ctx.plan?.paused === true || (ctx.status.pauseConditions ?? []).length > 0;
}

/** What the rollout is waiting for, in words: when this changes, the rollout progressed. */
function signature(ctx: MachineContext, plan: RolloutPlan): string {
  const step = `step ${Math.min(ctx.status.currentStepIndex ?? 0, plan.steps.length)}/${plan.steps.length}`;
  if (isPaused(ctx)) return `Rollout is paused at ${step}`;
  const canary = replicaSetOf(ctx.observations, plan.podHash);
  return `Rollout is progressing at ${step}: ${canary?.availableReplicas ?? 0} of ${canary?.replicas ?? 0} canary pods (${plan.podHash}) available`;
}

function progressing(conditions: MachineStatus['conditions']): RolloutCondition | undefined {
  return conditions?.find((c) => c.type === 'Progressing');
}

/** When the progress deadline falls (ms), if the rollout is waiting on progress now. */
export function progressDeadline(status: MachineStatus, plan: RolloutPlan | undefined): number | undefined {
  const condition = progressing(status.conditions);
  if (plan === undefined || condition?.status !== 'True' || condition.reason !== 'ReplicaSetUpdated') return undefined;
  if (isWaitingWithoutDeadline(status, plan)) return undefined;
  return Date.parse(condition.lastUpdateTime ?? '') + plan.progressDeadlineSeconds * 1000;
}

/** Paused, or waiting on an analysis step (its metrics have their own limits: count, failureLimit). */
function isWaitingWithoutDeadline(status: MachineStatus, plan: RolloutPlan): boolean {
  return plan.paused || (status.pauseConditions ?? []).length > 0 || status.canary?.currentStepAnalysisRunStatus !== undefined;
}

export function trackProgress(ctx: MachineContext): Outcome {
  const plan = ctx.plan;
  const current = progressing(ctx.status.conditions);
  if (plan === undefined || current?.reason === 'RolloutAborted') return { status: ctx.status, effects: [] };
  const sig = signature(ctx, plan);
  const now = iso(ctx.now);
  if (current === undefined || !current.message.startsWith(sig)) {
    const conditions = withCondition(ctx.status.conditions, { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: sig }, now);
    return { status: { ...ctx.status, conditions }, effects: [] };
  }
  const deadline = progressDeadline(ctx.status, plan);
  if (deadline === undefined || ctx.now < deadline) return { status: ctx.status, effects: [] };
  const message = `${sig}; no progress for ${plan.progressDeadlineSeconds} s`;
  const conditions = withCondition(ctx.status.conditions, { type: 'Progressing', status: 'False', reason: PROGRESS_DEADLINE_EXCEEDED, message }, now);
  const abort = plan.progressDeadlineAbort ? { abort: true } : {};
  const effects: Effect[] = [{ type: 'recordEvent', params: { eventType: 'Warning', reason: PROGRESS_DEADLINE_EXCEEDED, message } }];
  return { status: { ...ctx.status, ...abort, conditions }, effects };
}

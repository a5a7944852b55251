// decide(): one reconcile's worth of the rollout machine, as a pure function of
// (plan, status, observations, now) → (next status, effects, when to look again).
import { transition } from 'xstate';
import type { Effect } from './effects.ts';
import { rolloutMachine, stateOf, type MachineContext, type SpecProblem } from './machine.ts';
import { pauseDeadline } from './machine-rules.ts';
import { pendingRestart } from './restart.ts';
import { progressDeadline } from './progress.ts';
import type { Observations } from './observations.ts';
import type { RolloutPlan } from './plan.ts';
import { withoutCondition, type MachineStatus } from './status.ts';
import { withPhase } from './phase.ts';

export interface DecideInput {
  readonly plan: RolloutPlan | undefined;
  readonly status: MachineStatus;
  readonly observations: Observations;
  readonly problems: readonly SpecProblem[];
  readonly now: number;
}

export interface Decision {
  readonly status: MachineStatus;
  readonly effects: readonly Effect[];
  /** ms until the next deadline (timed pause, scale-down), if any */
  readonly requeueAfterMs?: number;
}

const EFFECT_TYPES = new Set<string>([
  'ensureReplicaSet',
  'deleteReplicaSet',
  'deletePod',
  'scaleReplicaSet',
  'setScaleDownDeadline',
  'setServiceSelector',
  'setCanaryWeight',
  'recordEvent',
  'createAnalysisRun',
  'terminateAnalysisRun',
  'deleteAnalysisRun',
]);

export function decide(input: DecideInput): Decision {
  const context: MachineContext = { ...input, status: input.status };
  const snapshot = rolloutMachine.resolveState({ value: stateOf(input.status), context });
  const [next, actions] = transition(rolloutMachine, snapshot, { type: 'TICK', ...input });
  const effects = dedupe(
    actions.filter((a) => EFFECT_TYPES.has(a.type)).map((a) => ({ type: a.type, params: a.params }) as Effect),
  );
  let status = next.context.status;
  if (input.problems.length === 0) status = { ...status, conditions: withoutCondition(status.conditions, 'InvalidSpec') };
  status = withPhase(status, input.plan, observedAfter(input.observations, effects));
  const requeueAfterMs = nextDeadline({ ...next.context, status }, effects);
  return requeueAfterMs === undefined ? { status, effects } : { status, effects, requeueAfterMs };
}

/** The same effect twice in one reconcile (a state re-asserting what an earlier one set) runs once. */
function dedupe(effects: readonly Effect[]): Effect[] {
  const seen = new Set<string>();
  return effects.filter((effect) => {
    const key = JSON.stringify(effect);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Observations as they will be once the effects have run (for the status's counts and weights). */
function observedAfter(observations: Observations, effects: readonly Effect[]): Observations {
  let canaryWeight = observations.canaryWeight;
  for (const effect of effects) if (effect.type === 'setCanaryWeight') canaryWeight = effect.params.canaryWeight;
  return { ...observations, canaryWeight };
}

function nextDeadline(ctx: MachineContext, effects: readonly Effect[]): number | undefined {
  const deadlines: number[] = [];
  for (const deadline of [pauseDeadline(ctx), progressDeadline(ctx.status, ctx.plan), pendingRestart(ctx)]) if (deadline !== undefined) deadlines.push(deadline);
  for (const rs of ctx.observations.replicaSets) {
    if (rs.scaleDownDeadline !== undefined && rs.replicas > 0) deadlines.push(Date.parse(rs.scaleDownDeadline));
  }
  for (const effect of effects) {
    if (effect.type === 'setScaleDownDeadline' && effect.params.deadline !== null) deadlines.push(Date.parse(effect.params.deadline));
  }
  const future = deadlines.filter((d) => Number.isFinite(d)).map((d) => Math.max(0, d - ctx.now));
  return future.length === 0 ? undefined : Math.min(...future);
}

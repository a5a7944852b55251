// The built-in triggers, as pure functions of an object's state (level-based, as Argo's
// notifications-engine evaluates `when` on the live object): no history, no clock. Each hit
// carries a "once per" value naming the occurrence, so the same state seen again — after a
// resync or a restart of the controller — is the same event, and a new occurrence (the next
// step, a new abort, another run) is a new one.
import { createHash } from 'node:crypto';

export const TRIGGER_NAMES = [
  'on-rollout-step-completed',
  'on-rollout-paused',
  'on-rollout-completed',
  'on-rollout-aborted',
  'on-analysis-run-failed',
  'on-app-sync-failed',
  'on-app-health-degraded',
] as const;

export type TriggerName = (typeof TRIGGER_NAMES)[number];

export function isTriggerName(name: string): name is TriggerName {
  return (TRIGGER_NAMES as readonly string[]).includes(name);
}

/** A trigger whose condition holds, and which occurrence of it this is. */
export interface TriggerHit {
  readonly trigger: TriggerName;
  readonly oncePer: string;
}

/** The slice of a Rollout the triggers read. */
export interface RolloutState {
  readonly spec?: { readonly paused?: boolean };
  readonly status?: {
    readonly phase?: string;
    readonly currentPodHash?: string;
    readonly stableRS?: string;
    readonly currentStepIndex?: number;
    readonly abortedAt?: string;
    readonly pauseConditions?: readonly { readonly reason?: string; readonly startTime?: string }[];
  };
}

export interface AnalysisRunState {
  readonly metadata: { readonly uid?: string };
  readonly status?: { readonly phase?: string };
}

export interface ApplicationState {
  readonly status?: {
    readonly sync?: { readonly revision?: string };
    readonly health?: { readonly status?: string };
    readonly operationState?: { readonly phase?: string; readonly revision?: string; readonly startedAt?: string };
  };
}

/**
 * - step-completed: while an update is under way (current hash is not the stable one, not
 *   aborted), step `currentStepIndex - 1` is done; once per pod hash + step index. The last
 *   step's completion is sent when the controller is seen waiting for the canary after it; when
 *   the promotion is written at once, on-rollout-completed reports it.
 * - paused: phase Paused by a pause condition or spec.paused; once per pod hash + step index +
 *   pause start ("spec.paused" for a manual pause).
 * - completed: phase Healthy on the current hash; once per pod hash.
 * - aborted: status.abortedAt set; once per pod hash + abortedAt.
 */
export function rolloutTriggers(rollout: RolloutState): TriggerHit[] {
  const status = rollout.status ?? {};
  const hash = status.currentPodHash;
  if (hash === undefined) return [];
  return ROLLOUT_RULES.map((rule) => rule(status, hash, rollout.spec?.paused === true)).filter((hit) => hit !== undefined);
}

type RolloutStatus = NonNullable<RolloutState['status']>;
type Rule = (status: RolloutStatus, hash: string, pausedBySpec: boolean) => TriggerHit | undefined;

/**
 * Paused by a pause step (a pause condition with its start) or by spec.paused. A phase still
 * Paused with no condition is the moment after `promote` cleared them: not a new pause.
 */
function pausedHit(status: RolloutStatus, hash: string, pausedBySpec: boolean): TriggerHit | undefined {
  const startTime = status.pauseConditions?.[0]?.startTime;
  if (status.phase !== 'Paused' || (startTime === undefined && !pausedBySpec)) return undefined;
  return { trigger: 'on-rollout-paused', oncePer: `${hash}:${stepOf(status)}:${startTime ?? 'spec.paused'}` };
}

const stepOf = (status: RolloutStatus): number => status.currentStepIndex ?? 0;

const ROLLOUT_RULES: readonly Rule[] = [
  (status, hash) =>
    status.abortedAt === undefined && stepOf(status) > 0 && status.stableRS !== hash
      ? { trigger: 'on-rollout-step-completed', oncePer: `${hash}:${stepOf(status)}` }
      : undefined,
  pausedHit,
  (status, hash) => (status.phase === 'Healthy' && status.stableRS === hash ? { trigger: 'on-rollout-completed', oncePer: hash } : undefined),
  (status, hash) => (status.abortedAt === undefined ? undefined : { trigger: 'on-rollout-aborted', oncePer: `${hash}:${status.abortedAt}` }),
];

const FAILED_RUN = new Set(['Failed', 'Error']);

/** Run phase Failed or Error; once per run (its uid). */
export function analysisRunTriggers(run: AnalysisRunState): TriggerHit[] {
  const phase = run.status?.phase;
  if (phase === undefined || !FAILED_RUN.has(phase)) return [];
  return [{ trigger: 'on-analysis-run-failed', oncePer: run.metadata.uid ?? '' }];
}

/**
 * - sync-failed: operationState.phase Failed or Error; once per operation (startedAt + revision).
 * - health-degraded: health Degraded; once per synced revision (a revision that recovers and
 *   degrades again is not reported twice; a new commit that degrades is).
 */
export function applicationTriggers(app: ApplicationState): TriggerHit[] {
  const status = app.status ?? {};
  return [syncFailed(status.operationState), status.health?.status === 'Degraded' ? { trigger: 'on-app-health-degraded' as const, oncePer: status.sync?.revision ?? '' } : undefined].filter(
    (hit) => hit !== undefined,
  );
}

function syncFailed(operation: NonNullable<ApplicationState['status']>['operationState']): TriggerHit | undefined {
  if (operation?.phase === undefined || !FAILED_RUN.has(operation.phase)) return undefined;
  return { trigger: 'on-app-sync-failed', oncePer: `${operation.startedAt ?? ''}:${operation.revision ?? ''}` };
}

/** Stable for one occurrence on one object: receivers deduplicate on it (32 hex digits). */
export function eventIdOf(uid: string, hit: TriggerHit): string {
  return createHash('sha256').update(`${uid}\n${hit.trigger}\n${hit.oncePer}`).digest('hex').slice(0, 32);
}

// spec.syncPolicy.autoRevert (Sluice's own; off by default): when the rollout of a commit is
// aborted, the Application syncs its last healthy revision instead — the template that traffic
// already went back to, so the Rollout returns to stable by the fast track with no steps — and
// stays pinned there until a commit other than the aborted one arrives. Git is not rewritten;
// the pin lives in status.autoRevert and the AutoReverted condition says why. Pure.
import type { ApplicationStatus } from '../api/application.ts';
import type { ConditionInput } from './app-status.ts';

export type Pin = NonNullable<ApplicationStatus['autoRevert']>;

/** The pin that still holds for the fetched head commit, if any. */
export function activePin(enabled: boolean, status: ApplicationStatus, head: string): Pin | undefined {
  const pin = status.autoRevert;
  return enabled && pin !== undefined && pin.abortedRevision === head ? pin : undefined;
}

/** A new pin when `revision` (the head, not itself pinned) was just found Aborted and an older healthy revision exists. */
export function newPin(enabled: boolean, status: ApplicationStatus, revision: string, now: string): Pin | undefined {
  const last = status.history?.at(-1);
  const outcome = last?.revision === revision ? last.outcome : undefined;
  if (!enabled || outcome !== 'Aborted' || status.autoRevert !== undefined) return undefined;
  const healthy = status.lastHealthyRevision;
  return healthy === undefined || healthy === revision ? undefined : { revision: healthy, abortedRevision: revision, since: now };
}

const short = (sha: string): string => sha.slice(0, 7);

/** The AutoReverted condition: True while pinned; False once a pin ended; absent if never used. */
export function autoRevertCondition(pin: Pin | undefined, hadCondition: boolean): ConditionInput | undefined {
  if (pin !== undefined) {
    return {
      type: 'AutoReverted',
      status: 'True',
      reason: 'RolloutAborted',
      message: `the rollout of commit ${short(pin.abortedRevision)} was aborted: syncing the last healthy commit ${short(pin.revision)} until a newer commit arrives`,
    };
  }
  if (!hadCondition) return undefined;
  return { type: 'AutoReverted', status: 'False', reason: 'NewerCommit', message: '' };
}

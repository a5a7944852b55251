// What became of a synced revision (ARCHITECTURE §5, "last healthy revision"): Healthy once every
// object of it — its rollouts included — is Healthy and in sync; Aborted when one of its rollouts
// was aborted (by analysis or by hand). The newest Healthy revision is the Application's
// lastHealthyRevision, which `spec.syncPolicy.autoRevert` falls back to. Pure.
import type { ApplicationStatus, HistoryEntry } from '../api/application.ts';
import { GIT_REVISION_ANNOTATION } from '../api/names.ts';
import type { KubeObject } from '../kube/object.ts';
import type { HealthStatus } from './health.ts';
import type { ObjectRef } from './inventory.ts';

export type Outcome = 'Healthy' | 'Aborted';

interface Observed {
  readonly ref: ObjectRef;
  readonly live: KubeObject | undefined;
}

/** The outcome so far of `revision`, or undefined while its rollouts are still on their way. */
export function revisionOutcome(revision: string, objects: readonly Observed[], health: HealthStatus, synced: boolean): Outcome | undefined {
  const aborted = objects.some(({ ref, live }) => ref.group === 'sluice.dev' && ref.kind === 'Rollout' && isAborted(live, revision));
  if (aborted) return 'Aborted';
  return synced && health === 'Healthy' ? 'Healthy' : undefined;
}

function isAborted(live: KubeObject | undefined, revision: string): boolean {
  const status = (live as { status?: { abort?: unknown } } | undefined)?.status;
  return status?.abort === true && live?.metadata.annotations?.[GIT_REVISION_ANNOTATION] === revision;
}

/**
 * The history with the outcome on the newest entry of `revision` (a successful sync), and the
 * last healthy revision. Healthy is final; Aborted may still become Healthy (a retried rollout).
 */
export function withOutcome(status: ApplicationStatus, revision: string, outcome: Outcome | undefined): Pick<ApplicationStatus, 'history' | 'lastHealthyRevision'> {
  const { history, lastHealthyRevision } = status;
  const unchanged = { ...(history === undefined ? {} : { history }), ...(lastHealthyRevision === undefined ? {} : { lastHealthyRevision }) };
  const last = history?.at(-1);
  if (history === undefined || last === undefined || !updates(last, revision, outcome)) return unchanged;
  const updated: HistoryEntry[] = [...history.slice(0, -1), { ...last, outcome }];
  return { ...unchanged, history: updated, ...(outcome === 'Healthy' ? { lastHealthyRevision: revision } : {}) };
}

function updates(last: HistoryEntry, revision: string, outcome: Outcome | undefined): outcome is Outcome {
  return outcome !== undefined && last.revision === revision && last.result === 'Succeeded' && last.outcome !== 'Healthy' && last.outcome !== outcome;
}

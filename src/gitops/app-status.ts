// The Application's status as the engine writes it, from what one reconcile found: conditions
// (Ready, Reconciling, Stalled, as Flux's kstatus reads them), the inventory with each object's
// sync and health, the history of syncs (last 10) and the last operation. Pure: the same inputs
// give the same status, so an unchanged cluster leads to no status write.
import type { ApplicationCondition, HealthStatusName, HistoryEntry, ResourceStatus } from '../api/application.ts';
import type { ObjectRef } from './inventory.ts';

export const HISTORY_LIMIT = 10;

export interface ConditionInput {
  readonly type: 'Ready' | 'Reconciling' | 'Stalled' | 'AutoReverted';
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

/** Conditions by type; lastTransitionTime changes only when the status does. */
export function withConditions(previous: readonly ApplicationCondition[] | undefined, next: readonly ConditionInput[], now: string): ApplicationCondition[] {
  return next.map((c) => {
    const before = previous?.find((p) => p.type === c.type);
    const lastTransitionTime = before?.status === c.status && before.lastTransitionTime !== undefined ? before.lastTransitionTime : now;
    return { ...c, lastTransitionTime };
  });
}

export interface SyncRecord {
  readonly revision: string;
  readonly result: 'Succeeded' | 'Failed';
  readonly message: string;
  readonly at: string;
}

/** History with one more sync; a retry of the same revision with the same result replaces its entry. */
export function withHistory(history: readonly HistoryEntry[] | undefined, record: SyncRecord): HistoryEntry[] {
  const entries = [...(history ?? [])];
  const last = entries.at(-1);
  const id = (last?.id ?? 0) + 1;
  const entry: HistoryEntry = { id, revision: record.revision, deployedAt: record.at, result: record.result, message: record.message };
  if (last !== undefined && last.revision === record.revision && last.result === record.result) entries[entries.length - 1] = { ...entry, id: last.id ?? id };
  else entries.push(entry);
  return entries.slice(-HISTORY_LIMIT);
}

/**
 * The sync result a status change added: the newest history entry when it is new (another id,
 * time or revision than before — a failure retried later replaces the entry with a new time);
 * undefined when the history's end is unchanged. Events and metrics count sync results by it.
 */
export function newSyncResult(before: readonly HistoryEntry[] | undefined, after: readonly HistoryEntry[] | undefined): HistoryEntry | undefined {
  const entry = after?.at(-1);
  const previous = before?.at(-1);
  if (entry === undefined) return undefined;
  const same = previous !== undefined && previous.id === entry.id && previous.deployedAt === entry.deployedAt && previous.revision === entry.revision;
  return same ? undefined : entry;
}

/** The newest history entry records the health its revision has reached. */
export function withHistoryHealth(history: readonly HistoryEntry[] | undefined, health: HealthStatusName): HistoryEntry[] | undefined {
  if (history === undefined || history.length === 0) return history === undefined ? undefined : [];
  const last = history.at(-1) as HistoryEntry;
  if (last.result !== 'Succeeded' || last.health === health) return [...history];
  return [...history.slice(0, -1), { ...last, health }];
}

export interface ResourceView {
  readonly ref: ObjectRef;
  readonly synced: boolean;
  readonly health: { readonly status: HealthStatusName; readonly message?: string };
}

export function resourceStatuses(views: readonly ResourceView[]): ResourceStatus[] {
  return views.map(({ ref, synced, health }) => ({
    group: ref.group,
    version: ref.version,
    kind: ref.kind,
    ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }),
    name: ref.name,
    status: synced ? 'Synced' : 'OutOfSync',
    health: health.message === undefined ? { status: health.status } : { status: health.status, message: health.message },
  }));
}

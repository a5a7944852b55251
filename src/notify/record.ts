// What was delivered lives on the object itself, as notifications-engine's
// `notified.notifications.argoproj.io`: a JSON map `<trigger>:<oncePer>:<service>:<recipient>`
// → RFC 3339 time, so a restarted controller does not send it again. Deliveries that failed for
// good are kept apart (`failed.…`), so a receiver that refuses them is not sent the same event
// after every restart either. Both maps are bounded (oldest dropped). Written with a JSON merge
// patch of metadata.annotations only, as our own field manager, behind the resourceVersion just
// read (a conflict: read again and merge again).
import type { KubeClients } from '../kube/api-clients.ts';
import { isConflict, isNotFound } from '../kube/errors.ts';
import type { KubeObject, ObjectRef } from '../kube/object.ts';
import { getObject, mergePatchObject } from '../kube/patch.ts';

export const NOTIFIED_ANNOTATION = 'notified.notifications.sluice.dev';
export const FAILED_ANNOTATION = 'failed.notifications.sluice.dev';
export const NOTIFY_FIELD_MANAGER = 'sluice-notifications';
/** Entries kept per map: enough for many updates' worth of steps, small enough for an annotation. */
export const MAX_RECORD_ENTRIES = 100;

export type Outcome = 'sent' | 'failed';

export function recordKey(parts: { readonly trigger: string; readonly oncePer: string; readonly service: string; readonly recipient: string }): string {
  return `${parts.trigger}:${parts.oncePer}:${parts.service}:${parts.recipient}`;
}

/** The map in an annotation; anything unreadable counts as empty (a user's edit must not stop us). */
export function readRecord(annotations: Readonly<Record<string, string>> | undefined, annotation: string): Record<string, string> {
  const text = annotations?.[annotation];
  if (text === undefined) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

/** Keys recorded either way: neither is sent again. */
export function recordedKeys(annotations: Readonly<Record<string, string>> | undefined): Set<string> {
  return new Set([...Object.keys(readRecord(annotations, NOTIFIED_ANNOTATION)), ...Object.keys(readRecord(annotations, FAILED_ANNOTATION))]);
}

/** `record` with `entries` added, the oldest dropped beyond `max`. */
export function withEntries(record: Readonly<Record<string, string>>, entries: Readonly<Record<string, string>>, max = MAX_RECORD_ENTRIES): Record<string, string> {
  const merged = Object.entries({ ...record, ...entries });
  merged.sort((a, b) => a[1].localeCompare(b[1]));
  return Object.fromEntries(merged.slice(Math.max(0, merged.length - max)));
}

export interface RecordWrite {
  readonly key: string;
  readonly outcome: Outcome;
  /** RFC 3339. */
  readonly at: string;
}

/** Adds the entries to the object's maps; false when the object is gone. */
export async function writeRecord(clients: Pick<KubeClients, 'discovery' | 'request'>, ref: ObjectRef, writes: readonly RecordWrite[]): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const live = await getObject<KubeObject>(clients, ref);
    if (live === undefined) return false;
    const annotations = annotationsAfter(live.metadata.annotations, writes);
    try {
      await mergePatchObject(clients, ref, { metadata: { annotations } }, { fieldManager: NOTIFY_FIELD_MANAGER, resourceVersion: live.metadata.resourceVersion });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      if (!isConflict(error) || attempt >= 5) throw error;
    }
  }
}

/** Only the annotations that change (a merge patch leaves the others alone). */
export function annotationsAfter(annotations: Readonly<Record<string, string>> | undefined, writes: readonly RecordWrite[]): Record<string, string> {
  const patch: Record<string, string> = {};
  for (const [annotation, outcome] of [[NOTIFIED_ANNOTATION, 'sent'], [FAILED_ANNOTATION, 'failed']] as const) {
    const mine = writes.filter((w) => w.outcome === outcome);
    if (mine.length === 0) continue;
    const entries = Object.fromEntries(mine.map((w) => [w.key, w.at]));
    patch[annotation] = JSON.stringify(withEntries(readRecord(annotations, annotation), entries));
  }
  return patch;
}

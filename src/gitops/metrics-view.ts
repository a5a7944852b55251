// Applications in the metrics (docs/metrics.md): the sample read from the cache at scrape time,
// and what one reconcile records — a fetch, the objects a sync applied and pruned, a sync result.
import type { Application, ApplicationStatus } from '../api/application.ts';
import type { KubeObject } from '../kube/object.ts';
import { gitFetchDuration, gitFetchErrors, objectsApplied, objectsPruned, observe, syncDuration, syncs } from '../metrics/registry.ts';
import type { ApplicationSample } from '../metrics/sources.ts';
import { newSyncResult } from './app-status.ts';

type ApplicationObject = KubeObject & Application;

const labelsOf = (app: ApplicationObject): { namespace: string; application: string } => ({ namespace: app.metadata.namespace ?? '', application: app.metadata.name });

export function applicationSample(app: ApplicationObject): ApplicationSample {
  const { status = {} } = { status: app.status };
  return {
    ...labelsOf(app),
    repo: redactedUrl(app.spec.source.repoURL),
    revision: status.sync?.revision ?? '',
    sync: status.sync?.status ?? 'Unknown',
    health: status.health?.status ?? 'Unknown',
  };
}

/** A URL as a label: never its userinfo (a token written into the URL). */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

export function recordFetch(app: ApplicationObject, seconds: number, ok: boolean): void {
  observe(gitFetchDuration, labelsOf(app), seconds);
  if (!ok) gitFetchErrors.inc(labelsOf(app));
}

export function recordApplied(app: ApplicationObject, applied: number, pruned: number): void {
  objectsApplied.inc(labelsOf(app), applied);
  objectsPruned.inc(labelsOf(app), pruned);
}

/** A status write that added a history entry is a sync result; its operation's duration with it. */
export function recordStatusChange(app: ApplicationObject, before: ApplicationStatus, after: ApplicationStatus): void {
  const entry = newSyncResult(before.history, after.history);
  if (entry === undefined) return;
  syncs.inc({ ...labelsOf(app), result: entry.result });
  const { startedAt, finishedAt } = { ...after.operationState };
  if (startedAt !== undefined && finishedAt !== undefined && finishedAt !== before.operationState?.finishedAt) {
    observe(syncDuration, labelsOf(app), Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt)) / 1000);
  }
}

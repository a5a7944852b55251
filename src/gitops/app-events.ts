// Kubernetes Events of an Application, from the change one status write made: a sync result
// (once per new history entry), health turning Degraded or back to Healthy, an automatic revert
// beginning. Pure: the controller records what this returns.
import type { ApplicationStatus } from '../api/application.ts';
import { newSyncResult } from './app-status.ts';

export interface AppEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

const short = (sha: string | undefined): string => (sha ?? '').slice(0, 12);

export function applicationEvents(before: ApplicationStatus, after: ApplicationStatus): AppEvent[] {
  return [...syncEvent(before, after), ...healthEvent(before, after), ...revertEvent(before, after)];
}

function syncEvent(before: ApplicationStatus, after: ApplicationStatus): AppEvent[] {
  const entry = newSyncResult(before.history, after.history);
  if (entry === undefined) return [];
  const message = `${short(entry.revision)}: ${entry.message ?? entry.result}`;
  return entry.result === 'Succeeded' ? [{ type: 'Normal', reason: 'SyncSucceeded', message }] : [{ type: 'Warning', reason: 'SyncFailed', message }];
}

function healthEvent(before: ApplicationStatus, after: ApplicationStatus): AppEvent[] {
  const { status: was = 'none' } = { ...before.health };
  const { status: now = 'Unknown', message = `health ${was} → ${now}` } = { ...after.health };
  if (was === now) return [];
  if (now === 'Degraded') return [{ type: 'Warning', reason: 'HealthDegraded', message }];
  return now === 'Healthy' && was !== 'none' ? [{ type: 'Normal', reason: 'HealthHealthy', message }] : [];
}

function revertEvent(before: ApplicationStatus, after: ApplicationStatus): AppEvent[] {
  const pin = after.autoRevert;
  if (pin === undefined || before.autoRevert?.abortedRevision === pin.abortedRevision) return [];
  return [{ type: 'Warning', reason: 'AutoReverted', message: `a rollout of ${short(pin.abortedRevision)} was aborted: holding the last healthy revision ${short(pin.revision)}` }];
}

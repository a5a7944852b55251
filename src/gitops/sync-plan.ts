// What one reconcile of an Application does about syncing — nothing, a full sync, a repair of
// drift, or the next step of a sync part-way through its waves — and the retry policy of a failed
// sync. Pure: the Application, its status and the time in; a plan out.
import type { Application, ApplicationStatus } from '../api/application.ts';
import { parseDurationSeconds } from '../api/duration.ts';
import { RECONCILE_ANNOTATION } from '../api/names.ts';
import type { KubeObject } from '../kube/object.ts';

type ApplicationObject = KubeObject & Application;

export const DEFAULT_RETRY = { limit: 5, durationMs: 5_000, factor: 2, maxMs: 180_000 };
export type RetryPolicy = typeof DEFAULT_RETRY;

export type Plan = { readonly kind: 'full' | 'heal' | 'continue' } | { readonly kind: 'none'; readonly retryInMs?: number };

export interface PlanInput {
  readonly app: ApplicationObject;
  readonly status: ApplicationStatus;
  readonly nowMs: number;
}

/**
 * What this reconcile does. A requested reconcile (the annotation, the webhook) is a full sync
 * for a manual Application; for an automated one it means "look now": a new revision or a failed
 * one is synced at once, drift is repaired, and when nothing changed nothing is written.
 */
export function planSync(input: PlanInput, revision: string, drift: readonly unknown[]): Plan {
  const { app, status } = input;
  const asked = requested(app) !== undefined;
  const automated = app.spec.syncPolicy?.automated;
  if (asked && automated === undefined) return { kind: 'full' };
  if (continuing(input, revision)) return { kind: 'continue' };
  if (automated === undefined) return { kind: 'none' };
  if (failedAt(status, revision)) return asked ? { kind: 'full' } : retryPlan(input);
  if (changed(input, revision)) return { kind: 'full' };
  return healPlan(automated.selfHeal === true || asked, drift);
}

function healPlan(heal: boolean, drift: readonly unknown[]): Plan {
  return heal && drift.length > 0 ? { kind: 'heal' } : { kind: 'none' };
}

/** The annotation's value when it asks for something not handled yet. */
export function requested(app: ApplicationObject): string | undefined {
  const value = app.metadata.annotations?.[RECONCILE_ANNOTATION];
  return value !== undefined && value !== app.status?.lastHandledReconcileAt ? value : undefined;
}

/** A new revision or spec, or never synced. */
function changed(input: PlanInput, revision: string): boolean {
  const { status, app } = input;
  return status.sync?.revision !== revision || status.observedGeneration !== app.metadata.generation || status.operationState === undefined;
}

function continuing(input: PlanInput, revision: string): boolean {
  return running(input.status, revision) && input.status.observedGeneration === input.app.metadata.generation;
}

/** A sync of this revision is part-way through its waves. */
export function running(status: ApplicationStatus, revision: string): boolean {
  return status.operationState?.phase === 'Running' && status.operationState.revision === revision;
}

export function failedAt(status: ApplicationStatus, revision: string): boolean {
  return status.operationState?.phase === 'Failed' && status.operationState.revision === revision;
}

/** A failed revision is retried per spec.syncPolicy.retry (default 5 times, 5 s doubling to 3 min). */
function retryPlan(input: PlanInput): Plan {
  const retry = retryPolicy(input.app);
  const count = input.status.operationState?.retryCount ?? 0;
  if (retry.limit >= 0 && count >= retry.limit) return { kind: 'none' };
  const dueAt = Date.parse(input.status.operationState?.finishedAt ?? '') + backoffMs(retry, count);
  const wait = dueAt - input.nowMs;
  return wait <= 0 || Number.isNaN(wait) ? { kind: 'full' } : { kind: 'none', retryInMs: wait };
}

export function retryPolicy(app: ApplicationObject): RetryPolicy {
  const retry = app.spec.syncPolicy?.retry;
  const backoff = retry?.backoff;
  return {
    limit: orDefault(retry?.limit, DEFAULT_RETRY.limit),
    durationMs: durationOr(backoff?.duration, DEFAULT_RETRY.durationMs),
    factor: orDefault(backoff?.factor, DEFAULT_RETRY.factor),
    maxMs: durationOr(backoff?.maxDuration, DEFAULT_RETRY.maxMs),
  };
}

function orDefault(value: number | undefined, fallback: number): number {
  return value ?? fallback;
}

function durationOr(value: string | undefined, fallbackMs: number): number {
  const seconds = value === undefined ? undefined : parseDurationSeconds(value);
  return seconds === undefined ? fallbackMs : seconds * 1000;
}

export function backoffMs(retry: RetryPolicy, count: number): number {
  return Math.min(retry.maxMs, retry.durationMs * retry.factor ** count);
}

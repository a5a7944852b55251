// One reconcile of one Application: fetch (one `git fetch` when nothing changed), render (cached
// per revision and spec), compare with the live objects from the watches, sync when there is
// something to do (a new revision or spec, a requested sync, a retry that is due, or drift with
// selfHeal), then report inventory, health, history and conditions — and write the status only
// when it changed, so an Application whose Git and cluster agree costs no writes.
import type { Application, ApplicationStatus, IgnoreDifference } from '../api/application.ts';
import { canonicalJson } from '../api/canonical-json.ts';
import { RECONCILE_ANNOTATION } from '../api/names.ts';
import { parseDurationSeconds } from '../api/duration.ts';
import type { KubeClients } from '../kube/api-clients.ts';
import type { Logger } from '../kube/logger.ts';
import { cacheBehindWrite, type KubeObject } from '../kube/object.ts';
import { serverSideApply } from '../kube/apply.ts';
import { patchStatus } from '../kube/patch.ts';
import type { ReconcileResult } from '../kube/workqueue.ts';
import { resourceStatuses, withConditions, withHistory, withHistoryHealth, type ConditionInput } from './app-status.ts';
import { adoptIgnored, compare } from './compare.ts';
import { readCredentials } from './credentials.ts';
import { desiredObjects, type DesiredObject, type Scope } from './desired.ts';
import { assessHealth, worstHealth, type Health } from './health.ts';
import { isFoundation, refFromStatus, refKey, type ObjectRef } from './inventory.ts';
import { groupWaves, progressed, type Wave } from './waves.ts';
import type { LiveCache } from './live-cache.ts';
import { render, type Rendered } from './render.ts';
import { keepRolloutOwned } from './rollout-owned.ts';
import { revisionOutcome, withOutcome } from './revision-outcome.ts';
import { activePin, autoRevertCondition, newPin, type Pin } from './auto-revert.ts';
import { autoscaledTargets, keepScaledReplicas } from './scaled-replicas.ts';
import type { GitSource } from './source.ts';
import { syncRevision, type SyncResult } from './sync.ts';
import { recordApplied, recordFetch, recordStatusChange } from './metrics-view.ts';
import { applicationEvents } from './app-events.ts';
import type { EventRecorder } from '../kube/events.ts';
import { backoffMs, failedAt, planSync, retryPolicy, running, type Plan } from './sync-plan.ts';

export type ApplicationObject = KubeObject & Application;


export interface EngineDeps {
  readonly clients: KubeClients;
  readonly source: GitSource;
  readonly live: LiveCache;
  readonly logger: Logger;
  readonly fieldManager: string;
  readonly now: () => number;
  /** Rendered revisions by `uid/generation/revision` (a few entries; the controller bounds it). */
  readonly renders: Map<string, Rendered>;
  /**
   * Clients that act as the Application's ServiceAccount (spec.serviceAccountName, else the
   * controller's --default-service-account), or the controller's own when neither is set.
   */
  readonly clientsFor: (namespace: string, serviceAccountName: string | undefined) => KubeClients;
  /** Called after each status write (the controller's read-your-own-writes for Applications). */
  readonly statusWritten: (before: ApplicationObject, after: ApplicationObject) => void;
  /** Another Application of the namespace, as the controller's cache has it (spec.dependsOn). */
  readonly application: (namespace: string, name: string) => ApplicationObject | undefined;
  /** Kubernetes Events of Applications (sync results, health, automatic reverts); none in some tests. */
  readonly events?: EventRecorder;
  /** What our last applies returned, for read-your-writes (see liveOf). */
  readonly written: Map<string, { readonly replacedVersion: string | undefined; readonly object: KubeObject }>;
}

const DEFAULT_INTERVAL_MS = 60_000;

interface Context {
  readonly deps: EngineDeps;
  readonly app: ApplicationObject;
  readonly status: ApplicationStatus;
  readonly now: string;
  readonly signal: AbortSignal | undefined;
  /** Why a sync waits for another Application (spec.dependsOn). */
  readonly blockedBy?: string;
}

export async function reconcileApplication(deps: EngineDeps, app: ApplicationObject, signal?: AbortSignal): Promise<ReconcileResult> {
  const ctx: Context = { deps, app, status: app.status ?? {}, now: iso(deps.now()), signal };
  const interval = intervalMs(app);
  if (app.spec.suspend === true) return finish(ctx, suspended(ctx), undefined);
  const head = await fetchRevision(ctx);
  if (!head.ok) return finish(ctx, failedBeforeApply(ctx, head), interval);
  const pin = activePin(autoRevertOn(app), ctx.status, head.revision);
  const fetched = pin === undefined ? head : await fetchRevision(ctx, pin.revision);
  if (!fetched.ok) return finish(ctx, failedBeforeApply(ctx, fetched), interval);
  return syncFetched({ ...ctx, status: withPin(ctx.status, pin) }, ctx, fetched);
}

/** Render, compare, sync and report one fetched revision; `original` holds the status as read. */
async function syncFetched(ctx: Context, original: Context, fetched: { readonly revision: string; readonly dir: string }): Promise<ReconcileResult> {
  const { deps, app } = ctx;
  const interval = intervalMs(app);
  const desired = await desiredFor(ctx, fetched.revision, fetched.dir);
  if (!desired.ok) return finish(original, failedBeforeApply(ctx, { ...desired, revision: fetched.revision }), interval);
  await deps.live.watch([...desired.objects.map((d) => d.ref), ...inventory(ctx.status)]);
  const autoscaled = autoscaledTargets(desired.objects);
  const objects = desired.objects.map((d) => {
    const live = liveOf(deps, d.ref);
    const kept = keepRolloutOwned(adoptIgnored(d.object, live, ignoredFor(app.spec.ignoreDifferences, d.ref)), live);
    return { ...d, object: keepScaledReplicas(kept, d.ref, live, autoscaled) };
  });
  // Compared once: the report reuses it unless a sync wrote something (1,000 objects ≈ 120 ms).
  const before = new Map(objects.map((d) => [d, inSync(ctx, d)]));
  const drift = objects.filter((d) => before.get(d) === false);
  const plan = planSync({ app, status: ctx.status, nowMs: deps.now() }, fetched.revision, drift);
  const { status, retryInMs, blockedBy } = await carryOut(ctx, plan, fetched.revision, { objects, drift });
  const known = status === ctx.status ? before : undefined;
  const reported = report({ ...ctx, status, ...(blockedBy === undefined ? {} : { blockedBy }) }, fetched.revision, objects, known);
  const pin = newPin(autoRevertOn(app), reported, fetched.revision, ctx.now);
  // A new pin: sync the last healthy revision at once.
  if (pin !== undefined) return finish(original, { ...reported, autoRevert: pin, conditions: withAutoRevertCondition(ctx, reported.conditions, pin) }, PIN_REQUEUE_MS);
  return finish(original, reported, Math.min(interval, retryInMs ?? interval));
}

const PIN_REQUEUE_MS = 100;

function autoRevertOn(app: ApplicationObject): boolean {
  return app.spec.syncPolicy?.autoRevert === true;
}

/** The status with the pin that holds (or without one, when none does any more). */
function withPin(status: ApplicationStatus, pin: Pin | undefined): ApplicationStatus {
  const { autoRevert: _previous, ...rest } = status;
  return pin === undefined ? rest : { ...rest, autoRevert: pin };
}

/** The conditions with AutoReverted as the pin says (kept out while autoRevert was never used). */
function withAutoRevertCondition(ctx: Context, conditions: ApplicationStatus['conditions'], pin: Pin | undefined): ApplicationStatus['conditions'] {
  const previous = ctx.status.conditions?.find((c) => c.type === 'AutoReverted');
  const condition = autoRevertCondition(pin, previous !== undefined);
  const others = (conditions ?? []).filter((c) => c.type !== 'AutoReverted');
  return condition === undefined ? others : [...others, ...withConditions(ctx.status.conditions, [condition], ctx.now)];
}

/** metav1.Time: RFC 3339 in whole seconds. */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/u, 'Z');
}

function intervalMs(app: ApplicationObject): number {
  const seconds = parseDurationSeconds(app.spec.syncPolicy?.interval ?? '');
  return seconds === undefined || seconds <= 0 ? DEFAULT_INTERVAL_MS : seconds * 1000;
}

function inventory(status: ApplicationStatus): ObjectRef[] {
  return (status.resources ?? []).map(refFromStatus);
}

// ---------------------------------------------------------------------------------------------
// Fetch and render

type Fetched = { readonly ok: true; readonly revision: string; readonly dir: string } | { readonly ok: false; readonly reason: string; readonly message: string; readonly stalled: boolean };

async function fetchRevision(ctx: Context, revision?: string): Promise<Fetched> {
  const { app, deps } = ctx;
  const credentials = await readCredentials(deps.clients, app.metadata.namespace ?? 'default', app.spec.credentialsSecretRef?.name);
  if (!credentials.ok) return { ok: false, reason: 'CredentialsNotFound', message: credentials.message, stalled: false };
  const source = revision === undefined ? app.spec.source : { ...app.spec.source, targetRevision: revision };
  const started = performance.now();
  const result = await deps.source.fetch(source, credentials.credentials, ctx.signal);
  recordFetch(app, (performance.now() - started) / 1000, result.ok);
  if (!result.ok) return { ok: false, reason: result.reason, message: result.message, stalled: result.reason === 'InvalidSource' };
  return { ok: true, revision: result.revision, dir: result.dir };
}

type DesiredResult = { readonly ok: true; readonly objects: readonly DesiredObject[] } | { readonly ok: false; readonly reason: string; readonly message: string; readonly stalled: boolean };

async function desiredFor(ctx: Context, revision: string, dir: string): Promise<DesiredResult> {
  const { app, deps } = ctx;
  const rendered = await renderCached(ctx, revision, dir);
  if (!rendered.ok) return { ok: false, reason: 'RenderFailed', message: problemsText(rendered.problems), stalled: true };
  const namespace = app.metadata.namespace ?? 'default';
  const desired = await desiredObjects(rendered.objects, {
    app: { namespace, name: app.metadata.name },
    destinationNamespace: app.spec.destination?.namespace ?? namespace,
    revision,
    scopeOf: (apiVersion, kind) => scopeOf(deps.clients, apiVersion, kind),
  });
  if (!desired.ok) return { ok: false, reason: 'UnknownKind', message: problemsText(desired.problems), stalled: true };
  return desired;
}

/** A revision renders the same until the spec changes: rendered once per (uid, generation, revision). */
async function renderCached(ctx: Context, revision: string, dir: string): Promise<Rendered> {
  const { app, deps } = ctx;
  const key = `${app.metadata.uid ?? ''}/${app.metadata.generation ?? 0}/${revision}`;
  const cached = deps.renders.get(key);
  if (cached !== undefined) return cached;
  const { path, kustomize } = app.spec.source;
  const rendered = await render({ repoRoot: dir, path: path ?? '.', ...(kustomize === undefined ? {} : { kustomize }), ...(ctx.signal === undefined ? {} : { signal: ctx.signal }) });
  deps.renders.set(key, rendered);
  return rendered;
}

async function scopeOf(clients: KubeClients, apiVersion: string, kind: string): Promise<Scope | undefined> {
  try {
    return (await clients.discovery.resource(apiVersion, kind)).namespaced ? 'Namespaced' : 'Cluster';
  } catch {
    return undefined;
  }
}

function problemsText(problems: readonly { file: string; line?: number; message: string }[]): string {
  const shown = problems.slice(0, 5).map((p) => `${p.file}${p.line === undefined ? '' : `:${p.line}`}: ${p.message}`);
  return shown.join('; ') + (problems.length > 5 ? ` (and ${problems.length - 5} more)` : '');
}

// ---------------------------------------------------------------------------------------------
// Compare

/** The live object, or what our own apply returned while the watch has not caught up with it. */
function liveOf(deps: EngineDeps, ref: ObjectRef): KubeObject | undefined {
  const cached = deps.live.get(ref);
  const key = refKey(ref);
  const own = deps.written.get(key);
  if (own === undefined) return cached;
  if (cacheBehindWrite(cached?.metadata.resourceVersion, own.replacedVersion, own.object.metadata.resourceVersion)) return own.object;
  deps.written.delete(key);
  return cached;
}

function ignoredFor(rules: readonly IgnoreDifference[] | undefined, ref: ObjectRef): string[] {
  return (rules ?? [])
    .filter((r) => (r.group ?? '') === ref.group && r.kind === ref.kind && (r.name === undefined || r.name === ref.name) && (r.namespace === undefined || r.namespace === ref.namespace))
    .flatMap((r) => r.jsonPointers);
}

function inSync(ctx: Context, d: DesiredObject): boolean {
  const live = liveOf(ctx.deps, d.ref);
  if (live === undefined) return false;
  return compare(d.object, live, { manager: ctx.deps.fieldManager, ignore: ignoredFor(ctx.app.spec.ignoreDifferences, d.ref) }).equal;
}

// ---------------------------------------------------------------------------------------------
// Sync

/** Runs the plan (unless a dependency holds it back): the status after it and when to come back. */
async function carryOut(
  ctx: Context,
  plan: Plan,
  revision: string,
  sets: { readonly objects: readonly DesiredObject[]; readonly drift: readonly DesiredObject[] },
): Promise<{ status: ApplicationStatus; retryInMs?: number | undefined; blockedBy?: string | undefined }> {
  if (plan.kind === 'none') return { status: ctx.status, retryInMs: plan.retryInMs };
  if (plan.kind === 'heal') return afterSync(ctx, revision, { result: await runSync(ctx, sets.drift, { full: false }) });
  // dependsOn holds back syncs of new revisions, not the repair of drift.
  const blockedBy = dependencyBlocker(ctx);
  if (blockedBy !== undefined) return { status: ctx.status, blockedBy };
  return afterSync(ctx, revision, await runWaveStep(ctx, sets.objects, plan.kind === 'continue'));
}

/** The first dependency (spec.dependsOn) that is not yet Synced and Healthy (or Suspended), as a message. */
function dependencyBlocker(ctx: Context): string | undefined {
  const namespace = ctx.app.metadata.namespace ?? 'default';
  for (const { name } of ctx.app.spec.dependsOn ?? []) {
    const blocker = notReady(name, ctx.deps.application(namespace, name));
    if (blocker !== undefined) return blocker;
  }
  return undefined;
}

function notReady(name: string, other: ApplicationObject | undefined): string | undefined {
  if (other === undefined) return `waiting for Application ${name}: not found`;
  const sync = other.status?.sync?.status ?? 'Unknown';
  const health = other.status?.health?.status ?? 'Unknown';
  return sync === 'Synced' && PROGRESSED.has(health) ? undefined : `waiting for Application ${name}: ${sync}, ${health}`;
}

/** An Application others may follow: Healthy, or Suspended by a paused rollout. */
const PROGRESSED: ReadonlySet<string> = new Set(['Healthy', 'Suspended']);

// ---------------------------------------------------------------------------------------------
// Sync waves

interface WaveStep {
  readonly result: SyncResult;
  /** Set when the sync stops part-way: the wave it waits for, and why. */
  readonly waiting?: { readonly wave: number; readonly message: string };
}

/**
 * One step of a full sync: all of it when the revision has one wave; otherwise the next wave
 * (the first with the foundation, and a dry run of everything, so a bad object in a later wave
 * stops the sync before anything is applied), or nothing while the wave applied last has not
 * progressed (waves.ts). The last wave prunes.
 */
async function runWaveStep(ctx: Context, objects: readonly DesiredObject[], continuing: boolean): Promise<WaveStep> {
  const foundation = objects.filter((d) => isFoundation(d.ref));
  const waves = groupWaves(objects.filter((d) => !isFoundation(d.ref)));
  if (waves.length <= 1) return { result: await runSync(ctx, objects, { full: true }) };
  let index = 0;
  if (continuing) {
    const at = waves.findIndex((w) => w.wave === ctx.status.operationState?.syncWave);
    const pending = at < 0 ? [] : unprogressed(ctx, waves[at] as Wave);
    if (pending.length > 0) return { result: emptySync(), waiting: { wave: (waves[at] as Wave).wave, message: waitingMessage((waves[at] as Wave).wave, pending) } };
    index = at + 1;
  }
  index = Math.min(index, waves.length - 1);
  const wave = waves[index] as Wave;
  const last = index === waves.length - 1;
  const others = objects.filter((d) => !wave.objects.includes(d));
  const result = await runSync(ctx, index === 0 ? [...foundation, ...wave.objects] : wave.objects, {
    full: last,
    dryRunAlso: index === 0 ? others.filter((d) => !isFoundation(d.ref)) : [],
    alsoCurrent: others.map((d) => d.ref),
  });
  if (!result.ok) return { result };
  if (last) return { result: { ...result, applied: objects.map((d) => d.ref) } };
  return { result, waiting: { wave: wave.wave, message: `applied wave ${wave.wave}; waiting for it to progress` } };
}

function emptySync(): SyncResult {
  return { ok: true, applied: [], pruned: [], keptFromPrune: [], written: new Map() };
}

function unprogressed(ctx: Context, wave: Wave): string[] {
  return wave.objects
    .map((d) => ({ d, health: assessHealth(liveOf(ctx.deps, d.ref)) }))
    .filter(({ d, health }) => !progressed(d, health, inSync(ctx, d)))
    .map(({ d, health }) => `${d.ref.kind} ${d.ref.name}: ${health.status}`);
}

function waitingMessage(wave: number, pending: readonly string[]): string {
  return `waiting for wave ${wave}: ${pending.slice(0, 3).join('; ')}${pending.length > 3 ? ` (and ${pending.length - 3} more)` : ''}`;
}

interface SyncScope {
  /** A full sync prunes (when allowed) what left Git since the inventory; a heal only applies. */
  readonly full: boolean;
  readonly dryRunAlso?: readonly DesiredObject[];
  readonly alsoCurrent?: readonly ObjectRef[];
}

async function runSync(ctx: Context, objects: readonly DesiredObject[], scope: SyncScope): Promise<SyncResult> {
  const { full } = scope;
  const { app, deps } = ctx;
  const before = new Map(objects.map((d) => [refKey(d.ref), deps.live.get(d.ref)?.metadata.resourceVersion]));
  const clients = deps.clientsFor(app.metadata.namespace ?? 'default', app.spec.serviceAccountName);
  await createNamespaceIfAsked(ctx, clients);
  const result = await syncRevision(clients, {
    app: { namespace: app.metadata.namespace ?? 'default', name: app.metadata.name },
    desired: objects,
    previous: full ? inventory(ctx.status) : [],
    prune: full && prunes(app),
    ...(scope.dryRunAlso === undefined ? {} : { dryRunAlso: scope.dryRunAlso }),
    ...(scope.alsoCurrent === undefined ? {} : { alsoCurrent: scope.alsoCurrent }),
    fieldManager: deps.fieldManager,
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
  });
  if (result.ok) {
    for (const [key, object] of result.written) deps.written.set(key, { replacedVersion: before.get(key), object });
    recordApplied(app, result.applied.length, result.pruned.length);
  }
  logSync(ctx, full, result);
  return result;
}

/** syncOptions CreateNamespace=true: the destination namespace is created (not owned, never pruned). */
async function createNamespaceIfAsked(ctx: Context, clients: KubeClients): Promise<void> {
  const { app } = ctx;
  if (!(app.spec.syncPolicy?.syncOptions ?? []).includes('CreateNamespace=true')) return;
  const name = app.spec.destination?.namespace ?? app.metadata.namespace ?? 'default';
  try {
    await serverSideApply(clients, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldManager: ctx.deps.fieldManager });
  } catch (error) {
    ctx.deps.logger.warn({ namespace: name, err: error instanceof Error ? error.message : String(error) }, 'could not create the destination namespace');
  }
}

function prunes(app: ApplicationObject): boolean {
  return app.spec.syncPolicy?.automated?.prune === true;
}

function logSync(ctx: Context, full: boolean, result: SyncResult): void {
  const outcome = result.ok ? { applied: result.applied.length, pruned: result.pruned.length } : { message: result.message };
  ctx.deps.logger.info({ application: `${ctx.app.metadata.namespace ?? ''}/${ctx.app.metadata.name}`, full, ok: result.ok, ...outcome }, 'synced');
}

function waitingForWave(ctx: Context, revision: string, waiting: NonNullable<WaveStep['waiting']>): { status: ApplicationStatus; retryInMs: number } {
  const { status } = ctx;
  const startedAt = running(status, revision) ? (status.operationState?.startedAt ?? ctx.now) : ctx.now;
  return { status: { ...status, operationState: { phase: 'Running', message: waiting.message, revision, startedAt, syncWave: waiting.wave, retryCount: 0 } }, retryInMs: WAVE_REQUEUE_MS };
}

/** Until the next wave is due, unless a watched change of the wave's objects comes first. */
const WAVE_REQUEUE_MS = 1_000;

function afterSync(ctx: Context, revision: string, step: WaveStep): { status: ApplicationStatus; retryInMs?: number } {
  const { result, waiting } = step;
  return waiting !== undefined && result.ok ? waitingForWave(ctx, revision, waiting) : afterSyncResult(ctx, revision, result);
}

function afterSyncResult(ctx: Context, revision: string, result: SyncResult): { status: ApplicationStatus; retryInMs?: number } {
  const { status } = ctx;
  const retryCount = result.ok || !failedAt(status, revision) ? 0 : (status.operationState?.retryCount ?? 0) + 1;
  const message = syncMessage(result);
  const phase = result.ok ? 'Succeeded' : 'Failed';
  const next: ApplicationStatus = {
    ...status,
    operationState: { phase, message, revision, startedAt: ctx.now, finishedAt: iso(ctx.deps.now()), retryCount },
    history: withHistory(status.history, { revision, result: phase, message, at: ctx.now }),
    ...(result.ok ? { resources: resourceStatuses(result.applied.map((ref) => ({ ref, synced: true, health: { status: 'Progressing' } }))) } : {}),
  };
  if (result.ok) return { status: next };
  const retry = retryPolicy(ctx.app);
  return { status: next, ...(retry.limit < 0 || retryCount < retry.limit ? { retryInMs: backoffMs(retry, retryCount) } : {}) };
}

function syncMessage(result: SyncResult): string {
  if (!result.ok) return result.message;
  return `applied ${result.applied.length} objects${result.pruned.length > 0 ? `, pruned ${result.pruned.length}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Status

/** `known`: each object's comparison, when nothing was applied since it was made. */
function report(ctx: Context, revision: string, objects: readonly DesiredObject[], known?: ReadonlyMap<DesiredObject, boolean>): ApplicationStatus {
  const views = objects.map((d) => ({ ref: d.ref, synced: known?.get(d) ?? inSync(ctx, d), health: assessHealth(liveOf(ctx.deps, d.ref)) }));
  const health = worstHealth(views.map((v) => v.health));
  const outOfSync = views.filter((v) => !v.synced).length;
  const applied = ctx.status.operationState?.phase === 'Succeeded' && ctx.status.operationState.revision === revision;
  const synced = outOfSync === 0 && applied;
  const conditions = failedAt(ctx.status, revision) ? failedConditions(ctx) : syncedConditions(ctx, synced, outOfSync, health.status);
  const outcome = revisionOutcome(revision, objects.map((d) => ({ ref: d.ref, live: liveOf(ctx.deps, d.ref) })), health.status, synced);
  return {
    ...ctx.status,
    ...observed(ctx),
    sync: { status: synced ? 'Synced' : 'OutOfSync', revision },
    health: health.message === undefined ? { status: health.status } : { status: health.status, message: health.message },
    // The inventory is what the last successful sync applied; until one succeeds, the previous one stands.
    ...(applied ? { resources: resourceStatuses(views) } : {}),
    ...withOutcome({ ...ctx.status, ...historyHealth(ctx.status, health.status) }, revision, outcome),
    conditions: withAutoRevertCondition(ctx, withConditions(ctx.status.conditions, conditions, ctx.now), ctx.status.autoRevert),
  };
}

/** The generation and the reconcile request this status answers. */
function observed(ctx: Context): Pick<ApplicationStatus, 'observedGeneration' | 'lastHandledReconcileAt'> {
  const handled = ctx.app.metadata.annotations?.[RECONCILE_ANNOTATION];
  return { observedGeneration: ctx.app.metadata.generation ?? 0, ...(handled === undefined ? {} : { lastHandledReconcileAt: handled }) };
}

function historyHealth(status: ApplicationStatus, health: Health['status']): Pick<ApplicationStatus, 'history'> {
  const history = withHistoryHealth(status.history, health);
  return history === undefined ? {} : { history };
}

function retriesExhausted(ctx: Context): boolean {
  const retry = retryPolicy(ctx.app);
  return retry.limit >= 0 && (ctx.status.operationState?.retryCount ?? 0) >= retry.limit;
}

function failedConditions(ctx: Context): ConditionInput[] {
  const op = ctx.status.operationState;
  const message = op?.message ?? '';
  const exhausted = retriesExhausted(ctx);
  const reason = exhausted ? 'RetriesExhausted' : 'Retrying';
  return [
    { type: 'Ready', status: 'False', reason: 'SyncFailed', message },
    { type: 'Reconciling', status: exhausted ? 'False' : 'True', reason, message: exhausted ? '' : `retry ${(op?.retryCount ?? 0) + 1} of ${retryPolicy(ctx.app).limit}` },
    { type: 'Stalled', status: exhausted ? 'True' : 'False', reason, message: exhausted ? message : '' },
  ];
}

function syncedConditions(ctx: Context, synced: boolean, outOfSync: number, health: string): ConditionInput[] {
  const waiting = waitingConditions(ctx);
  if (waiting !== undefined) return waiting;
  const reason = synced ? 'Synced' : 'OutOfSync';
  const message = synced ? `synced at ${ctx.status.operationState?.revision ?? ''}; health ${health}` : `${outOfSync} object(s) differ from Git`;
  return [
    { type: 'Ready', status: synced ? 'True' : 'False', reason, message },
    { type: 'Reconciling', status: 'False', reason, message: '' },
    { type: 'Stalled', status: 'False', reason, message: '' },
  ];
}

/** While a dependency is not ready, or a sync waits between waves. */
function waitingConditions(ctx: Context): ConditionInput[] | undefined {
  const op = ctx.status.operationState;
  const [reason, message] = ctx.blockedBy !== undefined ? ['DependencyNotReady', ctx.blockedBy] : op?.phase === 'Running' ? ['SyncWave', op.message ?? ''] : [undefined, ''];
  if (reason === undefined) return undefined;
  return [
    { type: 'Ready', status: 'False', reason, message },
    { type: 'Reconciling', status: 'True', reason, message },
    { type: 'Stalled', status: 'False', reason, message: '' },
  ];
}

function suspended(ctx: Context): ApplicationStatus {
  const conditions = (ctx.status.conditions ?? []).filter((c) => c.type !== 'Reconciling');
  const reconciling: ConditionInput = { type: 'Reconciling', status: 'False', reason: 'Suspended', message: 'spec.suspend is true: not syncing' };
  const merged = withConditions(ctx.status.conditions, [reconciling], ctx.now);
  return { ...ctx.status, conditions: [...conditions, ...merged] };
}

interface EarlyFailure {
  readonly reason: string;
  readonly message: string;
  readonly stalled: boolean;
  readonly revision?: string;
}

/** Fetch, render or kind resolution failed: nothing was applied, the previous revision stands. */
function failedBeforeApply(ctx: Context, failure: EarlyFailure): ApplicationStatus {
  const { status } = ctx;
  const revision = failure.revision ?? status.sync?.revision;
  return {
    ...status,
    ...observed(ctx),
    sync: { status: 'Unknown', ...(revision === undefined ? {} : { revision }) },
    conditions: withConditions(status.conditions, earlyConditions(failure), ctx.now),
    ...earlyHistory(ctx, failure),
  };
}

function earlyConditions(failure: EarlyFailure): ConditionInput[] {
  const { reason, message, stalled } = failure;
  return [
    { type: 'Ready', status: 'False', reason, message },
    { type: 'Reconciling', status: stalled ? 'False' : 'True', reason, message: stalled ? '' : 'retrying at the next interval' },
    { type: 'Stalled', status: stalled ? 'True' : 'False', reason, message: stalled ? `${message}; the previous revision stays applied` : '' },
  ];
}

/** A revision that cannot be rendered is in the history as Failed (once, at its first time). */
function earlyHistory(ctx: Context, failure: EarlyFailure): Pick<ApplicationStatus, 'history'> {
  const { status } = ctx;
  if (failure.revision === undefined) return status.history === undefined ? {} : { history: status.history };
  const at = lastTimeFor(status, failure.revision) ?? ctx.now;
  return { history: withHistory(status.history, { revision: failure.revision, result: 'Failed', message: failure.message, at }) };
}

/** The time a revision's failure was first recorded, so re-reporting it writes nothing new. */
function lastTimeFor(status: ApplicationStatus, revision: string): string | undefined {
  const last = status.history?.at(-1);
  return last?.revision === revision && last.result === 'Failed' ? last.deployedAt : undefined;
}

async function finish(ctx: Context, status: ApplicationStatus, requeueAfterMs: number | undefined): Promise<ReconcileResult> {
  if (canonicalJson(status) !== canonicalJson(ctx.status)) {
    const ref = { apiVersion: ctx.app.apiVersion, kind: ctx.app.kind, namespace: ctx.app.metadata.namespace ?? 'default', name: ctx.app.metadata.name };
    // The whole status (JSON Patch `add` replaces it): a merge patch would keep fields this
    // status no longer has (a cleared message), and the next compare would differ forever.
    const written = await patchStatus<ApplicationObject>(ctx.deps.clients, ref, [{ op: 'add', path: '/status', value: status }], { fieldManager: ctx.deps.fieldManager });
    ctx.deps.statusWritten(ctx.app, written);
    recordStatusChange(ctx.app, ctx.app.status ?? {}, status);
    for (const e of applicationEvents(ctx.app.status ?? {}, status)) void ctx.deps.events?.record(written, e.type, e.reason, e.message);
  }
  return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
}

// Metrics read from the controllers' caches when Prometheus scrapes: each controller registers a
// source that turns what its informers hold into plain samples (rollout/metrics-view.ts,
// analysis/metrics-view.ts, gitops/metrics-view.ts, the work queues). Nothing is recorded
// between scrapes, so a gauge is never stale and a deleted object's series go with it.
import { Family, type FamilySpec } from './exposition.ts';
import { ensureZero, gitFetchDuration, gitFetchErrors, measurements, objectsApplied, objectsPruned, registry, rolloutAborts, rolloutPromotions, syncDuration, syncs } from './registry.ts';

export interface RolloutSample {
  readonly namespace: string;
  readonly rollout: string;
  readonly strategy: string;
  readonly stableHash: string;
  readonly canaryHash: string;
  readonly stableService: string;
  readonly canaryService: string;
  readonly phase: string | undefined;
  readonly setWeight: number | undefined;
  readonly actualWeight: number | undefined;
  readonly step: number | undefined;
  readonly steps: number;
  readonly replicas: readonly { readonly role: 'stable' | 'canary'; readonly state: 'desired' | 'ready' | 'available'; readonly value: number }[];
  /** The metrics of the analysis templates the rollout uses: their outcome counters start at 0 with an update. */
  readonly analysisMetrics?: readonly { readonly metric: string; readonly provider: string }[];
}

export interface AnalysisMetricSample {
  readonly metric: string;
  readonly provider: string;
  /** The latest measurement's value, when it is a number. */
  readonly value: number | undefined;
  readonly success: number | undefined;
  readonly failure: number | undefined;
}

/** The newest AnalysisRun of one rollout (rollout "" for a run no Rollout owns). */
export interface AnalysisSample {
  readonly namespace: string;
  readonly rollout: string;
  readonly phase: string;
  readonly metrics: readonly AnalysisMetricSample[];
}

export interface ApplicationSample {
  readonly namespace: string;
  readonly application: string;
  readonly repo: string;
  readonly revision: string;
  readonly sync: string;
  readonly health: string;
}

export interface QueueSample {
  readonly controller: string;
  readonly depth: number;
  readonly adds: number;
  readonly retries: number;
  readonly longestRunningMs: number;
}

export const ROLLOUT_PHASES = ['Healthy', 'Progressing', 'Paused', 'Degraded'] as const;
export const RUN_PHASES = ['Pending', 'Running', 'Successful', 'Failed', 'Error', 'Inconclusive'] as const;
export const SYNC_STATUSES = ['Synced', 'OutOfSync', 'Unknown'] as const;
export const HEALTH_STATUSES = ['Healthy', 'Progressing', 'Suspended', 'Degraded', 'Missing', 'Unknown'] as const;

interface Sources {
  rollouts: (() => Iterable<RolloutSample>)[];
  analysis: (() => Iterable<AnalysisSample>)[];
  applications: (() => Iterable<ApplicationSample>)[];
  queues: (() => QueueSample)[];
}

const sources: Sources = { rollouts: [], analysis: [], applications: [], queues: [] };

/** Each add*Source returns the function that removes the source again (a stopped controller). */
export type Unregister = () => void;

function add<T>(list: T[], source: T): Unregister {
  list.push(source);
  return () => {
    const at = list.indexOf(source);
    if (at >= 0) list.splice(at, 1);
  };
}

export const addRolloutSource = (source: () => Iterable<RolloutSample>): Unregister => add(sources.rollouts, source);
export const addAnalysisSource = (source: () => Iterable<AnalysisSample>): Unregister => add(sources.analysis, source);
export const addApplicationSource = (source: () => Iterable<ApplicationSample>): Unregister => add(sources.applications, source);
export const addQueueSource = (source: () => QueueSample): Unregister => add(sources.queues, source);

const rolloutLabels = ['namespace', 'rollout'] as const;

const gauge = (spec: Omit<FamilySpec, 'type'>): Family => new Family({ ...spec, type: 'gauge' });
const counter = (spec: Omit<FamilySpec, 'type'>): Family => new Family({ ...spec, type: 'counter' });

const g = {
  rolloutInfo: gauge({
    name: 'sluice_rollout_info',
    help: 'Always 1 per Rollout; its strategy, the stable and canary pod-template hashes and Services.',
    labelNames: [...rolloutLabels, 'strategy', 'stable_hash', 'canary_hash', 'stable_service', 'canary_service'] as const,
  }),
  rolloutPhase: gauge({ name: 'sluice_rollout_phase', help: 'One series per phase (Healthy, Progressing, Paused, Degraded): 1 on the current one.', labelNames: [...rolloutLabels, 'phase'] as const }),
  setWeight: gauge({ name: 'sluice_rollout_set_weight', help: 'The canary weight the current step asks for (0-100).', labelNames: rolloutLabels }),
  actualWeight: gauge({ name: 'sluice_rollout_actual_weight', help: 'The canary weight last written to the traffic router (0-100).', labelNames: rolloutLabels }),
  step: gauge({ name: 'sluice_rollout_step', help: 'Index of the current canary step (0-based; the step count once every step is done).', labelNames: rolloutLabels }),
  steps: gauge({ name: 'sluice_rollout_steps', help: 'Number of canary steps.', labelNames: rolloutLabels }),
  replicas: gauge({ name: 'sluice_rollout_replicas', help: 'Pods of the stable and canary ReplicaSets: desired, ready, available.', labelNames: [...rolloutLabels, 'role', 'state'] as const }),
  metricValue: gauge({ name: 'sluice_analysis_metric_value', help: 'The latest measurement value of each metric of the newest AnalysisRun of a rollout (numeric values only).', labelNames: [...rolloutLabels, 'metric', 'provider'] as const }),
  threshold: gauge({ name: 'sluice_analysis_metric_threshold', help: 'The number a metric is compared with, when successCondition/failureCondition is a single comparison of the result with a number.', labelNames: [...rolloutLabels, 'metric', 'provider', 'condition'] as const }),
  runPhase: gauge({ name: 'sluice_analysis_run_phase', help: "The newest AnalysisRun's phase, one series per phase: 1 on the current one.", labelNames: [...rolloutLabels, 'phase'] as const }),
  appInfo: gauge({ name: 'sluice_application_info', help: 'Always 1 per Application; its repository and last compared revision.', labelNames: ['namespace', 'application', 'repo', 'revision'] as const }),
  appSync: gauge({ name: 'sluice_application_sync_status', help: 'One series per sync status (Synced, OutOfSync, Unknown): 1 on the current one.', labelNames: ['namespace', 'application', 'status'] as const }),
  appHealth: gauge({ name: 'sluice_application_health_status', help: 'One series per health status: 1 on the current one.', labelNames: ['namespace', 'application', 'status'] as const }),
  depth: gauge({ name: 'sluice_workqueue_depth', help: 'Keys waiting to be reconciled now.', labelNames: ['controller'] as const }),
  longest: gauge({ name: 'sluice_workqueue_longest_running_seconds', help: 'How long the oldest running reconcile has been running.', labelNames: ['controller'] as const }),
  adds: counter({ name: 'sluice_workqueue_adds_total', help: 'Keys added to the work queue (duplicates included).', labelNames: ['controller'] as const }),
  retries: counter({ name: 'sluice_workqueue_retries_total', help: 'Retries scheduled after failed reconciles.', labelNames: ['controller'] as const }),
};

interface Choice {
  readonly key: 'phase' | 'status';
  readonly values: readonly string[];
  readonly current: string | undefined;
}

/** One series per possible value, 1 on the current one (a state timeline needs every state). */
function oneHot(gauge: Family, labels: Record<string, string>, { key, values, current }: Choice): void {
  for (const value of values) gauge.set({ ...labels, [key]: value }, value === current ? 1 : 0);
}

function setIf(gauge: Family, labels: Record<string, string>, value: number | undefined): void {
  if (value !== undefined && Number.isFinite(value)) gauge.set(labels, value);
}

const ABORT_REASONS = ['analysis', 'progress-deadline', 'manual'];
const PROMOTION_REASONS = ['completed', 'full', 'fast-track'];
const MEASUREMENT_PHASES = ['Successful', 'Failed', 'Inconclusive', 'Error'];

/**
 * While an update is under way its outcome counters exist at 0, so the first abort or promotion
 * is an increase Prometheus sees (a series born at 1 is invisible to increase() and rate()).
 */
const initialized = new Set<string>();

/** Runs `init` once per key for the life of the process (the series it creates stay). */
function once(key: string, init: () => void): void {
  if (initialized.has(key)) return;
  initialized.add(key);
  init();
}

function initOutcomeCounters(labels: Record<string, string>): void {
  for (const reason of ABORT_REASONS) rolloutAborts.inc({ ...labels, reason }, 0);
  for (const reason of PROMOTION_REASONS) rolloutPromotions.inc({ ...labels, reason }, 0);
}

function initMeasurements(labels: Record<string, string>): void {
  for (const phase of MEASUREMENT_PHASES) measurements.inc({ ...labels, phase }, 0);
}

function collectRollout(r: RolloutSample): void {
  const labels = { namespace: r.namespace, rollout: r.rollout };
  if (r.canaryHash !== '' && r.canaryHash !== r.stableHash) {
    once(`o/${r.namespace}/${r.rollout}`, () => initOutcomeCounters(labels));
    for (const { metric, provider } of r.analysisMetrics ?? []) once(`m/${r.namespace}/${r.rollout}/${metric}/${provider}`, () => initMeasurements({ ...labels, metric, provider }));
  }
  g.rolloutInfo.set({ ...labels, strategy: r.strategy, stable_hash: r.stableHash, canary_hash: r.canaryHash, stable_service: r.stableService, canary_service: r.canaryService }, 1);
  oneHot(g.rolloutPhase, labels, { key: 'phase', values: ROLLOUT_PHASES, current: r.phase });
  setIf(g.setWeight, labels, r.setWeight);
  setIf(g.actualWeight, labels, r.actualWeight);
  setIf(g.step, labels, r.step);
  g.steps.set(labels, r.steps);
  for (const { role, state, value } of r.replicas) g.replicas.set({ ...labels, role, state }, value);
}

function collectAnalysis(a: AnalysisSample): void {
  const labels = { namespace: a.namespace, rollout: a.rollout };
  oneHot(g.runPhase, labels, { key: 'phase', values: RUN_PHASES, current: a.phase });
  const running = a.phase === 'Running' || a.phase === 'Pending';
  for (const m of a.metrics) {
    const metric = { ...labels, metric: m.metric, provider: m.provider };
    // As for aborts: the first Failed measurement of a run must be an increase.
    if (running) once(`m/${a.namespace}/${a.rollout}/${m.metric}/${m.provider}`, () => initMeasurements(metric));
    setIf(g.metricValue, metric, m.value);
    setIf(g.threshold, { ...metric, condition: 'success' }, m.success);
    setIf(g.threshold, { ...metric, condition: 'failure' }, m.failure);
  }
}

/** An Application's event series exist from when it is first seen: its first sync and fetch error count. */
function initApplicationSeries(labels: Record<string, string>): void {
  ensureZero(syncDuration, labels);
  ensureZero(gitFetchDuration, labels);
  gitFetchErrors.inc(labels, 0);
  objectsApplied.inc(labels, 0);
  objectsPruned.inc(labels, 0);
  for (const result of ['Succeeded', 'Failed']) syncs.inc({ ...labels, result }, 0);
}

function collectApplication(a: ApplicationSample): void {
  const labels = { namespace: a.namespace, application: a.application };
  once(`a/${a.namespace}/${a.application}`, () => initApplicationSeries(labels));
  g.appInfo.set({ ...labels, repo: a.repo, revision: a.revision }, 1);
  oneHot(g.appSync, labels, { key: 'status', values: SYNC_STATUSES, current: a.sync });
  oneHot(g.appHealth, labels, { key: 'status', values: HEALTH_STATUSES, current: a.health });
}

function collectQueue(q: QueueSample): void {
  const labels = { controller: q.controller };
  g.depth.set(labels, q.depth);
  g.longest.set(labels, q.longestRunningMs / 1000);
  g.adds.set(labels, q.adds);
  g.retries.set(labels, q.retries);
}

/** Name, type and labels of every cache-backed family (the dashboards' contract test reads them). */
export const STATE_FAMILIES: readonly FamilySpec[] = Object.values(g);

const CHUNK = 200;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Calls `each` for every sample, giving the event loop a turn every CHUNK samples. */
async function forEachChunked<T>(sources: readonly (() => Iterable<T>)[], each: (sample: T) => void): Promise<void> {
  let count = 0;
  for (const source of sources) {
    for (const sample of source()) {
      each(sample);
      if (++count % CHUNK === 0) await yieldToEventLoop();
    }
  }
}

/** Refreshes every cache-backed metric from its sources, in chunks: a scrape never blocks reconciles for long. */
export async function refreshSources(): Promise<string> {
  for (const family of STATE_FAMILIES as Family[]) family.reset();
  await forEachChunked(sources.rollouts, collectRollout);
  await forEachChunked(sources.analysis, collectAnalysis);
  await forEachChunked(sources.applications, collectApplication);
  for (const source of sources.queues) collectQueue(source());
  return (STATE_FAMILIES as Family[]).map((f) => f.render()).join('');
}

/** The text exposition of every metric: prom-client's (events, process) and the cache-backed families. */
export async function scrape(): Promise<{ readonly contentType: string; readonly body: string }> {
  const state = await refreshSources();
  const events = await registry.metrics();
  return { contentType: registry.contentType, body: `${events}${events === '' || events.endsWith('\n') ? '' : '\n'}${state}` };
}

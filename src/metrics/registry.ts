// The process's Prometheus registry and the metrics every layer records into (docs/metrics.md).
// A leaf module: it imports prom-client only, so src/kube, src/analysis, src/gitops and
// src/rollout may all record here. Metrics that describe objects (a rollout's phase, an
// Application's health) are not recorded by the controllers: they are read from the informers'
// caches when Prometheus scrapes (sources.ts), so they never go stale and a deleted object's
// series disappear with it. Label sets are bounded: no pod names, no revision SHAs outside
// `*_info` metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from './prom.ts';

export const registry = new Registry();

/** Seconds: from 5 ms (a cached reconcile) to 2 min (a big sync). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** API requests: 1 ms to 10 s. */
const API_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const registers = [registry];

// ---- controller ----------------------------------------------------------------------------

export const reconcileDuration = new Histogram({
  name: 'sluice_reconcile_duration_seconds',
  help: 'Time one reconcile took, per controller (rollouts, analysisruns, applications).',
  labelNames: ['controller'] as const,
  buckets: DURATION_BUCKETS,
  registers,
});

export const reconcileErrors = new Counter({
  name: 'sluice_reconcile_errors_total',
  help: 'Reconciles that failed (and were retried, or given up on for a terminal error), per controller.',
  labelNames: ['controller'] as const,
  registers,
});

export const apiRequestDuration = new Histogram({
  name: 'sluice_kube_api_request_duration_seconds',
  help: 'Latency of requests to the Kubernetes API server (not watches), by verb and resource.',
  labelNames: ['verb', 'resource'] as const,
  buckets: API_BUCKETS,
  registers,
});

export const apiRequests = new Counter({
  name: 'sluice_kube_api_requests_total',
  help: 'Requests to the Kubernetes API server by verb, resource and HTTP code ("error": no response). Watches count once, when opened.',
  labelNames: ['verb', 'resource', 'code'] as const,
  registers,
});

export const leader = new Gauge({
  name: 'sluice_leader',
  help: '1 while this process holds the leader Lease (runs the controllers), else 0.',
  registers,
});

export const buildInfo = new Gauge({
  name: 'sluice_build_info',
  help: 'Always 1; the version of this controller.',
  labelNames: ['version', 'node_version'] as const,
  registers,
});

// ---- analysis ------------------------------------------------------------------------------

export const measurements = new Counter({
  name: 'sluice_analysis_measurements_total',
  help: 'Measurements taken, by outcome (Successful, Failed, Inconclusive, Error).',
  labelNames: ['namespace', 'rollout', 'metric', 'provider', 'phase'] as const,
  registers,
});

export const measurementDuration = new Histogram({
  name: 'sluice_analysis_measurement_duration_seconds',
  help: 'Time one measurement took (the provider query), by provider.',
  labelNames: ['provider'] as const,
  buckets: DURATION_BUCKETS,
  registers,
});

// ---- rollouts ------------------------------------------------------------------------------

export const rolloutAborts = new Counter({
  name: 'sluice_rollout_aborts_total',
  help: 'Updates aborted (traffic sent back to stable), by reason: analysis, progress-deadline or manual.',
  labelNames: ['namespace', 'rollout', 'reason'] as const,
  registers,
});

export const rolloutPromotions = new Counter({
  name: 'sluice_rollout_promotions_total',
  help: 'Updates promoted to stable, by reason: completed (every step), full (promote --full) or fast-track (back to the stable template).',
  labelNames: ['namespace', 'rollout', 'reason'] as const,
  registers,
});

// ---- applications --------------------------------------------------------------------------

export const syncDuration = new Histogram({
  name: 'sluice_application_sync_duration_seconds',
  help: 'Time from the start of a sync operation to its result.',
  labelNames: ['namespace', 'application'] as const,
  buckets: DURATION_BUCKETS,
  registers,
});

export const syncs = new Counter({
  name: 'sluice_application_syncs_total',
  help: 'Sync results (a new history entry), by result: Succeeded or Failed.',
  labelNames: ['namespace', 'application', 'result'] as const,
  registers,
});

export const objectsApplied = new Counter({
  name: 'sluice_application_objects_applied_total',
  help: 'Objects server-side-applied by syncs.',
  labelNames: ['namespace', 'application'] as const,
  registers,
});

export const objectsPruned = new Counter({
  name: 'sluice_application_objects_pruned_total',
  help: 'Objects deleted by syncs because Git no longer has them.',
  labelNames: ['namespace', 'application'] as const,
  registers,
});

export const gitFetchDuration = new Histogram({
  name: 'sluice_git_fetch_duration_seconds',
  help: "Time to bring an Application's Git revision up to date (fetch and checkout).",
  labelNames: ['namespace', 'application'] as const,
  buckets: DURATION_BUCKETS,
  registers,
});

export const gitFetchErrors = new Counter({
  name: 'sluice_git_fetch_errors_total',
  help: 'Git fetches that failed (unreachable, bad credentials, unknown revision).',
  labelNames: ['namespace', 'application'] as const,
  registers,
});

// ---- notifications -------------------------------------------------------------------------

export const notifications = new Counter({
  name: 'sluice_notifications_total',
  help: 'Outbound notifications by service, trigger and result (sent, failed).',
  labelNames: ['service', 'trigger', 'result'] as const,
  registers,
});

// ---- series that exist before their first event ---------------------------------------------
// Prometheus cannot see the first event of a series born at 1: rate() and increase() need a
// sample before it. Series whose labels are known before anything happens start at 0.

const zeroed = new Set<string>();

/**
 * Creates the histogram series at 0 unless it exists. Every observation of a histogram that is
 * zeroed anywhere goes through `observe` below, so a zero never wipes an observation.
 */
export function ensureZero(histogram: Histogram<string>, labels: Record<string, string>): void {
  const key = `${(histogram as unknown as { name: string }).name}${JSON.stringify(labels)}`;
  if (zeroed.has(key)) return;
  zeroed.add(key);
  histogram.zero(labels);
}

export function observe(histogram: Histogram<string>, labels: Record<string, string>, seconds: number): void {
  ensureZero(histogram, labels);
  histogram.observe(labels, seconds);
}

/** The providers Sluice has: their measurement histograms exist from the start. */
const PROVIDERS = ['prometheus', 'web', 'job'];

let defaultsOn = false;

/** Node process metrics (process_*, nodejs_*) and build info: once, by the controller command. */
export function collectProcessMetrics(version: string): void {
  if (defaultsOn) return;
  defaultsOn = true;
  collectDefaultMetrics(registry);
  buildInfo.set({ version, node_version: process.version }, 1);
  for (const provider of PROVIDERS) ensureZero(measurementDuration, { provider });
}

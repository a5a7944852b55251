// The metrics the dashboards may query: Sluice's own (exported on /metrics, names final), the
// Istio standard request metrics, and the prom-client default process metrics. A dashboard that
// names anything else, or a label a metric does not carry, fails test/dashboards/model.test.ts.

export type MetricType = 'gauge' | 'counter' | 'histogram';

export interface MetricContract {
  readonly type: MetricType;
  readonly labels: readonly string[];
}

const ROLLOUT = ['namespace', 'rollout'] as const;
const ANALYSIS_METRIC = [...ROLLOUT, 'metric', 'provider'] as const;
const APPLICATION = ['namespace', 'application'] as const;

const gauge = (...labels: readonly string[]): MetricContract => ({ type: 'gauge', labels });
const counter = (...labels: readonly string[]): MetricContract => ({ type: 'counter', labels });
const histogram = (...labels: readonly string[]): MetricContract => ({ type: 'histogram', labels });

/** Sluice's own metrics. */
export const SLUICE_METRICS: Readonly<Record<string, MetricContract>> = {
  // Rollouts
  sluice_rollout_info: gauge(...ROLLOUT, 'strategy', 'stable_hash', 'canary_hash', 'stable_service', 'canary_service'),
  sluice_rollout_phase: gauge(...ROLLOUT, 'phase'),
  sluice_rollout_set_weight: gauge(...ROLLOUT),
  sluice_rollout_actual_weight: gauge(...ROLLOUT),
  sluice_rollout_step: gauge(...ROLLOUT),
  sluice_rollout_steps: gauge(...ROLLOUT),
  sluice_rollout_replicas: gauge(...ROLLOUT, 'role', 'state'),
  sluice_rollout_aborts_total: counter(...ROLLOUT, 'reason'),
  sluice_rollout_promotions_total: counter(...ROLLOUT, 'reason'),
  // Analysis
  sluice_analysis_metric_value: gauge(...ANALYSIS_METRIC),
  sluice_analysis_metric_threshold: gauge(...ANALYSIS_METRIC, 'condition'),
  sluice_analysis_measurements_total: counter(...ANALYSIS_METRIC, 'phase'),
  sluice_analysis_run_phase: gauge(...ROLLOUT, 'phase'),
  sluice_analysis_measurement_duration_seconds: histogram('provider'),
  // Applications (GitOps)
  sluice_application_info: gauge(...APPLICATION, 'repo', 'revision'),
  sluice_application_sync_status: gauge(...APPLICATION, 'status'),
  sluice_application_health_status: gauge(...APPLICATION, 'status'),
  sluice_application_sync_duration_seconds: histogram(...APPLICATION),
  sluice_application_syncs_total: counter(...APPLICATION, 'result'),
  sluice_application_objects_applied_total: counter(...APPLICATION),
  sluice_application_objects_pruned_total: counter(...APPLICATION),
  sluice_git_fetch_duration_seconds: histogram(...APPLICATION),
  sluice_git_fetch_errors_total: counter(...APPLICATION),
  // Controller
  sluice_reconcile_duration_seconds: histogram('controller'),
  sluice_reconcile_errors_total: counter('controller'),
  sluice_workqueue_depth: gauge('controller'),
  sluice_workqueue_adds_total: counter('controller'),
  sluice_workqueue_retries_total: counter('controller'),
  sluice_workqueue_longest_running_seconds: gauge('controller'),
  sluice_kube_api_request_duration_seconds: histogram('verb', 'resource'),
  sluice_kube_api_requests_total: counter('verb', 'resource', 'code'),
  sluice_leader: gauge(),
  sluice_build_info: gauge('version', 'node_version'),
  sluice_notifications_total: counter('service', 'trigger', 'result'),
};

/** Istio's standard labels (istio.io "Istio Standard Metrics"), on both request metrics. */
const ISTIO_LABELS = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'source_cluster',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_service_name',
  'destination_service_namespace',
  'destination_cluster',
  'request_protocol',
  'response_code',
  'grpc_response_status',
  'response_flags',
  'connection_security_policy',
] as const;

/** Metrics from outside Sluice that the dashboards may use. */
export const OTHER_METRICS: Readonly<Record<string, MetricContract>> = {
  istio_requests_total: counter(...ISTIO_LABELS),
  istio_request_duration_milliseconds: histogram(...ISTIO_LABELS),
  process_resident_memory_bytes: gauge(),
  process_cpu_seconds_total: counter(),
  nodejs_eventloop_lag_p99_seconds: gauge(),
  nodejs_heap_size_used_bytes: gauge(),
};

/** Labels Prometheus adds to every scraped series. */
export const TARGET_LABELS: readonly string[] = ['job', 'instance'];

/** A series name the dashboards may query, with the labels it carries; undefined when it is not in the contract. */
export function seriesContract(name: string): { readonly metric: string; readonly labels: readonly string[] } | undefined {
  const all = { ...SLUICE_METRICS, ...OTHER_METRICS };
  const direct = all[name];
  // A histogram is queried through its _bucket, _sum and _count series, never by its bare name.
  if (direct !== undefined) return direct.type === 'histogram' ? undefined : { metric: name, labels: direct.labels };
  const suffix = /_(bucket|sum|count)$/.exec(name);
  if (suffix === null) return undefined;
  const metric = name.slice(0, suffix.index);
  const base = all[metric];
  if (base?.type !== 'histogram') return undefined;
  return { metric, labels: suffix[1] === 'bucket' ? [...base.labels, 'le'] : base.labels };
}

// startIstioExporter(): a stand-in for the telemetry of Istio's proxies. It serves /metrics in the
// Prometheus text format with `istio_requests_total` and `istio_request_duration_milliseconds`
// (Istio's names, label set and Envoy's default buckets), and a test sets each destination's
// traffic at run time: requests per second, the share of 5xx / proxy failures / 4xx, latency.
//
// Counters are computed from elapsed time × rate, so rate() over any window is exact (ratios are
// exact even while the window is still filling: every series of a destination starts together).
// Three "no data" states, as a real mesh has them:
//   - never set, or removeTraffic(): no series at all → PromQL over them is an EMPTY vector;
//   - stopTraffic() (or rps 0): the series stay, frozen → rate() is 0 → ratios are NaN (0/0);
//   - an outcome with share 0 (e.g. no 5xx yet): that series does not exist, as in Envoy, which
//     creates a series on its first request.
//
// Both reporters are exported, as a real mesh exports them: reporter="source" from the calling
// proxy (sidecar or ingress gateway), reporter="destination" from the canary pod's sidecar.
// `proxyErrorRate` models requests the caller's proxy failed itself (503, response_flags "UF":
// the destination never saw them), so they appear under reporter="source" only.
import { createServer, type Server } from 'node:http';

/** Envoy's default histogram buckets in ms (histogram_impl.cc), which Istio's request duration uses; +Inf is implied. */
export const ISTIO_DURATION_BUCKETS_MS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];

export interface IstioDestination {
  /** destination_service_name: the Service the caller's proxy routed to, e.g. the canary Service. */
  readonly service: string;
  /** destination_service_namespace and destination_workload_namespace. */
  readonly namespace: string;
  /**
   * destination_workload (default: `service`). Istio names a rollout's pods after the Rollout, for
   * the stable and the canary ReplicaSet alike (it strips rollouts-pod-template-hash), so a test
   * that mirrors a mesh gives the stable and the canary destination the same workload.
   */
  readonly workload?: string;
  /** destination_canonical_revision (default "latest", what Istio reports without a version label). */
  readonly revision?: string;
}

/** A share of requests (0..1, normalised over all shares) that takes `ms` milliseconds. */
export interface LatencyShare {
  readonly ms: number;
  readonly share: number;
}

export interface IstioTraffic {
  /** Requests per second sent to the destination. 0 = traffic stopped: series stay, frozen. */
  readonly rps: number;
  /** Share answered with `errorCode` (default 500) by the application: both reporters see it. */
  readonly errorRate?: number;
  /** Share the caller's proxy failed itself (503, response_flags "UF"): reporter="source" only. */
  readonly proxyErrorRate?: number;
  /** Share answered 404: a client error, not a failure of the service. */
  readonly clientErrorRate?: number;
  /** The 5xx code of `errorRate` (default 500). */
  readonly errorCode?: number;
  /** Every request takes this long, or each share of requests takes its time (default 10 ms). */
  readonly latencyMs?: number | readonly LatencyShare[];
  /** The caller (default: the ingress gateway in istio-system). */
  readonly source?: { readonly workload: string; readonly namespace: string };
}

export interface IstioExporter {
  /** The /metrics URL. */
  readonly url: string;
  readonly port: number;
  /** host:port, for Prometheus' scrape config. */
  readonly target: string;
  /** Starts or changes a destination's traffic; counters carry on from where they are. */
  setTraffic(destination: IstioDestination, traffic: IstioTraffic): void;
  /** Traffic stopped: the series stay and stop growing (rate 0, so ratios become NaN). */
  stopTraffic(destination: IstioDestination): void;
  /** The series go away (the pods are gone or Istio expired the stats): queries see an empty vector. */
  removeTraffic(destination: IstioDestination): void;
  /** The exposition text a scrape would get now. */
  render(): string;
  stop(): Promise<void>;
}

export interface IstioExporterOptions {
  /** Clock in ms (default Date.now), for tests of the exporter itself. */
  readonly now?: () => number;
}

export type Reporter = 'source' | 'destination';

interface Outcome {
  readonly code: number;
  readonly flags: string;
  readonly share: number;
  readonly reporters: readonly Reporter[];
}

interface Plan {
  readonly rps: number;
  readonly outcomes: readonly Outcome[];
  /** Cumulative share of requests at or below each bucket bound. */
  readonly bucketShares: readonly number[];
  readonly meanMs: number;
  readonly source: { readonly workload: string; readonly namespace: string };
}

interface Series {
  readonly labels: string;
  requests: number;
  readonly buckets: number[];
  sumMs: number;
}

interface DestinationState {
  readonly destination: Required<IstioDestination>;
  plan: Plan;
  /** Time (ms) up to which the series are integrated. */
  since: number;
  readonly series: Map<string, Series>;
}

const BOTH: readonly Reporter[] = ['source', 'destination'];

export async function startIstioExporter(options: IstioExporterOptions = {}): Promise<IstioExporter> {
  const now = options.now ?? Date.now;
  const destinations = new Map<string, DestinationState>();

  const render = (): string => {
    const at = now();
    for (const state of destinations.values()) advance(state, at);
    return renderText([...destinations.values()].flatMap((d) => [...d.series.values()]));
  };

  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(render());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('istio exporter has no port');

  return {
    url: `http://127.0.0.1:${address.port}/metrics`,
    port: address.port,
    target: `127.0.0.1:${address.port}`,
    setTraffic(destination, traffic) {
      const plan = planOf(traffic);
      const full = withDefaults(destination);
      const key = keyOf(full);
      const at = now();
      const state = destinations.get(key);
      if (state === undefined) {
        destinations.set(key, { destination: full, plan, since: at, series: new Map() });
        advance(destinations.get(key) as DestinationState, at);
        return;
      }
      advance(state, at);
      state.plan = plan;
      advance(state, at);
    },
    stopTraffic(destination) {
      const state = destinations.get(keyOf(withDefaults(destination)));
      if (state === undefined) return;
      advance(state, now());
      state.plan = { ...state.plan, rps: 0 };
    },
    removeTraffic(destination) {
      destinations.delete(keyOf(withDefaults(destination)));
    },
    render,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function withDefaults(d: IstioDestination): Required<IstioDestination> {
  return { service: d.service, namespace: d.namespace, workload: d.workload ?? d.service, revision: d.revision ?? 'latest' };
}

function keyOf(d: Required<IstioDestination>): string {
  return JSON.stringify([d.namespace, d.service, d.workload, d.revision]);
}

function planOf(traffic: IstioTraffic): Plan {
  const { rps } = traffic;
  if (!Number.isFinite(rps) || rps < 0) throw new RangeError(`rps must be a finite number >= 0, got ${rps}`);
  const errorRate = share('errorRate', traffic.errorRate);
  const proxyErrorRate = share('proxyErrorRate', traffic.proxyErrorRate);
  const clientErrorRate = share('clientErrorRate', traffic.clientErrorRate);
  const ok = 1 - errorRate - proxyErrorRate - clientErrorRate;
  if (ok < -1e-12) throw new RangeError('errorRate + proxyErrorRate + clientErrorRate must not exceed 1');
  const errorCode = traffic.errorCode ?? 500;
  if (!Number.isInteger(errorCode) || errorCode < 500 || errorCode > 599) throw new RangeError(`errorCode must be a 5xx code, got ${errorCode}`);
  const outcomes: Outcome[] = [
    { code: 200, flags: '-', share: Math.max(0, ok), reporters: BOTH },
    { code: 404, flags: '-', share: clientErrorRate, reporters: BOTH },
    { code: errorCode, flags: '-', share: errorRate, reporters: BOTH },
    { code: 503, flags: 'UF', share: proxyErrorRate, reporters: ['source'] },
  ];
  const latency = latencyOf(traffic.latencyMs ?? 10);
  return {
    rps,
    outcomes: outcomes.filter((o) => o.share > 0),
    ...latency,
    source: traffic.source ?? { workload: 'istio-ingressgateway', namespace: 'istio-system' },
  };
}

function share(name: string, value: number | undefined): number {
  const v = value ?? 0;
  if (!Number.isFinite(v) || v < 0 || v > 1) throw new RangeError(`${name} must be within 0..1, got ${v}`);
  return v;
}

function latencyOf(latency: number | readonly LatencyShare[]): Pick<Plan, 'bucketShares' | 'meanMs'> {
  const shares = typeof latency === 'number' ? [{ ms: latency, share: 1 }] : latency;
  if (shares.length === 0) throw new RangeError('latencyMs needs at least one share');
  for (const s of shares) {
    if (!Number.isFinite(s.ms) || s.ms < 0) throw new RangeError(`latency must be a finite number of ms >= 0, got ${s.ms}`);
    if (!Number.isFinite(s.share) || s.share <= 0) throw new RangeError(`a latency share must be > 0, got ${s.share}`);
  }
  const total = shares.reduce((sum, s) => sum + s.share, 0);
  return {
    // Snapped to 1 when every share is in: float sums must not leave a top bucket below +Inf.
    bucketShares: ISTIO_DURATION_BUCKETS_MS.map((le) => {
      const inBucket = shares.filter((s) => s.ms <= le);
      return inBucket.length === shares.length ? 1 : inBucket.reduce((sum, s) => sum + s.share, 0) / total;
    }),
    meanMs: shares.reduce((sum, s) => sum + s.ms * s.share, 0) / total,
  };
}

/** Integrates the destination's plan from `since` to `at`; creates the series of every outcome that has traffic. */
function advance(state: DestinationState, at: number): void {
  const seconds = Math.max(0, (at - state.since) / 1000);
  state.since = Math.max(state.since, at);
  const { plan } = state;
  if (plan.rps === 0) return;
  for (const outcome of plan.outcomes) {
    for (const reporter of outcome.reporters) {
      const labels = istioLabels(state.destination, plan.source, reporter, outcome);
      let series = state.series.get(labels);
      if (series === undefined) {
        series = { labels, requests: 0, buckets: ISTIO_DURATION_BUCKETS_MS.map(() => 0), sumMs: 0 };
        state.series.set(labels, series);
      }
      const requests = plan.rps * outcome.share * seconds;
      series.requests += requests;
      series.sumMs += requests * plan.meanMs;
      plan.bucketShares.forEach((s, i) => {
        series.buckets[i] = (series.buckets[i] ?? 0) + requests * s;
      });
    }
  }
}

/** What an Istio proxy knows of a request's destination; "unknown" where no route or pod was found. */
export interface IstioLabelDestination {
  readonly service: string;
  readonly namespace: string;
  readonly workload: string;
  readonly revision: string;
}

/**
 * Istio's standard labels (istio.io/latest/docs/reference/config/metrics), in the order Envoy
 * emits them, as the text inside a series' braces. Shared with the demo's mesh (demo/mesh-metrics.ts).
 */
export function istioLabels(d: IstioLabelDestination, source: { readonly workload: string; readonly namespace: string }, reporter: Reporter, response: { readonly code: number; readonly flags: string }): string {
  const pairs: [string, string][] = [
    ['reporter', reporter],
    ['source_workload', source.workload],
    ['source_workload_namespace', source.namespace],
    ['source_principal', `spiffe://cluster.local/ns/${source.namespace}/sa/${source.workload}`],
    ['source_app', source.workload],
    ['source_version', 'unknown'],
    ['source_canonical_service', source.workload],
    ['source_canonical_revision', 'latest'],
    ['source_cluster', 'Kubernetes'],
    ['destination_workload', d.workload],
    ['destination_workload_namespace', d.namespace],
    ['destination_principal', d.workload === 'unknown' ? 'unknown' : `spiffe://cluster.local/ns/${d.namespace}/sa/default`],
    ['destination_app', d.workload],
    ['destination_version', d.revision === 'latest' ? 'unknown' : d.revision],
    ['destination_service', d.service === 'unknown' ? 'unknown' : `${d.service}.${d.namespace}.svc.cluster.local`],
    ['destination_service_name', d.service],
    ['destination_service_namespace', d.namespace],
    ['destination_canonical_service', d.workload],
    ['destination_canonical_revision', d.revision],
    ['destination_cluster', 'Kubernetes'],
    ['request_protocol', 'http'],
    ['response_code', String(response.code)],
    ['response_flags', response.flags],
    // The source proxy cannot know the server's policy (Istio reports "unknown" there).
    ['connection_security_policy', reporter === 'destination' ? 'mutual_tls' : 'unknown'],
  ];
  return pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function renderText(series: readonly Series[]): string {
  if (series.length === 0) return '';
  const lines = [
    '# HELP istio_requests_total Requests handled by an Istio proxy (Sluice test exporter).',
    '# TYPE istio_requests_total counter',
    ...series.map((s) => `istio_requests_total{${s.labels}} ${num(s.requests)}`),
    '# HELP istio_request_duration_milliseconds Request duration in ms (Sluice test exporter).',
    '# TYPE istio_request_duration_milliseconds histogram',
  ];
  for (const s of series) {
    ISTIO_DURATION_BUCKETS_MS.forEach((le, i) => lines.push(`istio_request_duration_milliseconds_bucket{${s.labels},le="${le}"} ${num(s.buckets[i] ?? 0)}`));
    lines.push(`istio_request_duration_milliseconds_bucket{${s.labels},le="+Inf"} ${num(s.requests)}`);
    lines.push(`istio_request_duration_milliseconds_sum{${s.labels}} ${num(s.sumMs)}`);
    lines.push(`istio_request_duration_milliseconds_count{${s.labels}} ${num(s.requests)}`);
  }
  return `${lines.join('\n')}\n`;
}

const num = (n: number): string => String(n);

// DEMO COMPONENT — not part of the Sluice controller (nothing under src/ imports demo/).
//
// What the mesh stand-in exports: istio_requests_total and istio_request_duration_milliseconds
// (_bucket/_sum/_count) with Istio's label names, in the order and with the conventions of
// test/harness/istio-exporter.ts, so the stock analysis templates query it unchanged. Series are
// created on their first request, as Envoy does. reporter="source" is the calling proxy's report
// (every request, including those the proxy failed itself); reporter="destination" is the
// destination's sidecar's (only requests that reached a pod).

/** Envoy's default histogram buckets in ms (as test/harness/istio-exporter.ts); +Inf is implied. */
export const ISTIO_DURATION_BUCKETS_MS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];

export type Reporter = 'source' | 'destination';

export interface MeshDestination {
  /** destination_service_name ("unknown" when no route chose a Service). */
  readonly service: string;
  readonly namespace: string;
  /** destination_workload ("unknown" when no pod was reached). */
  readonly workload: string;
  /** destination_canonical_revision. */
  readonly revision: string;
}

export interface MeshSource {
  readonly workload: string;
  readonly namespace: string;
}

export interface RequestRecord {
  readonly source: MeshSource;
  readonly destination: MeshDestination;
  readonly code: number;
  /** Envoy's response flags: "-" none, "UH" no healthy upstream, "UF" upstream connect failure, "NR" no route. */
  readonly flags: string;
  readonly durationMs: number;
  readonly reporters: readonly Reporter[];
}

interface Series {
  readonly labels: string;
  requests: number;
  /** Cumulative counts per bucket bound. */
  readonly buckets: number[];
  sumMs: number;
}

export class IstioMetrics {
  readonly #series = new Map<string, Series>();

  record(r: RequestRecord): void {
    for (const reporter of r.reporters) {
      const labels = labelsOf(r, reporter);
      let series = this.#series.get(labels);
      if (series === undefined) {
        series = { labels, requests: 0, buckets: ISTIO_DURATION_BUCKETS_MS.map(() => 0), sumMs: 0 };
        this.#series.set(labels, series);
      }
      series.requests += 1;
      series.sumMs += r.durationMs;
      ISTIO_DURATION_BUCKETS_MS.forEach((le, i) => {
        if (r.durationMs <= le) series.buckets[i] = (series.buckets[i] ?? 0) + 1;
      });
    }
  }

  /** The Prometheus text exposition (empty before the first request). */
  render(): string {
    const series = [...this.#series.values()];
    if (series.length === 0) return '';
    const lines = [
      '# HELP istio_requests_total Requests handled by an Istio proxy (Sluice demo mesh stand-in).',
      '# TYPE istio_requests_total counter',
      ...series.map((s) => `istio_requests_total{${s.labels}} ${s.requests}`),
      '# HELP istio_request_duration_milliseconds Request duration in ms (Sluice demo mesh stand-in).',
      '# TYPE istio_request_duration_milliseconds histogram',
    ];
    for (const s of series) {
      ISTIO_DURATION_BUCKETS_MS.forEach((le, i) => lines.push(`istio_request_duration_milliseconds_bucket{${s.labels},le="${le}"} ${s.buckets[i] ?? 0}`));
      lines.push(`istio_request_duration_milliseconds_bucket{${s.labels},le="+Inf"} ${s.requests}`);
      lines.push(`istio_request_duration_milliseconds_sum{${s.labels}} ${s.sumMs}`);
      lines.push(`istio_request_duration_milliseconds_count{${s.labels}} ${s.requests}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

/** Istio's standard labels (istio.io/latest/docs/reference/config/metrics), in the order Envoy emits them. */
function labelsOf(r: RequestRecord, reporter: Reporter): string {
  const { source, destination: d } = r;
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
    ['response_code', String(r.code)],
    ['response_flags', r.flags],
    // The source proxy cannot know the server's policy (Istio reports "unknown" there).
    ['connection_security_policy', reporter === 'destination' ? 'mutual_tls' : 'unknown'],
  ];
  return pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

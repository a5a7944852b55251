// DEMO COMPONENT — not part of the Sluice controller (nothing under src/ imports demo/).
//
// What the mesh stand-in exports: istio_requests_total and istio_request_duration_milliseconds
// (_bucket/_sum/_count) with Istio's label names, in the order and with the conventions of
// test/harness/istio-exporter.ts, so the stock analysis templates query it unchanged. Series are
// created on their first request, as Envoy does. reporter="source" is the calling proxy's report
// (every request, including those the proxy failed itself); reporter="destination" is the
// destination's sidecar's (only requests that reached a pod).

import { ISTIO_DURATION_BUCKETS_MS, istioLabels, type Reporter } from '../test/harness/istio-exporter.ts';

export type { Reporter };

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
      const labels = istioLabels(r.destination, r.source, reporter, r);
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

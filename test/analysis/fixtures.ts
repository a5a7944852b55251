// Analysis fixtures: a control plane with Sluice's CRDs and controller, a real Prometheus that
// scrapes a gauge server the tests set, Argo-syntax templates, and readers for AnalysisRuns.
import type { KubeObject } from '../../src/kube/object.ts';
import type { AnalysisRun } from '../../src/api/analysis.ts';
import { startGaugeServer, type GaugeServer } from '../harness/gauges.ts';
import { startIstioExporter, type IstioExporter } from '../harness/istio-exporter.ts';
import { startPrometheus, type PrometheusServer } from '../harness/prometheus.ts';
import { fetchText } from '../harness/http.ts';
import { startRolloutSuite, type RolloutSuite } from '../rollout/suite.ts';
import type { Cluster } from '../harness/cluster.ts';

export type Run = KubeObject & AnalysisRun;

export interface AnalysisSuite {
  readonly rollouts: RolloutSuite;
  readonly cluster: Cluster;
  readonly prometheus: PrometheusServer;
  readonly gauges: GaugeServer;
  /** Istio-shaped request metrics, for the stock templates. */
  readonly istio: IstioExporter;
  stop(): Promise<void>;
}

export async function startAnalysisSuite(): Promise<AnalysisSuite> {
  const gauges = await startGaugeServer();
  const istio = await startIstioExporter();
  const prometheus = await startPrometheus({ scrapeTargets: [gauges.target, istio.target], scrapeIntervalSeconds: 1 });
  let rollouts: RolloutSuite | undefined;
  try {
    rollouts = await startRolloutSuite();
    return {
      rollouts,
      cluster: rollouts.cluster,
      prometheus,
      gauges,
      istio,
      async stop() {
        await rollouts?.stop();
        await prometheus.stop();
        await gauges.stop();
        await istio.stop();
      },
    };
  } catch (error) {
    await prometheus.stop();
    await gauges.stop();
    await istio.stop();
    throw error;
  }
}

/** Waits until Prometheus returns `value` for `query` (the scrape after a gauge change has happened). */
export async function untilPrometheusSees(suite: AnalysisSuite, query: string, value: string | undefined): Promise<void> {
  await suite.cluster.waitFor(`prometheus: ${query} = ${value ?? '(empty)'}`, async () => {
    const res = await fetchText(`${suite.prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = JSON.parse(res.body) as { data?: { result?: { value: [number, string] }[] } };
    const result = body.data?.result ?? [];
    return value === undefined ? result.length === 0 : result[0]?.value[1] === value;
  }, { timeoutMs: 20_000, intervalMs: 200 });
}

export const runRef = (namespace: string, name: string): { apiVersion: string; kind: string; namespace: string; name: string } => ({ apiVersion: 'sluice.dev/v1alpha1', kind: 'AnalysisRun', namespace, name });

export async function listRuns(cluster: Cluster, namespace: string): Promise<Run[]> {
  const list = await cluster.clients.request<{ items: Run[] }>({ method: 'GET', path: `/apis/sluice.dev/v1alpha1/namespaces/${namespace}/analysisruns` });
  return list.items.sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name));
}

export async function waitForRun(cluster: Cluster, namespace: string, what: string, check: (r: Run) => boolean, timeoutMs = 60_000): Promise<Run> {
  return cluster.waitFor(`analysis run: ${what}`, async () => (await listRuns(cluster, namespace)).find(check), { timeoutMs, intervalMs: 100 });
}

/** A namespaced template over the gauge `metric{namespace=…}` with Argo's fields. */
export function gaugeTemplate(o: {
  readonly name: string;
  readonly metric: string;
  readonly prometheus: string;
  readonly interval?: string;
  readonly count?: number;
  readonly successCondition?: string;
  readonly failureCondition?: string;
  readonly extra?: string;
}): string {
  const lines = [
    `apiVersion: sluice.dev/v1alpha1`,
    `kind: AnalysisTemplate`,
    `metadata:`,
    `  name: ${o.name}`,
    `spec:`,
    `  args:`,
    `  - name: namespace`,
    `  metrics:`,
    `  - name: ${o.metric}`,
    ...(o.interval === undefined ? [] : [`    interval: ${o.interval}`]),
    ...(o.count === undefined ? [] : [`    count: ${o.count}`]),
    ...(o.successCondition === undefined ? [] : [`    successCondition: ${JSON.stringify(o.successCondition)}`]),
    ...(o.failureCondition === undefined ? [] : [`    failureCondition: ${JSON.stringify(o.failureCondition)}`]),
    ...(o.extra === undefined ? [] : [o.extra]),
    `    provider:`,
    `      prometheus:`,
    `        address: ${o.prometheus}`,
    `        timeout: 2s`,
    `        query: ${o.metric.replaceAll('-', '_')}{namespace="{{args.namespace}}"}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The step `analysis` entry of a Rollout, with the namespace arg. */
export function analysisStep(template: string, namespace: string): string {
  return `      - analysis:\n          templates:\n          - templateName: ${template}\n          args:\n          - name: namespace\n            value: ${namespace}\n`;
}

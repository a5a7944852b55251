// The stock ClusterAnalysisTemplates (analysis-templates/) against a real Prometheus scraping an
// Istio-shaped exporter: each template's query, with its arguments substituted, returns what the
// exporter was told for the CANARY's traffic only, and the template's own successCondition and
// emptyResult turn that into the measurement phase Sluice would record.
//
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { load } from 'js-yaml';
import { substituteCondition, substitutePromQL as realSubstitutePromQL, substituteText, type ArgValue, type Args, type TextResult } from '../../src/analysis/args.ts';
import { assessMeasurement, type MeasuredPhase } from '../../src/analysis/assess.ts';
import { compileCondition } from '../../src/analysis/expr/index.ts';
import { clusterAnalysisTemplateSchema, type AnalysisTemplate, type Metric } from '../../src/api/analysis.ts';
import { validate } from '../../src/api/schema-validate.ts';
import { fetchText } from '../harness/http.ts';
import { startIstioExporter, type IstioDestination, type IstioExporter } from '../harness/istio-exporter.ts';
import { repoRoot } from '../harness/paths.ts';
import { startPrometheus, type PrometheusServer } from '../harness/prometheus.ts';

// Argument substitution: the controller's own (src/analysis/args.ts).

type SubstitutePromQL = typeof realSubstitutePromQL;

const ARG = /\{\{\s*args\.([^{}]+?)\s*\}\}/g;

// ---------------------------------------------------------------------------------------------
// The templates

const STOCK = ['success-rate', 'error-rate', 'latency-p95', 'latency-p99'] as const;
type StockName = (typeof STOCK)[number];
const templateDir = join(repoRoot, 'analysis-templates');

function loadTemplate(name: string): AnalysisTemplate {
  return load(readFileSync(join(templateDir, `${name}.yaml`), 'utf8')) as AnalysisTemplate;
}

function onlyMetric(template: AnalysisTemplate): Metric {
  assert.equal(template.spec.metrics.length, 1, `${template.metadata?.name} has one metric`);
  return template.spec.metrics[0] as Metric;
}

/** The template's defaults with `supplied` on top, as a Rollout's analysis args would give them. */
function argsOf(template: AnalysisTemplate, supplied: Readonly<Record<string, string>>): Args {
  const args: Record<string, ArgValue> = {};
  for (const arg of template.spec.args ?? []) {
    const value = supplied[arg.name] ?? arg.value;
    assert.ok(value !== undefined, `argument ${arg.name} of ${template.metadata?.name} needs a value`);
    args[arg.name] = { value, secret: false };
  }
  return args;
}

function ok(substituted: TextResult): string {
  assert.ok(substituted.ok, substituted.ok ? '' : substituted.message);
  return substituted.text;
}

// ---------------------------------------------------------------------------------------------
// Measuring: the substituted query against Prometheus' HTTP API, then Sluice's assessment

interface Measured {
  /** What the Prometheus provider hands to conditions for a vector: one number per sample. */
  readonly result: readonly number[];
  readonly phase: MeasuredPhase;
  readonly message?: string;
}

interface QueryResponse {
  readonly status: string;
  readonly error?: string;
  readonly data?: { readonly resultType: string; readonly result: readonly { readonly value: readonly [number, string] }[] };
}

async function instantQuery(address: string, query: string): Promise<readonly number[]> {
  const res = await fetchText(`${address}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = JSON.parse(res.body) as QueryResponse;
  assert.equal(body.status, 'success', `${query}: ${body.error ?? res.body}`);
  assert.equal(body.data?.resultType, 'vector', 'an instant vector, so result[0] is the figure');
  return (body.data?.result ?? []).map((sample) => Number(sample.value[1]));
}

const show = (result: readonly number[]): string => `[${result.map(String).join(',')}]`;

// ---------------------------------------------------------------------------------------------

describe('stock analysis templates', { timeout: 60_000 }, () => {
  let exporter: IstioExporter;
  let prometheus: PrometheusServer;
  let substitutePromQL: SubstitutePromQL;

  // The canary of a rollout "checkout" in namespace "shop": host-level routing sends its share to
  // the Service checkout-canary. 1% answered 500 by the app, 1% failed by the caller's proxy (503
  // UF, seen only by reporter="source"), 5% 404s (not failures), every request 300 ms.
  const canary: IstioDestination = { service: 'checkout-canary', namespace: 'shop', workload: 'checkout' };
  // Traps the templates must not fall into: the stable pods have the same workload name (Istio
  // names both after the Rollout), and a Service of the same name lives in another namespace.
  const stable: IstioDestination = { service: 'checkout-stable', namespace: 'shop', workload: 'checkout' };
  const namesake: IstioDestination = { service: 'checkout-canary', namespace: 'other', workload: 'checkout' };
  // No 5xx ever (so no 5xx series exist), a slow tail of 1.5% at 2 s.
  const healthy: IstioDestination = { service: 'cart-canary', namespace: 'shop' };
  // Every request answered 503 (so no non-5xx series exist).
  const broken: IstioDestination = { service: 'search-canary', namespace: 'shop' };
  // Traffic that stops mid-test: the series stay, frozen.
  const stopping: IstioDestination = { service: 'stopped-canary', namespace: 'shop' };
  // Never any traffic: no series at all.
  const quiet: IstioDestination = { service: 'quiet-canary', namespace: 'shop' };

  before(async () => {
    substitutePromQL = realSubstitutePromQL;
    exporter = await startIstioExporter();
    exporter.setTraffic(canary, { rps: 40, errorRate: 0.01, proxyErrorRate: 0.01, clientErrorRate: 0.05, latencyMs: 300 });
    exporter.setTraffic(stable, { rps: 40, errorRate: 0.5, latencyMs: 5000 });
    exporter.setTraffic(namesake, { rps: 40, errorRate: 0.5, latencyMs: 5000 });
    exporter.setTraffic(healthy, { rps: 20, latencyMs: [{ ms: 20, share: 0.985 }, { ms: 2000, share: 0.015 }] });
    exporter.setTraffic(broken, { rps: 20, errorRate: 1, errorCode: 503, latencyMs: 5 });
    exporter.setTraffic(stopping, { rps: 20, errorRate: 0.1, latencyMs: 40 });
    prometheus = await startPrometheus({ scrapeTargets: [exporter.target], scrapeIntervalSeconds: 1 });
  });
  after(async () => {
    await prometheus?.stop();
    await exporter?.stop();
  });

  /** One measurement of a stock template for `destination`, with `extra` args on top of the defaults. */
  async function measure(name: StockName, destination: IstioDestination, extra: Readonly<Record<string, string>> = {}): Promise<Measured> {
    const template = loadTemplate(name);
    const metric = onlyMetric(template);
    const args = argsOf(template, { service: destination.service, namespace: destination.namespace, 'prometheus-address': prometheus.url, ...extra });
    const provider = metric.provider.prometheus;
    assert.ok(provider !== undefined, `${name} uses the prometheus provider`);
    const query = substitutePromQL(provider.query, args);
    assert.ok(query.ok, query.ok ? '' : query.message);
    const result = await instantQuery(ok(substituteText(provider.address ?? '', args)), query.query);
    const condition = ok(substituteCondition(metric.successCondition ?? '', args));
    const compiled = compileCondition(condition);
    assert.ok(compiled.ok, compiled.ok ? '' : compiled.message);
    const plan: Parameters<typeof assessMeasurement>[0] = {
      name: metric.name,
      initialDelayMs: 0,
      failureLimit: 0,
      inconclusiveLimit: 0,
      consecutiveErrorLimit: 4,
      consecutiveSuccessLimit: 0,
      successCondition: { source: condition, program: compiled.program },
      emptyResult: metric.emptyResult,
      provider: metric.provider,
      dryRun: false,
      retention: 10,
    };
    const assessed = assessMeasurement(plan, { ok: true, result: [...result], value: show(result) });
    return { result, phase: assessed.phase, ...(assessed.message === undefined ? {} : { message: assessed.message }) };
  }

  /** Measures until `accept` holds (Prometheus has scraped what the test needs); never a fixed sleep. */
  async function measureUntil(name: StockName, destination: IstioDestination, accept: (m: Measured) => boolean, extra: Readonly<Record<string, string>> = {}): Promise<Measured> {
    const deadline = Date.now() + 25_000;
    let last: Measured | undefined;
    for (;;) {
      last = await measure(name, destination, extra);
      if (accept(last)) return last;
      if (Date.now() > deadline) assert.fail(`${name} for ${destination.namespace}/${destination.service}: still ${show(last.result)} (${last.phase})`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  const isNear = (expected: number, tolerance = 1e-6) => (m: Measured): boolean => m.result.length === 1 && Math.abs((m.result[0] ?? Number.NaN) - expected) < tolerance;
  const isWithin = (low: number, high: number) => (m: Measured): boolean => m.result.length === 1 && (m.result[0] ?? Number.NaN) > low && (m.result[0] ?? Number.NaN) <= high;

  test('the stock templates are valid ClusterAnalysisTemplates that combine in one Rollout', () => {
    const files = readdirSync(templateDir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
    assert.deepEqual(files, STOCK.map((n) => `${n}.yaml`).sort());
    const kustomization = load(readFileSync(join(templateDir, 'kustomization.yaml'), 'utf8')) as { resources?: string[] };
    assert.deepEqual([...(kustomization.resources ?? [])].sort(), files, 'kubectl apply -k analysis-templates/ installs them all');

    const defaults = new Map<string, string | undefined>();
    for (const name of STOCK) {
      const template = loadTemplate(name);
      assert.deepEqual(validate(clusterAnalysisTemplateSchema, template), [], `${name} passes the CRD schema`);
      assert.equal(template.apiVersion, 'sluice.dev/v1alpha1');
      assert.equal(template.kind, 'ClusterAnalysisTemplate');
      assert.equal(template.metadata?.name, name);
      const metric = onlyMetric(template);
      assert.equal(metric.name, name, 'metric names are unique across the stock templates');
      assert.equal(metric.emptyResult, 'Inconclusive', `${name} decides what no traffic means`);
      const declared = (template.spec.args ?? []).map((a) => a.name);
      const used = new Set([...JSON.stringify(metric).matchAll(ARG)].map((m) => m[1]));
      assert.deepEqual([...used].sort(), [...declared].sort(), `${name} uses every argument it declares, and no other`);
      assert.deepEqual((template.spec.args ?? []).filter((a) => a.value === undefined).map((a) => a.name), ['service', 'namespace'], 'only service and namespace are required');
      for (const arg of template.spec.args ?? []) {
        if (defaults.has(arg.name)) assert.equal(arg.value, defaults.get(arg.name), `argument ${arg.name} has the same default everywhere (Sluice refuses conflicting defaults)`);
        defaults.set(arg.name, arg.value);
      }
      const args = argsOf(template, { service: 'web-canary', namespace: 'web' });
      for (const field of ['count', 'failureLimit', 'inconclusiveLimit'] as const) {
        assert.match(ok(substituteText(String(metric[field]), args)), /^\d+$/, `${name}.${field} is an integer once substituted`);
      }
      const condition = compileCondition(ok(substituteCondition(metric.successCondition ?? '', args)));
      assert.ok(condition.ok, `${name}: ${condition.ok ? '' : condition.message}`);
      assert.ok(substitutePromQL(metric.provider.prometheus?.query ?? '', args).ok, `${name}: the query substitutes with the defaults`);
    }
  });

  test('success-rate: 2% of the canary failed (1% by the app, 1% by callers\' proxies); 404s are no failures', async () => {
    const measured = await measureUntil('success-rate', canary, isNear(0.98));
    assert.equal(measured.phase, 'Failed', 'below the default threshold 0.99');
    assert.equal((await measure('success-rate', canary, { 'success-rate-threshold': '0.975' })).phase, 'Successful');
  });

  test('error-rate: the same 2%, the other way round', async () => {
    assert.equal((await measureUntil('error-rate', canary, isNear(0.02))).phase, 'Failed', 'above the default 0.01');
    assert.equal((await measure('error-rate', canary, { 'error-rate-threshold': '0.05' })).phase, 'Successful');
  });

  test('latency-p95 / p99: 300 ms requests land in the (250, 500] bucket; the estimate interpolates inside it', async () => {
    const p95 = await measureUntil('latency-p95', canary, isWithin(250, 500));
    assert.ok(Math.abs((p95.result[0] ?? 0) - 487.5) < 1e-6, `linear interpolation: 250 + 0.95 × 250, got ${show(p95.result)}`);
    assert.equal(p95.phase, 'Successful', 'within the default 500 ms');
    const p99 = await measureUntil('latency-p99', canary, isWithin(250, 500));
    assert.equal(p99.phase, 'Successful', 'within the default 1000 ms');
    assert.equal((await measure('latency-p99', canary, { 'p99-threshold-ms': '250' })).phase, 'Failed');
  });

  test("only the canary's series count: not the stable pods (same workload), not a namesake Service elsewhere, not the pods' own reports", async () => {
    await measureUntil('success-rate', canary, isNear(0.98));
    const stableFigure = await measureUntil('success-rate', stable, isNear(0.5));
    assert.equal(stableFigure.phase, 'Failed');
    assert.equal((await measureUntil('success-rate', namesake, isNear(0.5))).phase, 'Failed');
    // What a destination_workload selector would have measured: canary and stable mixed.
    const byWorkload = await instantQuery(
      prometheus.url,
      'sum(rate(istio_requests_total{reporter="source",destination_workload_namespace="shop",destination_workload="checkout",response_code=~"5.."}[1m])) / sum(rate(istio_requests_total{reporter="source",destination_workload_namespace="shop",destination_workload="checkout"}[1m]))',
    );
    assert.ok(Math.abs((byWorkload[0] ?? 0) - (0.02 * 40 + 0.5 * 40) / 80) < 0.01, `by workload: ${show(byWorkload)}`);
    // The canary pods' own sidecars (reporter="destination") never saw the 1% their callers failed.
    await measureUntil('success-rate', canary, isNear(1 - 0.01 / 0.99), { reporter: 'destination' });
    // The stable's 5 s latency does not leak into the canary's percentiles either.
    assert.ok(isWithin(250, 500)(await measure('latency-p99', canary)));
  });

  test('a healthy canary: no 5xx series at all is a success rate of 1, not an empty result; the slow tail shows at p99 only', async () => {
    assert.equal((await measureUntil('success-rate', healthy, isNear(1))).phase, 'Successful');
    assert.equal((await measureUntil('error-rate', healthy, isNear(0))).phase, 'Successful');
    const p95 = await measureUntil('latency-p95', healthy, isWithin(10, 25));
    assert.equal(p95.phase, 'Successful');
    const p99 = await measureUntil('latency-p99', healthy, isWithin(1000, 2500));
    assert.equal(p99.phase, 'Failed', `98.5% within 25 ms, 1.5% at 2 s: p99 ${show(p99.result)} > 1000 ms`);
  });

  test('a broken canary: no non-5xx series at all is a success rate of 0 (Failed), not an empty result', async () => {
    assert.equal((await measureUntil('success-rate', broken, isNear(0))).phase, 'Failed');
    assert.equal((await measureUntil('error-rate', broken, isNear(1))).phase, 'Failed');
  });

  test('no traffic ever: every template returns an empty vector, and emptyResult makes it Inconclusive', async () => {
    // Prometheus has scraped the exporter (other destinations have figures), so empty means empty.
    await measureUntil('success-rate', canary, isNear(0.98));
    for (const name of STOCK) {
      const measured = await measure(name, quiet);
      assert.deepEqual(measured.result, [], `${name}: no series → empty vector`);
      assert.equal(measured.phase, 'Inconclusive', `${name}: ${measured.message ?? ''}`);
    }
  });

  test('traffic stopped: the series stay, rate() is 0, every template returns NaN, and emptyResult makes it Inconclusive', async () => {
    const window = { window: '5s' };
    await measureUntil('success-rate', stopping, isNear(0.9), window);
    exporter.stopTraffic(stopping);
    const isNaNResult = (m: Measured): boolean => m.result.length === 1 && Number.isNaN(m.result[0]);
    for (const name of STOCK) {
      const measured = await measureUntil(name, stopping, isNaNResult, window);
      assert.equal(measured.phase, 'Inconclusive', `${name}: ${measured.message ?? ''}`);
    }
    const series = await instantQuery(prometheus.url, 'count(istio_requests_total{destination_service_name="stopped-canary"})');
    assert.ok((series[0] ?? 0) > 0, 'the series still exist: NaN, not empty');
  });

  test('arguments cannot rewrite the query: quoted values are escaped, bare ones must be durations', async () => {
    const injected = await measure('success-rate', canary, { service: 'checkout-canary"} or vector(1) or up{job="' });
    assert.deepEqual(injected.result, [], 'the whole value is one label value matching nothing');
    const template = loadTemplate('success-rate');
    const args = argsOf(template, { service: 'checkout-canary', namespace: 'shop', window: '1m]) or vector(1) #' });
    assert.equal(substitutePromQL(onlyMetric(template).provider.prometheus?.query ?? '', args).ok, false, 'a window that is not a duration is refused');
  });
});

// The stock analysis templates (analysis-templates/*.yaml), unchanged, against real Prometheus
// scraping the demo mesh: their PromQL sees the canary's declared error rate and latency.
// No control plane: the mesh routes over objects in memory to in-process demo apps.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { load } from 'js-yaml';
import { startAppServer, type AppServer } from '../../demo/app-server.ts';
import { startLoadGenerator, type LoadGenerator } from '../../demo/loadgen.ts';
import { startMeshProxy, type Mesh } from '../../demo/mesh.ts';
import type { DemoPod, DemoService, VirtualService } from '../../demo/pods.ts';
import { fetchText } from '../harness/http.ts';
import { repoRoot } from '../harness/paths.ts';
import { startPrometheus, type PrometheusServer } from '../harness/prometheus.ts';
import { waitFor } from '../harness/wait.ts';

const NS = 'shop';

interface Template {
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly args: readonly { readonly name: string; readonly value?: string }[];
    readonly metrics: readonly { readonly provider: { readonly prometheus: { readonly query: string } } }[];
  };
}

/** The template's query with its defaults and these args pasted in (test values only: no escaping needed). */
function queryOf(name: string, args: Readonly<Record<string, string>>): string {
  const template = load(readFileSync(join(repoRoot, 'analysis-templates', `${name}.yaml`), 'utf8')) as Template;
  const values: Record<string, string> = {};
  for (const a of template.spec.args) if (a.value !== undefined) values[a.name] = a.value;
  Object.assign(values, args);
  const query = template.spec.metrics[0]?.provider.prometheus.query ?? '';
  return query.replace(/\{\{\s*args\.([a-z0-9-]+)\s*\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`template ${name}: no value for args.${key}`);
    return value;
  });
}

const pod = (name: string, track: string): DemoPod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, labels: { app: 'web', track } },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});

const service = (track: string): DemoService => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: `web-${track}`, namespace: NS }, spec: { selector: { app: 'web', track } } });

const vs: VirtualService = {
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'web', namespace: NS },
  spec: { hosts: ['web'], http: [{ name: 'primary', route: [{ destination: { host: 'web-stable' }, weight: 50 }, { destination: { host: 'web-canary' }, weight: 50 }] }] },
};

describe('stock analysis templates over the demo mesh and real Prometheus', { timeout: 90_000 }, () => {
  const apps = new Map<string, AppServer>();
  let mesh: Mesh;
  let prometheus: PrometheusServer;
  let load: LoadGenerator;

  before(async () => {
    apps.set('stable-1', await startAppServer({ errorRate: 0, latencyMs: 0, version: 'v1' }));
    apps.set('canary-1', await startAppServer({ errorRate: 0.3, latencyMs: 300, version: 'v3' }));
    const services = new Map([['web-stable', service('stable')], ['web-canary', service('canary')]]);
    mesh = await startMeshProxy({
      world: { virtualServices: () => [vs], service: (n) => services.get(n), pods: () => [pod('stable-1', 'stable'), pod('canary-1', 'canary')] },
      namespace: NS,
      endpoint: (name) => (apps.has(name) ? { port: apps.get(name)?.port as number } : undefined),
    });
    prometheus = await startPrometheus({ scrapeTargets: [mesh.metricsTarget] });
    load = startLoadGenerator({ url: mesh.url, rps: 100 });
  });
  after(async () => {
    await load?.stop();
    await prometheus?.stop();
    await mesh?.stop();
    await Promise.all([...apps.values()].map((a) => a.stop()));
  });

  async function instant(query: string): Promise<number | undefined> {
    const res = await fetchText(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = JSON.parse(res.body) as { status: string; error?: string; data?: { result: { value: [number, string] }[] } };
    if (body.status !== 'success') throw new Error(`${body.error ?? 'query failed'}: ${query}`);
    const value = body.data?.result[0]?.value[1];
    return value === undefined ? undefined : Number(value);
  }

  /** Waits until the query's value satisfies `ok` (the rate window fills within a few scrapes). */
  async function settle(query: string, ok: (v: number) => boolean): Promise<number> {
    let last: number | undefined;
    try {
      return await waitFor(`a settled value of ${query}`, async () => {
        last = await instant(query);
        return last !== undefined && ok(last) ? last : undefined;
      }, { timeoutMs: 40_000, intervalMs: 500 });
    } catch (error) {
      throw new Error(`last value ${last}`, { cause: error });
    }
  }

  test('every stock template is one Prometheus query over istio_* metrics', () => {
    const names = readdirSync(join(repoRoot, 'analysis-templates')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    assert.deepEqual(names.sort(), ['error-rate.yaml', 'latency-p95.yaml', 'latency-p99.yaml', 'success-rate.yaml']);
  });

  test('error-rate and success-rate see the canary\'s ERROR_RATE 0.3 and the stable\'s 0', async () => {
    const args = { namespace: NS, window: '10s' };
    const canaryErrors = await settle(queryOf('error-rate', { ...args, service: 'web-canary' }), (v) => Math.abs(v - 0.3) <= 0.03);
    const canarySuccess = await settle(queryOf('success-rate', { ...args, service: 'web-canary' }), (v) => Math.abs(v - 0.7) <= 0.03);
    const stableErrors = await settle(queryOf('error-rate', { ...args, service: 'web-stable' }), (v) => v === 0);
    console.log(`stock templates over the demo mesh: canary error-rate ${canaryErrors.toFixed(3)}, success-rate ${canarySuccess.toFixed(3)}, stable error-rate ${stableErrors}`);
  });

  test('latency-p95 / p99 see the canary\'s LATENCY_MS 300 (between Envoy\'s 250 and 500 ms buckets)', async () => {
    const args = { namespace: NS, window: '10s', service: 'web-canary' };
    const p95 = await settle(queryOf('latency-p95', args), (v) => v > 250 && v <= 500);
    const p99 = await settle(queryOf('latency-p99', args), (v) => v > 250 && v <= 500);
    const stableP95 = await settle(queryOf('latency-p95', { ...args, service: 'web-stable' }), (v) => v <= 25);
    console.log(`stock templates over the demo mesh: canary p95 ${p95.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, stable p95 ${stableP95.toFixed(1)} ms`);
  });
});

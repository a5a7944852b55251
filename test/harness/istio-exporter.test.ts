// The Istio stand-in exporter: counters are elapsed time × rate per outcome and reporter, the
// histogram follows the latency it was given, and the three "no data" states (never set, stopped,
// removed) look as they do in a mesh. A fake clock makes every figure exact.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fetchText } from './http.ts';
import { ISTIO_DURATION_BUCKETS_MS, startIstioExporter, type IstioExporter } from './istio-exporter.ts';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    const [, name = '', body = '', value = ''] = match;
    const labels: Record<string, string> = {};
    for (const pair of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1] ?? ''] = (pair[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}

/** Sum of the samples of `name` whose labels include `where`. */
function total(samples: readonly Sample[], name: string, where: Readonly<Record<string, string>>): number {
  return samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

const near = (actual: number, expected: number, what: string): void => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);

describe('istio exporter', { timeout: 10_000 }, () => {
  let clock = 1_000_000;
  let exporter: IstioExporter;
  const canary = { service: 'web-canary', namespace: 'shop', workload: 'web' };
  const stable = { service: 'web-stable', namespace: 'shop', workload: 'web' };
  const requests = 'istio_requests_total';

  before(async () => {
    exporter = await startIstioExporter({ now: () => clock });
  });
  after(async () => {
    await exporter?.stop();
  });

  test('a destination never given traffic has no series', () => {
    assert.equal(exporter.render(), '');
  });

  test('counters are elapsed time × rps, split by outcome; proxy failures only at the source', () => {
    exporter.setTraffic(canary, { rps: 10, errorRate: 0.02, proxyErrorRate: 0.01, clientErrorRate: 0.1, latencyMs: 300 });
    clock += 10_000;
    const samples = parse(exporter.render());
    const source = { reporter: 'source', destination_service_name: 'web-canary' };
    near(total(samples, requests, { ...source, response_code: '200' }), 87, 'source 200s');
    near(total(samples, requests, { ...source, response_code: '404' }), 10, 'source 404s');
    near(total(samples, requests, { ...source, response_code: '500' }), 2, 'source 500s');
    near(total(samples, requests, { ...source, response_code: '503', response_flags: 'UF' }), 1, 'source proxy 503s');
    const destination = { reporter: 'destination', destination_service_name: 'web-canary' };
    near(total(samples, requests, destination), 99, 'the destination never sees what the caller failed');
    assert.equal(total(samples, requests, { ...destination, response_code: '503' }), 0);
  });

  test("series carry Istio's labels", () => {
    const sample = parse(exporter.render()).find((s) => s.name === requests && s.labels.reporter === 'destination' && s.labels.response_code === '200');
    assert.ok(sample);
    assert.deepEqual(
      { ...sample.labels },
      {
        reporter: 'destination',
        source_workload: 'istio-ingressgateway',
        source_workload_namespace: 'istio-system',
        source_principal: 'spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway',
        source_app: 'istio-ingressgateway',
        source_version: 'unknown',
        source_canonical_service: 'istio-ingressgateway',
        source_canonical_revision: 'latest',
        source_cluster: 'Kubernetes',
        destination_workload: 'web',
        destination_workload_namespace: 'shop',
        destination_principal: 'spiffe://cluster.local/ns/shop/sa/default',
        destination_app: 'web',
        destination_version: 'unknown',
        destination_service: 'web-canary.shop.svc.cluster.local',
        destination_service_name: 'web-canary',
        destination_service_namespace: 'shop',
        destination_canonical_service: 'web',
        destination_canonical_revision: 'latest',
        destination_cluster: 'Kubernetes',
        request_protocol: 'http',
        response_code: '200',
        response_flags: '-',
        connection_security_policy: 'mutual_tls',
      },
    );
  });

  test("the duration histogram has Envoy's default buckets and follows the latency", () => {
    const samples = parse(exporter.render());
    const where = { reporter: 'source', destination_service_name: 'web-canary', response_code: '200' };
    const les = samples.filter((s) => s.name === 'istio_request_duration_milliseconds_bucket' && s.labels.reporter === 'source' && s.labels.response_code === '200').map((s) => s.labels.le);
    assert.deepEqual(les, [...ISTIO_DURATION_BUCKETS_MS.map(String), '+Inf']);
    const bucket = (le: string): number => total(samples, 'istio_request_duration_milliseconds_bucket', { ...where, le });
    assert.equal(bucket('250'), 0, 'all requests took 300 ms');
    near(bucket('500'), 87, '(250, 500]');
    near(bucket('+Inf'), 87, '+Inf');
    near(total(samples, 'istio_request_duration_milliseconds_count', where), 87, '_count');
    near(total(samples, 'istio_request_duration_milliseconds_sum', where), 87 * 300, '_sum');
  });

  test('a latency distribution spreads requests over the buckets', () => {
    const tail = { service: 'tail', namespace: 'shop' };
    exporter.setTraffic(tail, { rps: 100, latencyMs: [{ ms: 20, share: 0.9 }, { ms: 800, share: 0.1 }] });
    clock += 1_000;
    const samples = parse(exporter.render());
    const bucket = (le: string): number => total(samples, 'istio_request_duration_milliseconds_bucket', { reporter: 'source', destination_service_name: 'tail', le });
    near(bucket('10'), 0, '≤ 10 ms');
    near(bucket('25'), 90, '≤ 25 ms');
    near(bucket('500'), 90, '≤ 500 ms');
    near(bucket('1000'), 100, '≤ 1000 ms');
    near(total(samples, 'istio_request_duration_milliseconds_sum', { reporter: 'source', destination_service_name: 'tail' }), 90 * 20 + 10 * 800, '_sum');
    exporter.removeTraffic(tail);
  });

  test('no 5xx series until there is a 5xx, as in Envoy', () => {
    const clean = { service: 'clean', namespace: 'shop' };
    exporter.setTraffic(clean, { rps: 5 });
    clock += 1_000;
    const codes = new Set(parse(exporter.render()).filter((s) => s.labels.destination_service_name === 'clean').map((s) => s.labels.response_code));
    assert.deepEqual([...codes], ['200']);
    exporter.removeTraffic(clean);
  });

  test('stopped traffic freezes the counters; new traffic carries on from them (no reset)', () => {
    const before = total(parse(exporter.render()), requests, { reporter: 'source', destination_service_name: 'web-canary' });
    exporter.stopTraffic(canary);
    clock += 30_000;
    const frozen = total(parse(exporter.render()), requests, { reporter: 'source', destination_service_name: 'web-canary' });
    near(frozen, before, 'frozen while stopped');
    exporter.setTraffic(canary, { rps: 2 });
    clock += 5_000;
    near(total(parse(exporter.render()), requests, { reporter: 'source', destination_service_name: 'web-canary' }), before + 10, 'resumed');
  });

  test('destinations are told apart by service, namespace, workload and revision', () => {
    exporter.setTraffic(stable, { rps: 1, errorRate: 0.5 });
    exporter.setTraffic({ ...canary, namespace: 'other' }, { rps: 1 });
    exporter.setTraffic({ ...canary, revision: 'v2' }, { rps: 1 });
    clock += 1_000;
    const samples = parse(exporter.render()).filter((s) => s.name === requests && s.labels.reporter === 'source');
    const keys = new Set(samples.map((s) => [s.labels.destination_service_namespace, s.labels.destination_service_name, s.labels.destination_workload, s.labels.destination_canonical_revision].join('/')));
    assert.deepEqual([...keys].sort(), ['other/web-canary/web/latest', 'shop/web-canary/web/latest', 'shop/web-canary/web/v2', 'shop/web-stable/web/latest']);
    exporter.removeTraffic(stable);
    exporter.removeTraffic({ ...canary, namespace: 'other' });
    exporter.removeTraffic({ ...canary, revision: 'v2' });
  });

  test('removed traffic has no series', () => {
    exporter.removeTraffic(canary);
    assert.equal(exporter.render(), '');
  });

  test('impossible traffic is refused', () => {
    assert.throws(() => exporter.setTraffic(canary, { rps: -1 }), RangeError);
    assert.throws(() => exporter.setTraffic(canary, { rps: 1, errorRate: 1.5 }), RangeError);
    assert.throws(() => exporter.setTraffic(canary, { rps: 1, errorRate: 0.6, clientErrorRate: 0.6 }), RangeError);
    assert.throws(() => exporter.setTraffic(canary, { rps: 1, errorCode: 404 }), RangeError);
    assert.throws(() => exporter.setTraffic(canary, { rps: 1, latencyMs: [] }), RangeError);
    assert.equal(exporter.render(), '', 'a refused call changes nothing');
  });

  test('serves /metrics over HTTP in the text format, 404 elsewhere', async () => {
    exporter.setTraffic(canary, { rps: 1 });
    clock += 1_000;
    const res = await fetchText(exporter.url);
    assert.equal(res.status, 200);
    assert.match(res.body, /^# HELP istio_requests_total /m);
    assert.match(res.body, /^# TYPE istio_request_duration_milliseconds histogram$/m);
    assert.equal((await fetchText(`http://${exporter.target}/other`)).status, 404);
    exporter.removeTraffic(canary);
  });
});

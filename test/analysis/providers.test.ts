// The Prometheus and web providers against real servers: a real Prometheus scraping gauges the
// test sets, and a local HTTP server. What a provider returns is what a condition will see.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { substitutePromQL } from '../../src/analysis/args.ts';
import { measurePrometheus } from '../../src/analysis/providers/prometheus.ts';
import { measureWeb } from '../../src/analysis/providers/web.ts';
import { startGaugeServer, type GaugeServer } from '../harness/gauges.ts';
import { startPrometheus, type PrometheusServer } from '../harness/prometheus.ts';
import { waitFor } from '../harness/wait.ts';

describe('prometheus provider', { timeout: 90_000 }, () => {
  let gauges: GaugeServer;
  let prometheus: PrometheusServer;

  before(async () => {
    gauges = await startGaugeServer();
    gauges.set('provider_ratio', { service: 'web', zone: 'a' }, 0.75);
    gauges.set('provider_ratio', { service: 'web', zone: 'b' }, 0.5);
    gauges.set('provider_ratio', { service: 'web.v1', zone: 'a' }, 0.25);
    gauges.set('provider_nan', { service: 'web' }, Number.NaN);
    prometheus = await startPrometheus({ scrapeTargets: [gauges.target] });
    await waitFor('the first scrape', async () => {
      const r = await measurePrometheus({ address: prometheus.url, query: 'count(provider_ratio)' });
      return r.ok && r.value === '[3]' ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 200 });
  });
  after(async () => {
    await prometheus?.stop();
    await gauges?.stop();
  });

  test('a scalar is a number; a vector a list of numbers in Prometheus order', async () => {
    const scalar = await measurePrometheus({ address: prometheus.url, query: 'scalar(sum(provider_ratio{service="web"}))' });
    assert.deepEqual(scalar, { ok: true, result: 1.25, value: '1.25' });
    const vector = await measurePrometheus({ address: prometheus.url, query: 'sort_desc(provider_ratio{service="web"})' });
    assert.deepEqual(vector, { ok: true, result: [0.75, 0.5], value: '[0.75,0.5]' });
  });

  test('an empty vector is [] and NaN stays NaN', async () => {
    assert.deepEqual(await measurePrometheus({ address: prometheus.url, query: 'provider_ratio{service="none"}' }), { ok: true, result: [], value: '[]' });
    const nan = await measurePrometheus({ address: prometheus.url, query: 'provider_nan' });
    assert.ok(nan.ok);
    assert.ok(Array.isArray(nan.result) && Number.isNaN(nan.result[0]));
    assert.equal(nan.value, '[NaN]');
  });

  test('a hostile argument in a regex matcher selects only its literal value', async () => {
    const q = substitutePromQL('sum(provider_ratio{service=~"{{args.svc}}"})', { svc: { value: 'web.v1', secret: false } });
    assert.ok(q.ok);
    // Unescaped, "web.v1" would not match "web" anyway; ".*" is the real test.
    const all = substitutePromQL('count(provider_ratio{service=~"{{args.svc}}"})', { svc: { value: '.*', secret: false } });
    assert.ok(all.ok);
    assert.deepEqual(await measurePrometheus({ address: prometheus.url, query: q.query }), { ok: true, result: [0.25], value: '[0.25]' });
    assert.deepEqual(await measurePrometheus({ address: prometheus.url, query: all.query }), { ok: true, result: [], value: '[]' });
  });

  test('a PromQL error, a range result, an unreachable server and a timeout are error outcomes', async () => {
    const bad = await measurePrometheus({ address: prometheus.url, query: 'sum(' });
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.message, /bad_data|parse error/u);
    const range = await measurePrometheus({ address: prometheus.url, query: 'provider_ratio[1m]' });
    assert.match(range.ok ? '' : range.message, /matrix result/u);
    const down = await measurePrometheus({ address: 'http://127.0.0.1:9', query: 'up' });
    assert.match(down.ok ? '' : down.message, /network_error|ECONNREFUSED/u);
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const slow = await measurePrometheus({ address: `http://${address(silent)}`, query: 'up', timeout: '1s' });
      assert.match(slow.ok ? '' : slow.message, /timeout/u);
      assert.ok(Date.now() - started < 10_000, 'the timeout was honoured');
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  test('headers are sent with the query', async () => {
    let seen: string | undefined;
    const proxy = createServer((req, res) => {
      seen = req.headers.authorization;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const r = await measurePrometheus({ address: `http://${address(proxy)}`, query: 'up', headers: [{ key: 'Authorization', value: 'Bearer t0k' }] });
      assert.deepEqual(r, { ok: true, result: 2, value: '2' });
      assert.equal(seen, 'Bearer t0k');
    } finally {
      proxy.close();
    }
  });
});

describe('web provider', { timeout: 30_000 }, () => {
  let server: Server;
  let base: string;
  const received: { method?: string; body: string; auth?: string }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      void readBody(req).then((body) => {
        received.push({ method: req.method, body, auth: req.headers.authorization });
        route(req.url ?? '', res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://${address(server)}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('the value at jsonPath, or the whole body', async () => {
    assert.deepEqual(await measureWeb({ url: `${base}/ok`, jsonPath: '{$.data.ratio}' }), { ok: true, result: 0.97, value: '0.97' });
    assert.deepEqual(await measureWeb({ url: `${base}/ok`, jsonPath: '$.data.items[1].state' }), { ok: true, result: 'ready', value: 'ready' });
    const whole = await measureWeb({ url: `${base}/ok` });
    assert.ok(whole.ok);
    assert.equal((whole.result as { data: { ratio: number } }).data.ratio, 0.97);
  });

  test('POST with a JSON body and headers', async () => {
    const r = await measureWeb({ url: `${base}/ok`, method: 'POST', jsonBody: { q: 1 }, headers: [{ key: 'Authorization', value: 'Bearer abc' }], jsonPath: '{$.data.ratio}' });
    assert.ok(r.ok);
    const last = received.at(-1);
    assert.deepEqual(last, { method: 'POST', body: '{"q":1}', auth: 'Bearer abc' });
  });

  test('non-2xx, bad JSON, a missing path, an unsupported path and a timeout are error outcomes', async () => {
    assert.match(message(await measureWeb({ url: `${base}/fail` })), /HTTP 503: down for maintenance/u);
    assert.match(message(await measureWeb({ url: `${base}/html` })), /not JSON/u);
    assert.match(message(await measureWeb({ url: `${base}/ok`, jsonPath: '{$.data.nope}' })), /no field "nope"/u);
    assert.match(message(await measureWeb({ url: `${base}/ok`, jsonPath: '{$.data.items[7]}' })), /index 7 is out of range/u);
    assert.match(message(await measureWeb({ url: `${base}/ok`, jsonPath: '{$.data.items[?(@.state=="ready")]}' })), /not supported/u);
    assert.match(message(await measureWeb({ url: `${base}/slow`, timeoutSeconds: 1 })), /timed out/u);
    assert.match(message(await measureWeb({ url: 'http://127.0.0.1:9/' })), /ECONNREFUSED/u);
  });
});

function route(url: string, res: ServerResponse): void {
  if (url === '/ok') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { ratio: 0.97, items: [{ state: 'starting' }, { state: 'ready' }] } }));
  if (url === '/fail') return void res.writeHead(503).end('down for maintenance');
  if (url === '/html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>');
  if (url === '/slow') return; // never answers
  res.writeHead(404).end();
}

function message(outcome: { ok: boolean; message?: string }): string {
  assert.equal(outcome.ok, false);
  return outcome.message ?? '';
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function address(server: Server): string {
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('no port');
  return `127.0.0.1:${a.port}`;
}

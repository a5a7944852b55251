// End to end: AnalysisRuns on their own (as a user or another tool creates them), measured by the
// shipped controller against a real Prometheus, a local web endpoint and real Jobs (kwok runs
// their pods to the exit code a label asks for). Secrets, hostile arguments, empty results and a
// controller killed mid-run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createObject } from '../../src/kube/patch.ts';
import { createNamespace } from '../harness/fixtures.ts';
import { applyYaml } from '../rollout/fixtures.ts';
import type { Controller } from '../rollout/suite.ts';
import { listRuns, startAnalysisSuite, untilPrometheusSees, waitForRun, type AnalysisSuite, type Run } from './fixtures.ts';

const SECRET = 's3cr3t-Token-9f2b';

describe('analysis runs: providers, secrets, hostile arguments, restarts', { timeout: 600_000 }, () => {
  let suite: AnalysisSuite;
  let controller: Controller;
  let web: Server;
  let webUrl = '';
  const seenAuth: string[] = [];
  before(async () => {
    suite = await startAnalysisSuite();
    controller = await suite.rollouts.startController('ctl-a', ['--no-leader-elect']);
    web = createServer((req, res) => {
      seenAuth.push(req.headers.authorization ?? '');
      if (req.url === '/health') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { ok: true, rate: 0.97, items: [{ v: 3 }] } }));
      if (req.url === '/private') {
        if (req.headers.authorization !== `Bearer ${SECRET}`) return void res.writeHead(403).end(`forbidden for ${req.headers.authorization ?? ''}`);
        return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"value": 42}');
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const address = web.address();
    webUrl = typeof address === 'object' && address !== null ? `http://127.0.0.1:${address.port}` : '';
  });
  after(async () => {
    web?.close();
    await suite?.stop();
  });

  async function run(ns: string, name: string, spec: unknown): Promise<void> {
    await createObject(suite.cluster.clients, { apiVersion: 'sluice.dev/v1alpha1', kind: 'AnalysisRun', metadata: { name, namespace: ns }, spec } as never, { fieldManager: 'test' });
  }
  const done = (r: Run): boolean => ['Successful', 'Failed', 'Error', 'Inconclusive'].includes(r.status?.phase ?? '');
  const finished = async (ns: string, name: string): Promise<Run> => waitForRun(suite.cluster, ns, `${name} finished`, (r) => r.metadata.name === name && done(r));

  test('web metric with jsonPath; a secret argument in a header works and is never written or logged', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'web');
    await applyYaml(cluster, ns, `apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\nstringData:\n  token: ${SECRET}\n`);
    await run(ns, 'web', {
      args: [{ name: 'token', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } }, { name: 'base', value: webUrl }],
      metrics: [
        { name: 'ok', successCondition: 'result == true', provider: { web: { url: '{{args.base}}/health', jsonPath: '{$.data.ok}' } } },
        { name: 'rate', successCondition: 'result >= 0.95', provider: { web: { url: '{{args.base}}/health', jsonPath: '{$.data.rate}' } } },
        { name: 'item', successCondition: 'result == 3', provider: { web: { url: '{{args.base}}/health', jsonPath: '{$.data.items[0].v}' } } },
        {
          name: 'private',
          successCondition: 'result.value == 42',
          provider: { web: { url: '{{args.base}}/private', headers: [{ key: 'Authorization', value: 'Bearer {{args.token}}' }] } },
        },
      ],
    });
    const r = await finished(ns, 'web');
    assert.equal(r.status?.phase, 'Successful', JSON.stringify(r.status));
    assert.deepEqual(r.status?.metricResults?.map((m) => [m.name, m.phase]), [['ok', 'Successful'], ['rate', 'Successful'], ['item', 'Successful'], ['private', 'Successful']]);
    assert.ok(seenAuth.includes(`Bearer ${SECRET}`), 'the secret reached the endpoint');
    // Now a wrong key: an Error whose message does not carry the header.
    await run(ns, 'web-bad', {
      args: [{ name: 'token', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } }, { name: 'base', value: webUrl }],
      metrics: [{ name: 'private', consecutiveErrorLimit: 0, provider: { web: { url: '{{args.base}}/private?t={{args.token}}', headers: [{ key: 'Authorization', value: 'Basic {{args.token}}' }] } } }],
    });
    const bad = await finished(ns, 'web-bad');
    assert.equal(bad.status?.phase, 'Error');
    const everything = JSON.stringify(await listRuns(cluster, ns));
    const events = JSON.stringify(await cluster.clients.request({ method: 'GET', path: `/api/v1/namespaces/${ns}/events` }));
    assert.ok(!everything.includes(SECRET), 'no secret in any run (spec or status)');
    assert.ok(!events.includes(SECRET), 'no secret in events');
    assert.ok(!readFileSync(controller.process.logPath, 'utf8').includes(SECRET), 'no secret in the controller log');
    assert.match(everything, /secretKeyRef/, 'the run holds the reference');
  });

  test('hostile argument values cannot change the PromQL', async () => {
    const { cluster, gauges } = suite;
    const ns = await createNamespace(cluster, 'hostile');
    gauges.set('hostile_value', { namespace: ns, name: 'real' }, 7);
    gauges.set('hostile_value', { namespace: ns, name: 'other' }, 1000);
    await untilPrometheusSees(suite, `hostile_value{namespace="${ns}",name="real"}`, '7');
    const hostile = ['"} or vector(1) #', 'real"} or hostile_value{name="other', '.*', 'real|other', '{{args.x}}', "'; drop", 'a\\"b\nc'];
    const metrics = hostile.map((value, i) => ({
      name: `m${i}`,
      successCondition: 'len(result) == 0',
      provider: { prometheus: { address: suite.prometheus.url, query: `sum(hostile_value{namespace="${ns}",name="{{args.v${i}}}"})` } },
    }));
    // In a regex matcher the value is regex-escaped too: ".*" matches only the literal ".*".
    metrics.push({ name: 'regex', successCondition: 'len(result) == 0', provider: { prometheus: { address: suite.prometheus.url, query: `hostile_value{namespace="${ns}",name=~"{{args.v2}}"}` } } });
    await run(ns, 'hostile', { args: hostile.map((value, i) => ({ name: `v${i}`, value })), metrics });
    const r = await finished(ns, 'hostile');
    for (const m of r.status?.metricResults ?? []) {
      assert.equal(m.phase, 'Successful', `${m.name}: ${JSON.stringify(m.measurements)}`);
    }
    // The plain value still selects its series: the escaping is exact, not a blanket refusal.
    await run(ns, 'plain', {
      args: [{ name: 'v', value: 'real' }],
      metrics: [{ name: 'plain', successCondition: 'result[0] == 7', provider: { prometheus: { address: suite.prometheus.url, query: `hostile_value{namespace="${ns}",name="{{args.v}}"}` } } }],
    });
    assert.equal((await finished(ns, 'plain')).status?.phase, 'Successful');
    // A value used bare (outside a string) must be a number or a duration.
    await run(ns, 'bare', {
      args: [{ name: 'w', value: '1m]) or vector(1' }],
      metrics: [{ name: 'bare', provider: { prometheus: { address: suite.prometheus.url, query: `rate(hostile_value[{{args.w}}])` } }, consecutiveErrorLimit: 0 }],
    });
    const bare = await finished(ns, 'bare');
    assert.equal(bare.status?.phase, 'Error');
    assert.match(bare.status?.metricResults?.[0]?.measurements?.[0]?.message ?? '', /argument "w"/);
  });

  test('empty and NaN results under each emptyResult policy, and unset (Argo)', async () => {
    const { cluster, gauges } = suite;
    const ns = await createNamespace(cluster, 'nodata');
    gauges.set('nodata_nan', { namespace: ns }, Number.NaN);
    await untilPrometheusSees(suite, `nodata_nan{namespace="${ns}"}`, 'NaN');
    const prometheus = (query: string) => ({ prometheus: { address: suite.prometheus.url, query } });
    const empty = `nodata_missing{namespace="${ns}"}`;
    const nan = `nodata_nan{namespace="${ns}"}`;
    const metric = (name: string, query: string, emptyResult?: string) => ({
      name,
      successCondition: 'result[0] >= 0.95',
      consecutiveErrorLimit: 0,
      ...(emptyResult === undefined ? {} : { emptyResult }),
      provider: prometheus(query),
    });
    await run(ns, 'nodata', {
      dryRun: [{ metricName: '.*' }],
      metrics: [
        metric('empty-argo', empty),
        metric('nan-argo', nan),
        metric('empty-failed', empty, 'Failed'),
        metric('nan-inconclusive', nan, 'Inconclusive'),
        metric('empty-successful', empty, 'Successful'),
        metric('nan-successful', `scalar(${nan})`, 'Successful'),
      ],
    });
    const r = await finished(ns, 'nodata');
    assert.deepEqual(
      r.status?.metricResults?.map((m) => [m.name, m.phase, m.measurements?.[0]?.value]),
      [
        ['empty-argo', 'Error', '[]'],
        ['nan-argo', 'Failed', '[NaN]'],
        ['empty-failed', 'Failed', '[]'],
        ['nan-inconclusive', 'Inconclusive', '[NaN]'],
        ['empty-successful', 'Successful', '[]'],
        ['nan-successful', 'Successful', 'NaN'],
      ],
    );
    assert.equal(r.status?.phase, 'Successful', 'dry-run metrics never decide');
    assert.equal(r.status?.dryRunSummary?.count, 6);
  });

  test('Job metrics: a Job that succeeds is Successful, one that fails is Failed', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'jobs');
    const job = (exitCode: string) => ({
      job: {
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { labels: { 'sluice.dev/kwok-exit-code': exitCode } },
            spec: { restartPolicy: 'Never', containers: [{ name: 'check', image: 'registry.invalid/check:1', args: ['--target', '{{args.target}}'] }] },
          },
        },
      },
    });
    await run(ns, 'jobs', { args: [{ name: 'target', value: 'web-canary' }], metrics: [{ name: 'passes', provider: job('0') }, { name: 'fails', provider: job('1') }] });
    const r = await finished(ns, 'jobs');
    const byName = new Map(r.status?.metricResults?.map((m) => [m.name, m]));
    assert.equal(byName.get('passes')?.phase, 'Successful', JSON.stringify(byName.get('passes')));
    assert.equal(byName.get('fails')?.phase, 'Failed', JSON.stringify(byName.get('fails')));
    assert.match(byName.get('fails')?.measurements?.[0]?.message ?? '', /failed/);
    assert.equal(r.status?.phase, 'Failed');
    const jobs = await cluster.clients.request<{ items: { metadata: { ownerReferences?: { kind: string }[] }; spec: { template: { spec: { containers: { args: string[] }[] } } } }[] }>({
      method: 'GET',
      path: `/apis/batch/v1/namespaces/${ns}/jobs`,
    });
    assert.equal(jobs.items.length, 2);
    assert.deepEqual(jobs.items[0]?.spec.template.spec.containers[0]?.args, ['--target', 'web-canary'], 'arguments substituted into the Job');
    assert.equal(jobs.items[0]?.metadata.ownerReferences?.[0]?.kind, 'AnalysisRun');
  });

  test('SIGKILL mid-run: the restarted controller continues from status, measuring neither twice nor late', async () => {
    const { cluster, gauges } = suite;
    const ns = await createNamespace(cluster, 'restart');
    gauges.set('restart_value', { namespace: ns }, 1);
    await untilPrometheusSees(suite, `restart_value{namespace="${ns}"}`, '1');
    await run(ns, 'restart', {
      metrics: [{ name: 'm', interval: '2s', count: 5, successCondition: 'result[0] == 1', provider: { prometheus: { address: suite.prometheus.url, query: `restart_value{namespace="${ns}"}` } } }],
    });
    await waitForRun(cluster, ns, 'two measurements', (r) => (r.status?.metricResults?.[0]?.count ?? 0) >= 2);
    await suite.cluster.processes.kill(controller.name, 'SIGKILL');
    const killedAt = Date.now();
    controller = await suite.rollouts.startController('ctl-b', ['--no-leader-elect']);
    const r = await finished(ns, 'restart');
    const times = (r.status?.metricResults?.[0]?.measurements ?? []).map((m) => Date.parse(m.finishedAt ?? ''));
    assert.equal(r.status?.phase, 'Successful');
    assert.equal(times.length, 5, 'exactly count measurements');
    for (let i = 1; i < times.length; i++) {
      const gap = (times[i] ?? 0) - (times[i - 1] ?? 0);
      assert.ok(gap >= 1900, `measurement ${i} came ${gap} ms after the previous one (interval 2 s): not measured twice`);
    }
    assert.ok(Date.now() - killedAt < 60_000);
  });
});

// Observability end to end: the controller's /metrics scraped by a real Prometheus beside an
// Istio-style exporter, one rollout promoted, one aborted by analysis, one Application whose
// sync fails; then every query of both dashboards runs against that Prometheus with its
// variables substituted and must return data (no `or vector(0)` padding: model.test.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createNamespace } from '../harness/fixtures.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { fetchText } from '../harness/http.ts';
import { repoRoot } from '../harness/paths.ts';
import { startAnalysisSuite, untilPrometheusSees, type AnalysisSuite } from '../analysis/fixtures.ts';
import { applyApplication, syncedAt, waitForApplication } from '../gitops/fixtures.ts';
import { applyYaml, hostSplitNetwork, hostSplitRollout, setImage, waitForRollout } from '../rollout/fixtures.ts';
import { panelQueries, substitute } from '../dashboards/panels.ts';
import { startReceiver, type Receiver } from '../notify/receiver.ts';

interface Series {
  readonly metric: Record<string, string>;
  readonly values?: [number, string][];
  readonly value?: [number, string];
}

describe('observability: metrics scraped by Prometheus feed every dashboard panel', { timeout: 600_000 }, () => {
  let suite: AnalysisSuite;
  let git: GitServer;
  let receiver: Receiver;
  let metricsUrl: string;
  let ns: string;
  const started = Date.now() / 1000;

  before(async () => {
    suite = await startAnalysisSuite();
    git = await startGitServer();
    receiver = await startReceiver();
    const controller = await suite.rollouts.startController();
    metricsUrl = `http://127.0.0.1:${controller.port}/metrics`;
    await suite.prometheus.setScrapeTargets([suite.gauges.target, suite.istio.target, { job: 'sluice', targets: [`127.0.0.1:${controller.port}`] }]);
    // Scraped from before the story starts: every counter's first event is an increase.
    await untilPrometheusSees(suite, 'sluice_leader{job="sluice"}', '1');
  });
  after(async () => {
    await suite?.stop();
    await git?.stop();
    await receiver?.close();
  });

  const query = async (path: string, params: Record<string, string>): Promise<Series[]> => {
    const res = await fetchText(`${suite.prometheus.url}${path}?${new URLSearchParams(params).toString()}`);
    const body = JSON.parse(res.body) as { status: string; error?: string; data?: { result?: Series[] } };
    assert.equal(body.status, 'success', `${params.query ?? ''}: ${body.error ?? res.body.slice(0, 200)}`);
    return body.data?.result ?? [];
  };
  const instant = (q: string): Promise<Series[]> => query('/api/v1/query', { query: q });

  test('one rollout promoted, one aborted by analysis, one failed sync', async () => {
    const { cluster, istio } = suite;
    await cluster.kubectl(['apply', '--server-side', '-k', join(repoRoot, 'analysis-templates')]);
    ns = await createNamespace(cluster, 'obs');
    await applyYaml(cluster, 'sluice-system', `apiVersion: v1
kind: ConfigMap
metadata:
  name: sluice-notifications
data:
  service.webhook.hook: |
    url: http://127.0.0.1:${receiver.port}/hook
`);
    const step = (service: string): string => `      - analysis:
          templates:
          - {templateName: success-rate, clusterScope: true}
          args:
          - {name: service, value: ${service}}
          - name: namespace
            valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
          - {name: window, value: 5s}
          - {name: count, value: "1"}
          - {name: failure-limit, value: "0"}
          - {name: prometheus-address, value: "${suite.prometheus.url}"}
`;
    for (const name of ['good', 'bad']) {
      istio.setTraffic({ service: `${name}-stable`, namespace: ns, workload: name }, { rps: 40, errorRate: 0.01, latencyMs: 10 });
      istio.setTraffic({ service: `${name}-canary`, namespace: ns, workload: name }, { rps: 20, errorRate: name === 'bad' ? 0.3 : 0, latencyMs: name === 'bad' ? 200 : 12 });
      await applyYaml(cluster, ns, hostSplitNetwork(name));
      await applyYaml(cluster, ns, hostSplitRollout({ name, replicas: 1, steps: `      - setWeight: 20\n      - pause: {duration: 2s}\n${step(`${name}-canary`)}      - setWeight: 60\n      - pause: {duration: 2s}\n` }));
      await waitForRollout(cluster, ns, `${name} Healthy on v1`, (r) => r.status?.phase === 'Healthy', name);
    }
    await cluster.kubectl(['-n', ns, 'annotate', 'rollout', 'bad', 'notifications.sluice.dev/subscribe.on-rollout-aborted.hook=']);
    await cluster.kubectl(['-n', ns, 'annotate', 'rollout', 'good', 'notifications.sluice.dev/subscribe.on-rollout-step-completed.hook=']);
    await untilPrometheusSees(suite, `clamp_max(count(rate(istio_requests_total{destination_service_namespace="${ns}",destination_service_name="bad-canary",response_code=~"5.."}[5s]) > 0), 1)`, '1');
    for (const name of ['good', 'bad']) await setImage(cluster, ns, 'registry.invalid/web:v2', name);
    const good = await waitForRollout(cluster, ns, 'good promoted', (r) => r.status?.phase === 'Healthy' && r.status.stableRS === r.status.currentPodHash && r.status.currentStepIndex === 5, 'good');
    const bad = await waitForRollout(cluster, ns, 'bad aborted by analysis', (r) => r.status?.phase === 'Degraded', 'bad');
    assert.match(bad.status?.message ?? '', /success-rate/);

    // An Application: synced, then one object pruned, then a revision the API server refuses;
    // and one whose repository does not exist (fetch errors).
    const cm = (name: string, data: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  ${data}\n`;
    await git.createRepo('obs');
    const sha1 = await git.commit('obs', { 'app/a.yaml': cm('a', 'v: "1"'), 'app/b.yaml': cm('b', 'v: "1"') }, 'two ConfigMaps');
    // Scraped before its first sync (manual sync policy first): its counters start at 0, so each
    // event is an increase Prometheus can see, as with any Application older than a scrape.
    await applyApplication(cluster, ns, 'shop', git.gitUrl('obs'), { policy: '', interval: '2s' });
    await applyApplication(cluster, ns, 'lost', git.gitUrl('missing'), { policy: '    automated: {prune: true}\n', interval: '2s' });
    // Applied as a ServiceAccount with no permissions: the API server answers 403, at every retry.
    await applyApplication(cluster, ns, 'denied', git.gitUrl('obs'), { policy: '    automated: {}\n', interval: '2s', extraSpec: '  serviceAccountName: nobody\n' });
    const seen = (q: string): Promise<void> => untilPrometheusSees(suite, `clamp_max(${q}, 1)`, '1');
    await seen(`sluice_application_info{namespace="${ns}",application="shop"}`);
    // Retried (the default policy, backoff from 5 s): the refusal below repeats, as it would in a cluster.
    await applyApplication(cluster, ns, 'shop', git.gitUrl('obs'), { policy: '    automated: {prune: true}\n', interval: '2s' });
    await waitForApplication(cluster, ns, 'shop', 'synced at the first commit', syncedAt(sha1));
    await seen(`sluice_application_syncs_total{namespace="${ns}",application="shop",result="Succeeded"}`);
    const sha2 = await git.commit('obs', { 'app/b.yaml': null }, 'b removed');
    await waitForApplication(cluster, ns, 'shop', 'b pruned', syncedAt(sha2));
    await seen(`sluice_application_objects_pruned_total{namespace="${ns}",application="shop"}`);
    await git.commit('obs', { 'app/b.yaml': cm('b', 'count: 3') }, 'a ConfigMap that is refused (data values are strings)');
    await waitForApplication(cluster, ns, 'shop', 'sync Failed', (a) => a.status?.history?.at(-1)?.result === 'Failed');
    await waitForApplication(cluster, ns, 'lost', 'fetch failed', (a) => a.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False') === true);
    // Each of these repeats (retries, the interval): an increase within a 10 s window.
    await seen(`sum(increase(sluice_git_fetch_errors_total{namespace="${ns}",application="lost"}[10s]))`);
    await seen(`sum(increase(sluice_application_syncs_total{namespace="${ns}",application="shop",result="Failed"}[10s]))`);
    await seen('sum(increase(sluice_kube_api_requests_total{code="403"}[10s]))');

    // The controller's own exposition, before Prometheus: the counters of what just happened.
    const text = (await fetchText(metricsUrl)).body;
    assert.match(text, new RegExp(`sluice_rollout_promotions_total\\{namespace="${ns}",rollout="good",reason="completed"\\} 1\\n`));
    assert.match(text, new RegExp(`sluice_rollout_aborts_total\\{namespace="${ns}",rollout="bad",reason="analysis"\\} 1\\n`));
    assert.match(text, new RegExp(`sluice_rollout_phase\\{namespace="${ns}",rollout="bad",phase="Degraded"\\} 1\\n`));
    assert.match(text, new RegExp(`sluice_analysis_measurements_total\\{namespace="${ns}",rollout="bad",metric="success-rate",provider="prometheus",phase="Failed"\\} 1\\n`));
    assert.match(text, new RegExp(`sluice_application_syncs_total\\{namespace="${ns}",application="shop",result="Failed"\\} [1-9]`));
    assert.match(text, /sluice_kube_api_requests_total\{verb="patch",resource="rollouts\/status",code="200"\} [1-9]/);
    assert.match(text, /sluice_reconcile_duration_seconds_count\{controller="rollouts"\} [1-9]/);
    assert.match(text, /sluice_leader 1\n/);
    await cluster.waitFor('the abort notification', () => receiver.received.some((r) => r.body.trigger === 'on-rollout-aborted'), { timeoutMs: 20_000 });
    const received = receiver.received.map((r) => `${(r.body.object as { name: string }).name} ${String(r.body.trigger)}`);
    assert.deepEqual(received.filter((r) => r.startsWith('bad ')), ['bad on-rollout-aborted']);
    const steps = received.filter((r) => r === 'good on-rollout-step-completed').length;
    // Level-based triggers see the states the informer delivers: quick steps may coalesce.
    assert.ok(steps >= 2, `good: notifications of completed steps (${steps})`);
    const sentText = (await fetchText(metricsUrl)).body;
    assert.match(sentText, /sluice_notifications_total\{service="hook",trigger="on-rollout-aborted",result="sent"\} 1\n/);
    assert.match(sentText, new RegExp(`sluice_notifications_total\\{service="hook",trigger="on-rollout-step-completed",result="sent"\\} ${steps}\\n`));
    assert.match(text, new RegExp(`sluice_application_objects_pruned_total\\{namespace="${ns}",application="shop"\\} 1\\n`));
    assert.match(text, new RegExp(`sluice_git_fetch_errors_total\\{namespace="${ns}",application="lost"\\} [1-9]`));
    assert.equal(good.status?.stableRS, good.status?.currentPodHash);

    // Prometheus has scraped all of it.
    await untilPrometheusSees(suite, `sluice_rollout_aborts_total{namespace="${ns}",rollout="bad",reason="analysis"}`, '1');
    await untilPrometheusSees(suite, `sluice_rollout_promotions_total{namespace="${ns}",rollout="good",reason="completed"}`, '1');
    await untilPrometheusSees(suite, `clamp_max(sum(sluice_application_syncs_total{namespace="${ns}",application="shop",result="Failed"}), 1)`, '1');
    const values = await instant(`sluice_analysis_metric_value{namespace="${ns}",rollout="bad",metric="success-rate"}`);
    const value = Number(values[0]?.value?.[1]);
    assert.ok(value > 0.5 && value < 0.85, `the failing canary's success rate as measured (~0.7): ${value}`);
    const limit = await instant(`sluice_analysis_metric_threshold{namespace="${ns}",rollout="bad",metric="success-rate",condition="success"}`);
    assert.equal(limit[0]?.value?.[1], '0.99', "the stock template's default limit");
  });

  for (const file of ['canary-analysis.json', 'controller.json']) {
    test(`${file}: every panel query returns data for the rollouts of the story`, async () => {
      assert.ok(ns !== undefined, 'the story ran');
      const dashboard = JSON.parse(readFileSync(join(repoRoot, 'dashboards', file), 'utf8')) as unknown;
      const queries = panelQueries(dashboard as Parameters<typeof panelQueries>[0]);
      assert.ok(queries.length >= 8, `${file} has ${queries.length} queries`);
      const end = Date.now() / 1000;
      const empty: string[] = [];
      for (const q of queries) {
        // The story has no leader change (one controller, never restarted): that annotation is rightly empty.
        if (q.panel.includes('Leader changes')) continue;
        let found = false;
        for (const rollout of ['good', 'bad']) {
          const vars = { datasource: 'prometheus', namespace: ns, rollout, canary_service: `${rollout}-canary`, stable_service: `${rollout}-stable`, reporter: 'source', metric: 'success-rate' };
          const expr = substitute(q.expr, vars, '10s');
          const series = await query('/api/v1/query_range', { query: expr, start: String(Math.floor(started)), end: String(Math.ceil(end)), step: '2' });
          // Data means at least one finite sample, not series of NaN.
          if (series.some((s) => (s.values ?? []).some(([, v]) => Number.isFinite(Number(v))))) {
            found = true;
            break;
          }
        }
        if (!found) empty.push(`${q.panel} [${q.refId}]: ${q.expr}`);
      }
      assert.deepEqual(empty, [], `panels with no data:\n${empty.join('\n')}`);
    });
  }
});

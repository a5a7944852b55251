// End to end: Rollouts whose steps run AnalysisRuns against a real Prometheus (scraping gauges the
// test sets), on a real control plane, with the controller running as shipped (its own RBAC).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createNamespace } from '../harness/fixtures.ts';
import { repoRoot } from '../harness/paths.ts';
import { applyYaml, hostSplitNetwork, hostSplitRollout, operate, setImage, vsWeights, waitForRollout } from '../rollout/fixtures.ts';
import { analysisStep, gaugeTemplate, listRuns, startAnalysisSuite, untilPrometheusSees, waitForRun, type AnalysisSuite } from './fixtures.ts';

const healthy = (r: { status?: { phase?: string } }): boolean => r.status?.phase === 'Healthy';

describe('analysis: step analysis decides promotion and rollback', { timeout: 600_000 }, () => {
  let suite: AnalysisSuite;
  before(async () => {
    suite = await startAnalysisSuite();
    await suite.rollouts.startController();
  });
  after(async () => suite?.stop());

  /** A namespace with the network, the template and a Healthy v1; the gauge set to `value`. */
  async function setUp(prefix: string, template: (ns: string) => string, steps: (ns: string) => string, value: number | undefined, replicas = 1) {
    const { cluster, gauges } = suite;
    const ns = await createNamespace(cluster, prefix);
    gauges.set('canary_success_rate', { namespace: ns }, value);
    await untilPrometheusSees(suite, `canary_success_rate{namespace="${ns}"}`, value === undefined ? undefined : String(value));
    await applyYaml(cluster, ns, hostSplitNetwork());
    await applyYaml(cluster, ns, template(ns));
    await applyYaml(cluster, ns, hostSplitRollout({ replicas, steps: steps(ns) }));
    const v1 = await waitForRollout(cluster, ns, 'Healthy on v1', healthy);
    assert.deepEqual(await listRuns(cluster, ns), [], 'no analysis for the first version');
    return { ns, v1: v1.status?.stableRS ?? '' };
  }

  test('a healthy canary: each analysis step Successful, the rollout reaches Healthy on v2', async () => {
    const { cluster } = suite;
    const template = () => gaugeTemplate({ name: 'success-rate', metric: 'canary-success-rate', prometheus: suite.prometheus.url, interval: '1s', count: 2, successCondition: 'result[0] >= 0.95' });
    const { ns } = await setUp('healthy', template, (ns) => `      - setWeight: 20\n${analysisStep('success-rate', ns)}      - setWeight: 50\n${analysisStep('success-rate', ns)}`, 0.99);
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    const done = await waitForRollout(cluster, ns, 'Healthy on v2', (r) => healthy(r) && r.status?.stableRS === r.status?.currentPodHash && r.status?.currentStepIndex === 4);
    const runs = await listRuns(cluster, ns);
    assert.deepEqual(
      runs.map((r) => [r.metadata.labels?.['rollout-type'], r.metadata.labels?.['step-index'], r.status?.phase]),
      [['Step', '1', 'Successful'], ['Step', '3', 'Successful']],
    );
    const first = runs[0];
    assert.equal(first?.metadata.name, `web-${done.status?.stableRS}-2-1`);
    assert.equal(first?.status?.metricResults?.[0]?.count, 2);
    assert.deepEqual(first?.status?.metricResults?.[0]?.measurements?.map((m) => m.value), ['[0.99]', '[0.99]']);
    assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);
  });

  test('a failing canary: the run Fails and the rollout is aborted at once, Degraded naming the metric, value and limit', async () => {
    const { cluster, gauges } = suite;
    const template = () => gaugeTemplate({ name: 'success-rate', metric: 'canary-success-rate', prometheus: suite.prometheus.url, interval: '3s', count: 5, successCondition: 'result[0] >= 0.95' });
    const { ns, v1 } = await setUp('failing', template, (ns) => `      - setWeight: 30\n${analysisStep('success-rate', ns)}      - setWeight: 60\n`, 0.99);
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    await waitForRun(cluster, ns, 'first measurement Successful', (r) => (r.status?.metricResults?.[0]?.successful ?? 0) >= 1);
    assert.deepEqual(await vsWeights(cluster, ns), [70, 30]);
    gauges.set('canary_success_rate', { namespace: ns }, 0.42);
    // Watch the weights closely from now on: when did traffic go back to stable?
    let backAt: number | undefined;
    await cluster.waitFor('weights 100/0', async () => {
      const w = await vsWeights(cluster, ns);
      if (w[0] === 100 && w[1] === 0) backAt = Date.now();
      return backAt !== undefined;
    }, { timeoutMs: 30_000, intervalMs: 50 });
    const run = await waitForRun(cluster, ns, 'Failed', (r) => r.status?.phase === 'Failed');
    const failing = run.status?.metricResults?.[0]?.measurements?.find((m) => m.phase === 'Failed');
    assert.equal(failing?.value, '[0.42]');
    const lag = (backAt ?? 0) - Date.parse(failing?.finishedAt ?? '');
    assert.ok(lag < 3000, `traffic went back ${lag} ms after the failing measurement (interval 3 s)`);
    const r = await waitForRollout(cluster, ns, 'Degraded', (x) => x.status?.phase === 'Degraded');
    assert.match(r.status?.message ?? '', /RolloutAborted: .*Metric "canary-success-rate" assessed Failed due to failed \(1\) > failureLimit \(0\); last value \[0\.42\]; successCondition result\[0\] >= 0\.95/);
    assert.match(r.status?.message ?? '', new RegExp(`traffic is back on ${v1}`));
    assert.equal(r.status?.stableRS, v1);
  });

  test('both conditions set and neither true: Paused (InconclusiveAnalysisRun); promote continues', async () => {
    const { cluster } = suite;
    const template = () =>
      gaugeTemplate({ name: 'success-rate', metric: 'canary-success-rate', prometheus: suite.prometheus.url, successCondition: 'result[0] >= 0.99', failureCondition: 'result[0] < 0.9' });
    const { ns } = await setUp('inconclusive', template, (ns) => `      - setWeight: 25\n${analysisStep('success-rate', ns)}      - setWeight: 75\n`, 0.95);
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    const paused = await waitForRollout(cluster, ns, 'Paused', (r) => r.status?.phase === 'Paused');
    assert.deepEqual(paused.status?.pauseConditions?.map((c) => c.reason), ['InconclusiveAnalysisRun']);
    assert.equal((await listRuns(cluster, ns))[0]?.status?.phase, 'Inconclusive');
    assert.deepEqual(await vsWeights(cluster, ns), [75, 25]);
    await operate(cluster, ns, 'promote');
    await waitForRollout(cluster, ns, 'Healthy on v2', (r) => healthy(r) && r.status?.stableRS === r.status?.currentPodHash);
  });

  test('no data: with emptyResult unset (Argo) an empty result is an Error, and errors never promote', async () => {
    const { cluster } = suite;
    const template = () =>
      gaugeTemplate({
        name: 'success-rate',
        metric: 'canary-success-rate',
        prometheus: suite.prometheus.url,
        interval: '1s',
        count: 1,
        successCondition: 'result[0] >= 0.95',
        extra: '    consecutiveErrorLimit: 1',
      });
    const { ns, v1 } = await setUp('empty', template, (ns) => `      - setWeight: 10\n${analysisStep('success-rate', ns)}`, undefined);
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    const run = await waitForRun(cluster, ns, 'Error', (r) => r.status?.phase === 'Error');
    const measurements = run.status?.metricResults?.[0]?.measurements ?? [];
    assert.deepEqual(measurements.map((m) => [m.phase, m.value]), [['Error', '[]'], ['Error', '[]']]);
    assert.match(measurements[0]?.message ?? '', /result\[0\] >= 0\.95: index 0 out of range/);
    const r = await waitForRollout(cluster, ns, 'Degraded', (x) => x.status?.phase === 'Degraded');
    assert.equal(r.status?.stableRS, v1);
    assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);
  });

  test('background analysis from startingStep: a failure mid-rollout aborts; an Inconclusive one pauses until promoted', async () => {
    const { cluster, gauges } = suite;
    const template = () =>
      gaugeTemplate({ name: 'bg', metric: 'canary-success-rate', prometheus: suite.prometheus.url, interval: '1s', successCondition: 'result[0] >= 0.99', failureCondition: 'result[0] < 0.9' });
    const background = (ns: string) => `      analysis:\n        startingStep: 1\n        templates:\n        - templateName: bg\n        args:\n        - name: namespace\n          value: ${ns}\n`;
    const steps = '      - setWeight: 10\n      - pause: {duration: 1}\n      - setWeight: 40\n      - pause: {}\n';
    const ns = await createNamespace(cluster, 'background');
    gauges.set('canary_success_rate', { namespace: ns }, 0.999);
    await untilPrometheusSees(suite, `canary_success_rate{namespace="${ns}"}`, '0.999');
    await applyYaml(cluster, ns, hostSplitNetwork());
    await applyYaml(cluster, ns, template());
    await applyYaml(cluster, ns, hostSplitRollout({ replicas: 1, steps, extraCanary: background(ns) }));
    await waitForRollout(cluster, ns, 'Healthy on v1', healthy);
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    await waitForRollout(cluster, ns, 'paused at step 3', (r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 3);
    const bg = await waitForRun(cluster, ns, 'background run Running', (r) => r.metadata.labels?.['rollout-type'] === 'Background' && r.status?.phase === 'Running');
    assert.equal(bg.metadata.name.split('-').length, 3, 'named <rollout>-<hash>-<revision>');
    // Inconclusive: pauses (already paused at the step: a second pause condition), promote continues with a fresh run.
    gauges.set('canary_success_rate', { namespace: ns }, 0.95);
    const inconclusive = await waitForRollout(cluster, ns, 'InconclusiveAnalysisRun', (r) => (r.status?.pauseConditions ?? []).some((c) => c.reason === 'InconclusiveAnalysisRun'));
    assert.equal(inconclusive.status?.phase, 'Paused');
    gauges.set('canary_success_rate', { namespace: ns }, 0.999);
    await untilPrometheusSees(suite, `canary_success_rate{namespace="${ns}"}`, '0.999');
    await operate(cluster, ns, 'promote');
    const fresh = await waitForRun(cluster, ns, 'a fresh background run', (r) => r.metadata.labels?.['rollout-type'] === 'Background' && r.metadata.name !== bg.metadata.name && r.status?.phase === 'Running');
    // A failure now aborts mid-rollout.
    gauges.set('canary_success_rate', { namespace: ns }, 0.5);
    const degraded = await waitForRollout(cluster, ns, 'Degraded', (r) => r.status?.phase === 'Degraded');
    assert.match(degraded.status?.message ?? '', new RegExp(`AnalysisRun ${fresh.metadata.name} Failed`));
    assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);
  });

  test('Prometheus stopped mid-analysis: Error measurements are retried; back in time the analysis continues, gone too long the rollout aborts', async () => {
    const { cluster } = suite;
    const template = () =>
      gaugeTemplate({ name: 'success-rate', metric: 'canary-success-rate', prometheus: suite.prometheus.url, interval: '1s', count: 30, successCondition: 'result[0] >= 0.95', extra: '    consecutiveErrorLimit: 2' });
    const { ns, v1 } = await setUp('promdown', template, (ns) => `      - setWeight: 20\n${analysisStep('success-rate', ns)}`, 0.99);
    const prometheus = suite.prometheus.processes;
    const pid = prometheus.pid('prometheus');
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    await waitForRun(cluster, ns, 'measuring', (r) => (r.status?.metricResults?.[0]?.successful ?? 0) >= 2);
    // Stopped (SIGSTOP): queries time out (2 s). One error, then back: the run goes on.
    process.kill(pid, 'SIGSTOP');
    try {
      await waitForRun(cluster, ns, 'an Error measurement', (r) => (r.status?.metricResults?.[0]?.consecutiveError ?? 0) >= 1, 30_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const resumed = await waitForRun(cluster, ns, 'measuring again', (r) => (r.status?.metricResults?.[0]?.consecutiveError ?? 1) === 0 && r.status?.phase === 'Running', 30_000);
    assert.ok((resumed.status?.metricResults?.[0]?.error ?? 0) >= 1);
    // Stopped for good: 3 errors in a row (> consecutiveErrorLimit 2) → Error → abort, never promote.
    process.kill(pid, 'SIGSTOP');
    try {
      const errored = await waitForRun(cluster, ns, 'Error', (r) => r.status?.phase === 'Error', 90_000);
      assert.match(errored.status?.message ?? '', /consecutiveErrors \(3\) > consecutiveErrorLimit \(2\)/);
      const r = await waitForRollout(cluster, ns, 'Degraded', (x) => x.status?.phase === 'Degraded');
      assert.equal(r.status?.stableRS, v1);
      assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });

  test('runs beyond the history limits are deleted; a superseded rollout\'s run is terminated', async () => {
    const { cluster } = suite;
    const template = () => gaugeTemplate({ name: 'quick', metric: 'canary-success-rate', prometheus: suite.prometheus.url, successCondition: 'result[0] >= 0.95' });
    const steps = (ns: string) => `${analysisStep('quick', ns)}${analysisStep('quick', ns)}${analysisStep('quick', ns)}      - pause: {}\n`;
    const { ns } = await setUp('history', template, steps, 0.99);
    await cluster.clients.request({
      method: 'PATCH',
      path: `/apis/sluice.dev/v1alpha1/namespaces/${ns}/rollouts/web`,
      contentType: 'application/merge-patch+json',
      body: { spec: { analysis: { successfulRunHistoryLimit: 2 } } },
    });
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    await waitForRollout(cluster, ns, 'paused after three analyses', (r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 3);
    const kept = await cluster.waitFor('two runs kept', async () => {
      const runs = await listRuns(cluster, ns);
      return runs.length === 2 ? runs : undefined;
    });
    assert.deepEqual(kept.map((r) => r.metadata.labels?.['step-index']), ['1', '2'], 'the oldest (step 0) was deleted');
    // Superseded: v3 while a v2 analysis runs (a slow template) → that run is terminated.
    await applyYaml(cluster, ns, gaugeTemplate({ name: 'quick', metric: 'canary-success-rate', prometheus: suite.prometheus.url, interval: '1s', count: 100, successCondition: 'result[0] >= 0.95' }));
    await setImage(cluster, ns, 'registry.invalid/web:v3');
    const v3run = await waitForRun(cluster, ns, 'a v3 run measuring', (r) => r.status?.phase === 'Running');
    await setImage(cluster, ns, 'registry.invalid/web:v4');
    const terminated = await waitForRun(cluster, ns, 'the v3 run terminated', (r) => r.metadata.name === v3run.metadata.name && r.spec.terminate === true && r.status?.phase === 'Successful');
    assert.equal(terminated.status?.message, 'Run Terminated');
  });

  test('the stock templates through a Rollout: a clean canary is promoted on Istio metrics, a failing one rolled back to it', async () => {
    const { cluster, istio } = suite;
    await cluster.kubectl(['apply', '--server-side', '-k', join(repoRoot, 'analysis-templates')]);
    const ns = await createNamespace(cluster, 'stock');
    const canary = { service: 'web-canary', namespace: ns, workload: 'web' };
    const stable = { service: 'web-stable', namespace: ns, workload: 'web' };
    // Stable traffic fails a lot: it must not count against the canary.
    istio.setTraffic(stable, { rps: 50, errorRate: 0.5, latencyMs: 5 });
    istio.setTraffic(canary, { rps: 50, latencyMs: 20 });
    const sees = (selector: string) => untilPrometheusSees(suite, `clamp_max(count(rate(istio_requests_total{reporter="source",destination_service_namespace="${ns}",${selector}}[5s]) > 0), 1)`, '1');
    await sees('destination_service_name="web-canary"');
    const stockStep = `      - analysis:
          templates:
          - {templateName: success-rate, clusterScope: true}
          - {templateName: latency-p99, clusterScope: true}
          args:
          - {name: service, value: web-canary}
          - name: namespace
            valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
          - {name: window, value: 5s}
          - {name: count, value: "1"}
          - {name: failure-limit, value: "0"}
          - {name: prometheus-address, value: "${suite.prometheus.url}"}
`;
    await applyYaml(cluster, ns, hostSplitNetwork());
    await applyYaml(cluster, ns, hostSplitRollout({ replicas: 1, steps: `      - setWeight: 20\n${stockStep}      - setWeight: 50\n${stockStep}` }));
    const v1 = await waitForRollout(cluster, ns, 'Healthy on v1', healthy);
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    const v2 = await waitForRollout(cluster, ns, 'Healthy on v2', (r) => healthy(r) && r.status?.stableRS !== v1.status?.stableRS && r.status?.stableRS === r.status?.currentPodHash);
    const runs = await listRuns(cluster, ns);
    assert.deepEqual(runs.map((r) => r.status?.phase), ['Successful', 'Successful']);
    const results = runs[0]?.status?.metricResults ?? [];
    assert.deepEqual(results.map((m) => [m.name, m.phase]), [['success-rate', 'Successful'], ['latency-p99', 'Successful']]);
    assert.equal(results[0]?.measurements?.[0]?.value, '[1]', 'no canary 5xx: a success rate of 1 (the failing stable traffic does not count)');
    const p99 = Number(results[1]?.measurements?.[0]?.value?.slice(1, -1));
    assert.ok(p99 > 10 && p99 <= 25, `20 ms requests land in the (10, 25] bucket: p99 ${p99}`);

    // v3 fails 20% of its requests: the first analysis step fails and traffic goes back to v2.
    istio.setTraffic(canary, { rps: 50, errorRate: 0.2, latencyMs: 20 });
    await sees('destination_service_name="web-canary",response_code=~"5.."');
    await setImage(cluster, ns, 'registry.invalid/web:v3');
    const aborted = await waitForRollout(cluster, ns, 'Degraded', (r) => r.status?.phase === 'Degraded');
    assert.match(aborted.status?.message ?? '', /Metric "success-rate" assessed Failed due to failed \(1\) > failureLimit \(0\); last value \[0\.\d+\]; successCondition result\[0\] >= 0\.99/);
    assert.equal(aborted.status?.stableRS, v2.status?.stableRS, 'stable stays v2');
    assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);
    istio.removeTraffic(canary);
    istio.removeTraffic(stable);
  });

  test('a missing template, or a condition that does not parse: InvalidSpec naming it, traffic untouched; fixing the template lets the rollout go on', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'invalid');
    await applyYaml(cluster, ns, hostSplitNetwork());
    await applyYaml(cluster, ns, hostSplitRollout({ replicas: 1, steps: `      - setWeight: 20\n${analysisStep('later', ns)}      - setWeight: 50\n` }));
    const missing = await waitForRollout(cluster, ns, 'InvalidSpec', (r) => r.status?.phase === 'Degraded');
    assert.match(missing.status?.message ?? '', /^InvalidSpec: .*spec\.strategy\.canary\.steps\[1\]\.analysis\.templates\[0\].*AnalysisTemplate "later" not found/);
    // The template appears (its informer wakes the Rollout), with a broken condition.
    const template = (condition: string) => gaugeTemplate({ name: 'later', metric: 'canary-success-rate', prometheus: suite.prometheus.url, successCondition: condition });
    await applyYaml(cluster, ns, template('result[0] >='));
    await waitForRollout(cluster, ns, 'InvalidSpec naming the condition', (r) => /successCondition "result\[0\] >=" does not parse/.test(r.status?.message ?? ''));
    assert.deepEqual(await listRuns(cluster, ns), []);
    await applyYaml(cluster, ns, template('result[0] >= 0.95'));
    await waitForRollout(cluster, ns, 'Healthy on v1', healthy);
    assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);
  });

  test("Argo's documented success-rate template, only the apiVersion changed, runs as written", async () => {
    const { cluster, istio } = suite;
    const ns = await createNamespace(cluster, 'argo-doc');
    const canary = { service: 'web-canary', namespace: ns, workload: 'web' };
    istio.setTraffic(canary, { rps: 40, errorRate: 0.01, latencyMs: 10 });
    await untilPrometheusSees(suite, `clamp_max(count(rate(istio_requests_total{reporter="source",destination_service_namespace="${ns}"}[10s]) > 0), 1)`, '1');
    // The shape of the example in Argo Rollouts' analysis docs: a regex matcher on the service's
    // FQDN, irate over a window, result[0] against a threshold, failureLimit 3.
    await applyYaml(cluster, ns, `apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
spec:
  args:
  - name: service-name
  metrics:
  - name: success-rate
    interval: 1s
    count: 2
    successCondition: result[0] >= 0.95
    failureLimit: 3
    provider:
      prometheus:
        address: ${suite.prometheus.url}
        query: |
          sum(irate(
            istio_requests_total{reporter="source",destination_service=~"{{args.service-name}}",response_code!~"5.*"}[10s]
          )) /
          sum(irate(
            istio_requests_total{reporter="source",destination_service=~"{{args.service-name}}"}[10s]
          ))
`);
    await applyYaml(cluster, ns, hostSplitNetwork());
    const step = `      - analysis:
          templates:
          - templateName: success-rate
          args:
          - name: service-name
            value: web-canary.${ns}.svc.cluster.local
`;
    await applyYaml(cluster, ns, hostSplitRollout({ replicas: 1, steps: `      - setWeight: 25\n${step}` }));
    await waitForRollout(cluster, ns, 'Healthy on v1', healthy);
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    const run = await waitForRun(cluster, ns, 'Successful', (r) => r.status?.phase === 'Successful');
    const values = run.status?.metricResults?.[0]?.measurements?.map((m) => Number(m.value?.slice(1, -1)));
    assert.equal(values?.length, 2);
    for (const v of values ?? []) assert.ok(v > 0.95 && v < 1, `about 0.99: ${v}`);
    await waitForRollout(cluster, ns, 'Healthy on v2', (r) => healthy(r) && r.status?.stableRS === r.status?.currentPodHash);
    istio.removeTraffic(canary);
  });
});

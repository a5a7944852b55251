// End to end: the notification controller (in-process, under the shipped RBAC: the sluice
// ServiceAccount's token) watches Rollouts driven by the real rollout controller process and
// delivers to local HTTP receivers: exactly once per event, nothing resent after a restart,
// retried while a receiver is down without slowing the rollout, a slow receiver timed out and
// recorded as failed, Slack's shape, and secrets that reach the receiver but never the log.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { serverSideApply } from '../../src/kube/apply.ts';
import { loadKubeConfig, makeKubeClients } from '../../src/kube/client.ts';
import { createObject, getObject } from '../../src/kube/patch.ts';
import { makeNotificationController, type DeliveryReport } from '../../src/notify/controller.ts';
import { FAILED_ANNOTATION, NOTIFIED_ANNOTATION } from '../../src/notify/record.ts';
import { createNamespace } from '../harness/fixtures.ts';
import { freePort } from '../harness/ports.ts';
import { applyYaml, hostSplitNetwork, hostSplitRollout, operate, readRollout, setImage, waitForRollout } from '../rollout/fixtures.ts';
import { startRolloutSuite, type RolloutSuite } from '../rollout/suite.ts';
import { startReceiver, type Received, type Receiver } from './receiver.ts';

const CONFIG_NS = 'sluice-system';
const STEPS = '      - setWeight: 20\n      - pause: {}\n';
const sub = (trigger: string, service: string): string => `notifications.sluice.dev/subscribe.${trigger}.${service}`;

interface Running {
  readonly reports: (DeliveryReport & { atMs: number })[];
  stop(): Promise<void>;
}

function annotated(yaml: string, annotations: Record<string, string>, name = 'web'): string {
  const lines = Object.entries(annotations).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`).join('\n');
  return yaml.replace(`metadata:\n  name: ${name}\nspec:`, `metadata:\n  name: ${name}\n  annotations:\n${lines}\nspec:`);
}

const summary = (r: Received): string => `${String(r.body.trigger)} ${String(r.body.oncePer)}`;

/** Every event id arrived once at each path. */
function assertOncePerEvent(received: readonly Received[], what: string): void {
  const counts = new Map<string, number>();
  for (const r of received) {
    const key = `${r.path} ${String(r.headers['x-sluice-event-id'])}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const repeated = [...counts].filter(([, n]) => n > 1);
  assert.deepEqual(repeated, [], `${what}: every event delivered once`);
}

describe('notifications', { timeout: 300_000 }, () => {
  let suite: RolloutSuite;
  let receiver: Receiver;
  let flakyPort: number;
  let notifications: Running | undefined;
  const logLines: string[] = [];
  const token = `tok-${randomBytes(12).toString('hex')}`;
  const hookSecretPath = `/hook/${randomBytes(8).toString('hex')}`;
  const slackSecretPath = `/slack/services/T000/B000/${randomBytes(8).toString('hex')}`;
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });

  const start = (workers?: number): Running => {
    const clients = makeKubeClients(loadKubeConfig(suite.controllerKubeconfig));
    const reports: Running['reports'] = [];
    const controller = makeNotificationController({
      clients,
      logger,
      configNamespace: CONFIG_NS,
      onDelivery: (r) => void reports.push({ ...r, atMs: Date.now() }),
      ...(workers === undefined ? {} : { workers }),
    });
    const running = controller.run();
    running.catch((error: unknown) => logLines.push(`run failed: ${String(error)}`));
    return {
      reports,
      stop: async () => {
        await controller.stop();
        await running;
      },
    };
  };
  const syncedCount = (): number => logLines.filter((l) => l.includes('notification controller caches synced')).length;
  const hookEvents = (ns: string): Received[] => receiver.received.filter((r) => r.path === hookSecretPath && (r.body.object as { namespace?: string } | undefined)?.namespace === ns);
  const slackEvents = (ns: string): Received[] => receiver.received.filter((r) => r.path === slackSecretPath && String(r.body.text).includes(`${ns}/web`));
  const waitForEvent = async (what: string, events: () => Received[], check: (r: Received) => boolean): Promise<Received> =>
    suite.cluster.waitFor(what, () => events().find(check), { timeoutMs: 30_000, intervalMs: 50 });
  const recordOf = async (ns: string, annotation: string): Promise<Record<string, string>> => {
    const rollout = await readRollout(suite.cluster, ns);
    const text = (rollout.metadata as { annotations?: Record<string, string> }).annotations?.[annotation];
    return text === undefined ? {} : (JSON.parse(text) as Record<string, string>);
  };

  before(async () => {
    suite = await startRolloutSuite();
    await suite.startController('ctl', ['--no-leader-elect', '--no-notifications']);
    receiver = await startReceiver({ delayMs: (path) => (path === '/slow' ? 1_500 : 0) });
    flakyPort = await freePort();
    const base = `http://127.0.0.1:${receiver.port}`;
    const apply = (object: Record<string, unknown>): Promise<unknown> => serverSideApply(suite.cluster.clients, object as never, { fieldManager: 'test-user', force: true });
    await apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'sluice-notifications-secret', namespace: CONFIG_NS },
      stringData: { 'hook-url': base + hookSecretPath, 'hook-token': token, 'slack-url': base + slackSecretPath },
    });
    await apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'sluice-notifications', namespace: CONFIG_NS },
      data: {
        'service.webhook.hook': 'url: $hook-url\nheaders:\n- name: Authorization\n  value: Bearer $hook-token\ntimeout: 2s\n',
        'service.webhook.flaky': `url: http://127.0.0.1:${flakyPort}/flaky\nretryMax: 10\nretryWaitMin: 250ms\nretryWaitMax: 1s\n`,
        'service.webhook.slow': `url: ${base}/slow\ntimeout: 300ms\nretryMax: 1\nretryWaitMin: 100ms\nretryWaitMax: 100ms\n`,
        'service.slack': 'url: ${slack-url}\nusername: sluice\n',
      },
    });
    notifications = start();
    await suite.cluster.waitFor('the notification controller to sync', () => syncedCount() >= 1 && logLines.some((l) => l.includes('notification configuration loaded') && l.includes('"hook"')));
  });
  after(async () => {
    await notifications?.stop();
    await receiver?.close();
    await suite?.stop();
  });

  test('a pause step and a promotion, then a restart (nothing resent), then an abort: each event once, with its payload', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'notify');
    await applyYaml(cluster, ns, hostSplitNetwork());
    const subscriptions = {
      [sub('on-rollout-step-completed', 'hook')]: '',
      [sub('on-rollout-paused', 'hook')]: '',
      [sub('on-rollout-completed', 'hook')]: '',
      [sub('on-rollout-aborted', 'hook')]: '',
      [sub('on-rollout-paused', 'slack')]: '#deploys',
    };
    await applyYaml(cluster, ns, annotated(hostSplitRollout({ steps: STEPS }), subscriptions));
    const v1 = (await waitForRollout(cluster, ns, 'Healthy on v1', (r) => r.status?.phase === 'Healthy')).status?.currentPodHash ?? '';
    await waitForEvent('completed (v1)', () => hookEvents(ns), (r) => summary(r) === `on-rollout-completed ${v1}`);

    await setImage(cluster, ns, 'registry.invalid/web:v2');
    const paused = await waitForRollout(cluster, ns, 'paused on v2', (r) => r.status?.phase === 'Paused');
    const v2 = paused.status?.currentPodHash ?? '';
    const pausedEvent = await waitForEvent('paused (v2)', () => hookEvents(ns), (r) => summary(r).startsWith(`on-rollout-paused ${v2}:1:`));
    assert.equal((pausedEvent.body.status as { phase?: string }).phase, 'Paused');
    assert.deepEqual(pausedEvent.body.object, { apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', namespace: ns, name: 'web', uid: (paused.metadata as { uid?: string }).uid });
    assert.match(String(pausedEvent.body.message), new RegExp(`^Rollout ${ns}/web is paused at step 1`));
    assert.equal(pausedEvent.headers['x-sluice-event-id'], pausedEvent.body.eventId);
    assert.equal(pausedEvent.headers.authorization, `Bearer ${token}`, 'the header from the Secret reaches the receiver');
    const slack = await waitForEvent('Slack: paused (v2)', () => slackEvents(ns), () => true);
    assert.deepEqual(Object.keys(slack.body).sort(), ['channel', 'text', 'username']);
    assert.equal(slack.body.channel, '#deploys');
    assert.equal(slack.body.username, 'sluice');
    assert.match(String(slack.body.text), /is paused at step 1/);
    assert.equal(slack.headers['x-sluice-event-id'], pausedEvent.body.eventId, 'one event, one id, whichever service');

    await operate(cluster, ns, 'promote');
    await waitForRollout(cluster, ns, 'Healthy on v2', (r) => r.status?.phase === 'Healthy' && r.status.stableRS === v2);
    await waitForEvent('completed (v2)', () => hookEvents(ns), (r) => summary(r) === `on-rollout-completed ${v2}`);
    // The last step's completion is seen only while the controller waits for the canary to scale.
    const beforeRestart = hookEvents(ns).map(summary).filter((s) => s !== `on-rollout-step-completed ${v2}:2`);
    const startTime = paused.status?.pauseConditions?.[0]?.startTime ?? '';
    assert.deepEqual(beforeRestart, [`on-rollout-completed ${v1}`, `on-rollout-step-completed ${v2}:1`, `on-rollout-paused ${v2}:1:${startTime}`, `on-rollout-completed ${v2}`]);
    assert.equal(slackEvents(ns).length, 1, 'one pause, one Slack message');
    const delivered = hookEvents(ns).length + slackEvents(ns).length;
    await cluster.waitFor('the deliveries recorded on the Rollout', async () => Object.keys(await recordOf(ns, NOTIFIED_ANNOTATION)).length === delivered);

    // Restart: one worker, so anything sent again at startup would arrive before the new events.
    await notifications?.stop();
    const counts = { hook: hookEvents(ns).length, slack: slackEvents(ns).length };
    notifications = start(1);
    await cluster.waitFor('the restarted controller to sync', () => syncedCount() >= 2);
    await setImage(cluster, ns, 'registry.invalid/web:v3');
    const paused3 = await waitForRollout(cluster, ns, 'paused on v3', (r) => r.status?.phase === 'Paused' && r.status.currentPodHash !== v2);
    const v3 = paused3.status?.currentPodHash ?? '';
    await operate(cluster, ns, 'abort');
    const aborted = await waitForRollout(cluster, ns, 'aborted', (r) => r.status?.phase === 'Degraded');
    const abortedEvent = await waitForEvent('aborted (v3)', () => hookEvents(ns), (r) => summary(r) === `on-rollout-aborted ${v3}:${aborted.status?.abortedAt}`);
    assert.equal((abortedEvent.body.status as { phase?: string }).phase, 'Degraded');
    await waitForEvent('Slack: paused (v3)', () => slackEvents(ns).slice(counts.slack), () => true);
    const afterRestart = hookEvents(ns).slice(counts.hook).map(summary);
    const expected = [`on-rollout-step-completed ${v3}:1`, `on-rollout-paused ${v3}:1:`, `on-rollout-aborted ${v3}:${aborted.status?.abortedAt}`];
    assert.equal(afterRestart.length, 3, `only the new events after the restart: ${afterRestart.join(', ')}`);
    expected.forEach((prefix, i) => assert.ok(afterRestart[i]?.startsWith(prefix), `${afterRestart[i]} starts with ${prefix}`));
    assert.equal(slackEvents(ns).length - counts.slack, 1);
    assertOncePerEvent([...hookEvents(ns), ...slackEvents(ns)], 'hook and Slack');
  });

  test('a receiver that is down is retried until it is up; the rollout reaches Paused meanwhile', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'notify-down');
    await applyYaml(cluster, ns, hostSplitNetwork());
    const subscriptions = { [sub('on-rollout-step-completed', 'flaky')]: '', [sub('on-rollout-paused', 'flaky')]: '' };
    await applyYaml(cluster, ns, annotated(hostSplitRollout({ steps: STEPS }), subscriptions));
    await waitForRollout(cluster, ns, 'Healthy', (r) => r.status?.phase === 'Healthy');
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    await waitForRollout(cluster, ns, 'paused while the receiver is down', (r) => r.status?.phase === 'Paused');
    await cluster.waitFor('a refused delivery to be retried', () => logLines.some((l) => l.includes('"service":"flaky"') && l.includes('ECONNREFUSED') && l.includes('retrying')));
    assert.equal(notifications?.reports.filter((r) => r.service === 'flaky').length, 0, 'nothing delivered yet');

    const flaky = await startReceiver({ port: flakyPort });
    try {
      await cluster.waitFor('both events to arrive once the receiver is up', () => flaky.received.length >= 2, { timeoutMs: 30_000, intervalMs: 50 });
      assert.deepEqual(flaky.received.map((r) => String(r.body.trigger)).sort(), ['on-rollout-paused', 'on-rollout-step-completed']);
      await cluster.waitFor('both reported sent', () => notifications?.reports.filter((r) => r.service === 'flaky' && r.result === 'sent').length === 2);
      assertOncePerEvent(flaky.received, 'flaky');
    } finally {
      await flaky.close();
    }
  });

  test('a receiver slower than the service timeout: timed out, retried, recorded as failed; other deliveries go on', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'notify-slow');
    await applyYaml(cluster, ns, hostSplitNetwork());
    const subscriptions = { [sub('on-rollout-paused', 'slow')]: '', [sub('on-rollout-paused', 'hook')]: '' };
    await applyYaml(cluster, ns, annotated(hostSplitRollout({ steps: STEPS }), subscriptions));
    await waitForRollout(cluster, ns, 'Healthy', (r) => r.status?.phase === 'Healthy');
    await setImage(cluster, ns, 'registry.invalid/web:v2');
    await waitForRollout(cluster, ns, 'Paused', (r) => r.status?.phase === 'Paused');
    const failed = await cluster.waitFor('the slow delivery to fail', () => notifications?.reports.find((r) => r.service === 'slow'), { timeoutMs: 20_000, intervalMs: 50 });
    assert.deepEqual({ trigger: failed.trigger, result: failed.result }, { trigger: 'on-rollout-paused', result: 'failed' });
    const gaveUp = logLines.find((l) => l.includes('"service":"slow"') && l.includes('giving up')) ?? '';
    assert.match(gaveUp, /"attempts":2,"outcome":"ETIMEDOUT"/, 'retryMax 1: two attempts, both timed out');
    // Each attempt reached the receiver (unless the machine is too slow to deliver one in 300 ms).
    const slow = receiver.received.filter((r) => r.path === '/slow');
    assert.ok(slow.length >= 1 && slow.length <= 2, String(slow.length));
    assert.ok(slow.every((r) => r.headers['x-sluice-event-id'] === slow[0]?.headers['x-sluice-event-id']), 'the same event id on the retry');
    const hook = await waitForEvent('the hook delivery of the same event', () => hookEvents(ns), () => true);
    assert.ok(hook.atMs < failed.atMs, 'the hook delivery did not wait for the slow receiver');
    assert.match(logLines.find((l) => l.includes('"service":"slow"') && l.includes('retrying')) ?? '', /ETIMEDOUT/);
    await cluster.waitFor('the failure recorded on the Rollout', async () => Object.keys(await recordOf(ns, FAILED_ANNOTATION)).some((k) => k.startsWith('on-rollout-paused:') && k.endsWith(':slow:')));
    await cluster.waitFor('the hook delivery recorded', async () => Object.keys(await recordOf(ns, NOTIFIED_ANNOTATION)).some((k) => k.endsWith(':hook:')));
  });

  test('an AnalysisRun that ends in Error: on-analysis-run-failed once, recorded on the run', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'notify-run');
    // No owning Rollout here (the rollout controller would prune a run it did not create): the
    // run's own annotations subscribe. The owner's are used when there is one (unit-tested).
    await createObject(cluster.clients, {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'AnalysisRun',
      metadata: { name: 'check', namespace: ns, annotations: { [sub('on-analysis-run-failed', 'hook')]: '' } },
      spec: { metrics: [{ name: 'not-json', consecutiveErrorLimit: 0, provider: { web: { url: `http://127.0.0.1:${receiver.port}/not-json` } } }] },
    } as never, { fieldManager: 'test-user' });
    const event = await waitForEvent('analysis-run-failed', () => receiver.received.filter((r) => r.path === hookSecretPath && (r.body.object as { namespace?: string }).namespace === ns), () => true);
    assert.equal(event.body.trigger, 'on-analysis-run-failed');
    assert.equal((event.body.object as { kind?: string }).kind, 'AnalysisRun');
    assert.equal((event.body.status as { phase?: string }).phase, 'Error');
    assert.match(String(event.body.message), new RegExp(`^AnalysisRun ${ns}/check ended Error: `));
    await cluster.waitFor('the delivery recorded on the run', async () => {
      const run = await getObject(cluster.clients, { apiVersion: 'sluice.dev/v1alpha1', kind: 'AnalysisRun', namespace: ns, name: 'check' });
      return run?.metadata.annotations?.[NOTIFIED_ANNOTATION]?.includes(':hook:') === true;
    });
    assert.equal(receiver.received.filter((r) => r.path === hookSecretPath && (r.body.object as { namespace?: string }).namespace === ns).length, 1, 'sent once');
  });

  test('secrets reach the receivers but never the log', () => {
    const log = logLines.join('');
    assert.ok(log.includes('"service":"hook"') && log.includes('notification sent'), 'the log was captured');
    for (const secret of [token, hookSecretPath, slackSecretPath]) assert.ok(!log.includes(secret), 'a secret value in the log');
    assert.ok(receiver.received.some((r) => r.headers.authorization === `Bearer ${token}`));
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from './config.ts';
import { buildRequest, mergeTemplates, type NotificationEvent } from './messages.ts';
import { planDeliveries } from './plan.ts';
import { annotationsAfter, FAILED_ANNOTATION, NOTIFIED_ANNOTATION, readRecord, recordedKeys, withEntries } from './record.ts';
import { analysisRunSubject, ownerRolloutName } from './subjects.ts';
import { subscriptionsOf } from './subscriptions.ts';
import { eventIdOf } from './triggers.ts';

const config = parseConfig(
  {
    'service.webhook.ops': 'url: https://ops.example/hook\nheaders:\n- name: Authorization\n  value: Bearer $token\n',
    'service.slack': 'url: https://slack.example/services/x\n',
  },
  { token: 't0k3n' },
);

test('subscriptions: trigger and service from the annotation key, recipients split on ";"', () => {
  const subscriptions = subscriptionsOf({
    'notifications.sluice.dev/subscribe.on-rollout-aborted.slack': '#deploys; #oncall;',
    'notifications.sluice.dev/subscribe.on-rollout-paused.ops.v2': '',
    'notifications.sluice.dev/subscribe.broken': 'x',
    'other/annotation': 'x',
  });
  assert.deepEqual(subscriptions, [
    { trigger: 'on-rollout-aborted', service: 'slack', recipients: ['#deploys', '#oncall'] },
    { trigger: 'on-rollout-paused', service: 'ops.v2', recipients: [''] },
  ]);
});

test('one delivery per trigger that holds × subscription × recipient, minus what the record holds', () => {
  const hit = { trigger: 'on-rollout-aborted' as const, oncePer: 'b:t0' };
  const subscriptions = subscriptionsOf({
    'notifications.sluice.dev/subscribe.on-rollout-aborted.slack': '#a;#b',
    'notifications.sluice.dev/subscribe.on-rollout-aborted.ops': '',
    'notifications.sluice.dev/subscribe.on-rollout-paused.ops': '',
    'notifications.sluice.dev/subscribe.on-rollout-aborted.nowhere': '',
    'notifications.sluice.dev/subscribe.on-typo.ops': '',
  });
  const plan = planDeliveries({ uid: 'u', hits: [hit], subscriptions, recorded: new Set(['on-rollout-aborted:b:t0:slack:#a']), config });
  assert.deepEqual(plan.deliveries.map((d) => d.key), ['on-rollout-aborted:b:t0:slack:#b', 'on-rollout-aborted:b:t0:ops:']);
  assert.ok(plan.deliveries.every((d) => d.eventId === eventIdOf('u', hit)), 'one event id for every recipient');
  assert.equal(plan.deliveries[0]?.templates[0]?.message?.startsWith('Rollout'), true, 'the built-in template');
  assert.deepEqual(plan.problems, ['subscription to service "nowhere", which the ConfigMap does not define', 'subscription to unknown trigger "on-typo"']);
});

const event: NotificationEvent = {
  id: 'e1',
  trigger: 'on-rollout-aborted',
  oncePer: 'b:t0',
  recipient: '#deploys',
  time: '2026-01-01T00:00:00.000Z',
  object: { apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', namespace: 'shop', name: 'web', uid: 'u' },
  status: { phase: 'Degraded' },
};
const vars = { rollout: { metadata: { name: 'web', namespace: 'shop' }, status: { phase: 'Degraded', message: 'RolloutAborted: "bad"' } } };

test('webhook: Sluice payload, the event id header, the service headers; a template body is JSON-escaped', () => {
  const ops = config.services.get('ops');
  assert.ok(ops !== undefined);
  const request = buildRequest(ops, { message: '{{rollout.metadata.name}} aborted' }, vars, { ...event, recipient: '' });
  assert.equal(request.url, 'https://ops.example/hook');
  assert.equal(request.method, 'POST');
  assert.equal(request.headers['x-sluice-event-id'], 'e1');
  assert.equal(request.headers.authorization, 'Bearer t0k3n');
  assert.deepEqual(JSON.parse(request.body), {
    eventId: 'e1', trigger: 'on-rollout-aborted', oncePer: 'b:t0', time: event.time, recipient: '', message: 'web aborted', object: event.object, status: { phase: 'Degraded' },
  });
  const custom = buildRequest(ops, { webhook: { ops: { method: 'put', path: '/x/{{rollout.metadata.name}}', body: '{"m": "{{rollout.status.message}}", "id": "{{event.id}}"}' } } }, vars, event);
  assert.equal(custom.method, 'PUT');
  assert.equal(custom.url, 'https://ops.example/hook/x/web');
  assert.deepEqual(JSON.parse(custom.body), { m: 'RolloutAborted: "bad"', id: 'e1' });
});

test("Slack: Slack's JSON shape ({channel, text, blocks}) at the service URL", () => {
  const slack = config.services.get('slack');
  assert.ok(slack !== undefined);
  const template = mergeTemplates([{ message: 'first' }, { message: 'Rollout {{rollout.metadata.name}} aborted', slack: { blocks: '[{"type":"section","text":{"type":"mrkdwn","text":"{{rollout.status.message}}"}}]' } }]);
  const request = buildRequest(slack, template, vars, event);
  assert.equal(request.url, 'https://slack.example/services/x');
  assert.deepEqual(JSON.parse(request.body), {
    channel: '#deploys',
    text: 'Rollout web aborted',
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'RolloutAborted: "bad"' } }],
  });
  assert.equal((JSON.parse(buildRequest(slack, template, vars, { ...event, recipient: '' }).body) as { channel?: string }).channel, undefined, 'no recipient: the webhook\'s channel');
});

test('the record: a bounded JSON map per outcome; unreadable counts as empty', () => {
  assert.deepEqual(readRecord({ [NOTIFIED_ANNOTATION]: 'not json' }, NOTIFIED_ANNOTATION), {});
  const annotations = annotationsAfter({ [NOTIFIED_ANNOTATION]: JSON.stringify({ a: '2026-01-01T00:00:00Z' }) }, [
    { key: 'b', outcome: 'sent', at: '2026-01-02T00:00:00Z' },
    { key: 'c', outcome: 'failed', at: '2026-01-02T00:00:00Z' },
  ]);
  assert.deepEqual(JSON.parse(annotations[NOTIFIED_ANNOTATION] ?? ''), { a: '2026-01-01T00:00:00Z', b: '2026-01-02T00:00:00Z' });
  assert.deepEqual(JSON.parse(annotations[FAILED_ANNOTATION] ?? ''), { c: '2026-01-02T00:00:00Z' });
  assert.deepEqual([...recordedKeys(annotations)].sort(), ['a', 'b', 'c']);
  const many = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`k${i}`, `2026-01-0${i + 1}T00:00:00Z`]));
  assert.deepEqual(Object.keys(withEntries(many, { new: '2026-02-01T00:00:00Z' }, 3)), ['k3', 'k4', 'new'], 'oldest dropped');
});

test("an AnalysisRun reads its owning Rollout's subscriptions (as Argo), its own when it has no owner", () => {
  const rollout = { apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', metadata: { name: 'web', uid: 'r1', annotations: { 'notifications.sluice.dev/subscribe.on-analysis-run-failed.ops': '' } } };
  const run = {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'AnalysisRun',
    metadata: { name: 'web-abc-1', uid: 'a1', ownerReferences: [{ apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', name: 'web', uid: 'r1', controller: true }] },
    status: { phase: 'Failed' },
  };
  assert.deepEqual(ownerRolloutName(run), { name: 'web', uid: 'r1' });
  const subject = analysisRunSubject(run, rollout);
  assert.deepEqual(subject.subscriptions, [{ trigger: 'on-analysis-run-failed', service: 'ops', recipients: [''] }]);
  assert.deepEqual(subject.hits, [{ trigger: 'on-analysis-run-failed', oncePer: 'a1' }]);
  assert.equal(subject.vars.rollout, rollout);
  const own = { ...run, metadata: { name: 'lonely', uid: 'a2', annotations: { 'notifications.sluice.dev/subscribe.on-analysis-run-failed.slack': '#x' } } };
  assert.deepEqual(analysisRunSubject(own, undefined).subscriptions, [{ trigger: 'on-analysis-run-failed', service: 'slack', recipients: ['#x'] }]);
});

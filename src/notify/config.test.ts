import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_POLICY, parseConfig } from './config.ts';

const secret = { 'hook-token': 's3cr3t-token', 'slack-url': 'https://hooks.slack.example/services/T/B/X' };

test("Argo's shape: webhook and Slack services, secret references replaced after parsing", () => {
  const config = parseConfig(
    {
      'service.webhook.ops': 'url: https://ops.example/hooks\nheaders:\n- name: Authorization\n  value: Bearer $hook-token\ntimeout: 2s\nretryMax: 5\nretryWaitMin: 200ms\nretryWaitMax: 3s\n',
      'service.slack': 'url: ${slack-url}\nusername: sluice\nicon: ":ship:"\n',
      'service.slack.team-b': 'url: https://hooks.slack.example/other\n',
    },
    secret,
  );
  assert.deepEqual(config.problems, []);
  assert.deepEqual(config.services.get('ops'), {
    type: 'webhook',
    name: 'ops',
    url: 'https://ops.example/hooks',
    headers: [{ name: 'Authorization', value: 'Bearer s3cr3t-token' }],
    policy: { timeoutMs: 2000, retryMax: 5, retryWaitMinMs: 200, retryWaitMaxMs: 3000 },
  });
  assert.deepEqual(config.services.get('slack'), { type: 'slack', name: 'slack', url: secret['slack-url'], username: 'sluice', icon: ':ship:', policy: DEFAULT_POLICY });
  assert.equal(config.services.get('team-b')?.type, 'slack');
  assert.equal(DEFAULT_POLICY.timeoutMs, 10_000);
});

test('a secret value with YAML syntax in it stays a value', () => {
  const config = parseConfig({ 'service.webhook.x': 'url: https://x.example\nheaders:\n- name: X-Token\n  value: $t\n' }, { t: 'a: b\n- c' });
  const service = config.services.get('x');
  assert.equal(service?.type === 'webhook' ? service.headers[0]?.value : undefined, 'a: b\n- c');
});

test('problems name the key and never a secret value; the other keys still load', () => {
  const config = parseConfig(
    {
      'service.webhook.bad': 'url: not a url',
      'service.webhook.missing': 'url: https://x.example/$nope',
      'service.webhook.slow': 'url: https://x.example\ntimeout: soon',
      'service.webhook.good': 'url: https://good.example',
      'template.mine': 'message: hi {{rollout.metadata.name}}',
      'trigger.on-rollout-paused': '- send: [mine]\n- send: [rollout-paused]\n  when: rollout.status.phase == "Paused"',
      'trigger.on-nothing': '- send: [mine]',
      'trigger.on-rollout-aborted': '- send: [undefined-template]',
      'service.email': 'host: smtp',
      'service.webhook.yaml': 'url: [unclosed',
    },
    { token: 'never-shown' },
  );
  const text = config.problems.join('\n');
  assert.match(text, /service\.webhook\.bad: url is not a valid URL/);
  assert.match(text, /service\.webhook\.missing: secret key "nope" is not in the Secret sluice-notifications-secret/);
  assert.match(text, /service\.webhook\.slow: timeout must be a positive duration/);
  assert.match(text, /trigger\.on-nothing: unknown trigger/);
  assert.match(text, /trigger\.on-rollout-aborted: template "undefined-template" is not defined/);
  assert.match(text, /service\.email: unknown key/);
  assert.match(text, /trigger\.on-rollout-paused: when and oncePer are ignored/);
  assert.match(text, /service\.webhook\.yaml: /);
  assert.doesNotMatch(text, /never-shown/);
  assert.deepEqual([...config.services.keys()], ['good']);
  assert.deepEqual(config.triggers.get('on-rollout-paused'), ['mine', 'rollout-paused']);
  assert.equal(config.templates.get('mine')?.message, 'hi {{rollout.metadata.name}}');
});

test('templates: user templates add to and override the built-in ones; webhook bodies and Slack blocks', () => {
  const config = parseConfig(
    {
      'template.rollout-aborted': 'message: custom\nwebhook:\n  ops:\n    method: PUT\n    path: /aborted\n    body: \'{"name": "{{rollout.metadata.name}}"}\'\nslack:\n  blocks: \'[{"type": "section"}]\'\n',
    },
    {},
  );
  assert.deepEqual(config.templates.get('rollout-aborted'), {
    message: 'custom',
    webhook: { ops: { method: 'PUT', path: '/aborted', body: '{"name": "{{rollout.metadata.name}}"}' } },
    slack: { blocks: '[{"type": "section"}]' },
  });
  assert.ok(config.templates.get('rollout-paused')?.message?.includes('paused'), 'built-ins kept');
  assert.deepEqual(parseConfig(undefined, undefined).problems, [], 'no ConfigMap: nothing configured, no problem');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILTIN_TEMPLATES, jsonStringContent, lookup, render } from './templates.ts';
import { TRIGGER_NAMES } from './triggers.ts';

const vars = {
  rollout: { metadata: { name: 'web', namespace: 'shop' }, status: { phase: 'Paused', currentStepIndex: 1, pauseConditions: [{ reason: 'CanaryPauseStep' }] } },
  app: { status: { sync: { revision: 'abc123' } } },
};

test('substitutes paths, with or without Go templates\' leading dot; missing paths render empty', () => {
  assert.equal(render('{{rollout.metadata.name}} is {{ rollout.status.phase }}', vars), 'web is Paused');
  assert.equal(render('{{.rollout.metadata.namespace}}/{{.rollout.metadata.name}}', vars), 'shop/web');
  assert.equal(render('at {{app.status.sync.revision}}', vars), 'at abc123');
  assert.equal(render('step {{rollout.status.currentStepIndex}} {{rollout.status.pauseConditions[0].reason}}', vars), 'step 1 CanaryPauseStep');
  assert.equal(render('[{{rollout.status.nope}}][{{rollout.x.y.z}}]', vars), '[][]');
  assert.equal(render('[{{nothing.at.all}}]', vars), '[{{nothing.at.all}}]', 'an unknown root stays as written');
  assert.equal(render('{{rollout.status}}', { rollout: { status: { phase: 'Healthy' } } }), '{"phase":"Healthy"}', 'objects as JSON');
});

test('is a substitution only: no expressions, no calls, no prototype walking', () => {
  assert.equal(render('{{if rollout.status.phase}}x{{end}}', vars), '{{if rollout.status.phase}}x{{end}}', 'Go actions stay as written');
  assert.equal(render('{{rollout.metadata.name.constructor}}', vars), '');
  assert.equal(render('{{rollout.__proto__}}', vars), '');
  assert.equal(render('{{ process.exit(1) }}', vars), '{{ process.exit(1) }}');
  assert.equal(render('{{ 1 + 1 }}', vars), '{{ 1 + 1 }}');
  assert.equal(lookup({ a: Object.create({ inherited: 1 }) as object }, 'a.inherited'), undefined);
});

test('in JSON bodies a value cannot break out of its string', () => {
  const body = render('{"text": "{{m}}"}', { m: 'say "hi"\n\\' }, jsonStringContent);
  assert.deepEqual(JSON.parse(body), { text: 'say "hi"\n\\' });
});

test('every trigger has a built-in template with a message', () => {
  for (const trigger of TRIGGER_NAMES) {
    const template = BUILTIN_TEMPLATES[trigger.slice(3)];
    assert.ok(template?.message !== undefined && template.message !== '', trigger);
  }
  assert.match(render(BUILTIN_TEMPLATES['rollout-paused']?.message ?? '', vars), /^Rollout shop\/web is paused at step 1/);
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectorMatches, selectorString, unmetRequirements } from './label-selector.ts';
import type { LabelSelector } from './rollout-common.ts';

const selector: LabelSelector = {
  matchLabels: { app: 'web' },
  matchExpressions: [
    { key: 'tier', operator: 'In', values: ['front', 'edge'] },
    { key: 'env', operator: 'NotIn', values: ['prod'] },
    { key: 'team', operator: 'Exists' },
    { key: 'debug', operator: 'DoesNotExist' },
  ],
};

describe('label selectors', () => {
  test('labels that meet every requirement match', () => {
    assert.ok(selectorMatches(selector, { app: 'web', tier: 'edge', team: 'a', extra: 'x' }));
    assert.ok(selectorMatches(selector, { app: 'web', tier: 'front', team: 'a', env: 'dev' }));
    assert.ok(selectorMatches({}, {}), 'an empty selector matches everything');
  });

  test('each unmet requirement is named as kubectl writes it', () => {
    assert.deepEqual(unmetRequirements(selector, { app: 'api', env: 'prod', debug: '1' }), [
      'app=web',
      'tier in (front,edge)',
      'env notin (prod)',
      'team',
      '!debug',
    ]);
    assert.deepEqual(unmetRequirements(selector, { app: 'web', tier: 'back', team: '' }), ['tier in (front,edge)']);
  });

  test('the string form for status.selector and kubectl -l', () => {
    assert.equal(selectorString(selector), 'app=web,tier in (front,edge),env notin (prod),team,!debug');
    assert.equal(selectorString({ matchLabels: { app: 'web', 'app.kubernetes.io/part-of': 'shop' } }), 'app=web,app.kubernetes.io/part-of=shop');
  });
});

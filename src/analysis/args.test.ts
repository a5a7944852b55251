import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeRegex, substituteCondition, substitutePromQL, substituteText, type Args } from './args.ts';

const plain = (entries: Record<string, string>): Args =>
  Object.fromEntries(Object.entries(entries).map(([k, value]) => [k, { value, secret: false }]));

function query(template: string, args: Args): string {
  const result = substitutePromQL(template, args);
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result.query;
}

function refused(template: string, args: Args): string {
  const result = substitutePromQL(template, args);
  assert.equal(result.ok, false, `expected a refusal of ${template}`);
  return result.ok ? '' : result.message;
}

describe('substituteText', () => {
  test('replaces every placeholder, with or without spaces, and leaves other braces alone', () => {
    const result = substituteText('http://{{args.host}}:{{ args.port }}/x?a={{other}}', plain({ host: 'svc', port: '80' }));
    assert.deepEqual(result, { ok: true, text: 'http://svc:80/x?a={{other}}' });
  });
  test('an unknown argument is an error naming it', () => {
    const result = substituteText('{{args.nope}}', plain({}));
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.message, /argument "nope" is not defined/u);
  });
  test('a value that looks like a placeholder is not substituted again', () => {
    assert.deepEqual(substituteText('{{args.a}}', plain({ a: '{{args.b}}', b: 'x' })), { ok: true, text: '{{args.b}}' });
  });
});

describe('substitutePromQL', () => {
  test('a double-quoted label value gets quotes and backslashes escaped', () => {
    const q = query('sum(rate(x{service="{{args.svc}}"}[5m]))', plain({ svc: 'a"} or vector(1) #\\' }));
    assert.equal(q, 'sum(rate(x{service="a\\"} or vector(1) #\\\\"}[5m]))');
  });
  test('single-quoted strings escape single quotes', () => {
    assert.equal(query("x{a='{{args.v}}'}", plain({ v: "it's" })), "x{a='it\\'s'}");
  });
  test('newlines and control characters are escaped inside strings', () => {
    assert.equal(query('x{a="{{args.v}}"}', plain({ v: 'a\nb\u0001' })), 'x{a="a\\nb\\x01"}');
  });
  test('inside =~ and !~ the value matches only itself', () => {
    assert.equal(query('x{pod=~"{{args.p}}-.*"}', plain({ p: 'web.v1' })), 'x{pod=~"web\\\\.v1-.*"}');
    assert.equal(query('x{pod!~ "{{args.p}}"}', plain({ p: '.*' })), 'x{pod!~ "\\\\.\\\\*"}');
    // An equality matcher is not a regex: dots stay.
    assert.equal(query('x{pod="{{args.p}}"}', plain({ p: 'web.v1' })), 'x{pod="web.v1"}');
  });
  test('backtick strings take a value without backticks and refuse one with', () => {
    assert.equal(query('x{a=`{{args.v}}`}', plain({ v: 'a"b\\c' })), 'x{a=`a"b\\c`}');
    assert.match(refused('x{a=`{{args.v}}`}', plain({ v: 'a`b' })), /backtick/u);
  });
  test('outside strings: numbers, durations and names pass; anything else is refused', () => {
    assert.equal(query('x > {{args.t}}', plain({ t: '0.95' })), 'x > 0.95');
    assert.equal(query('rate(x[{{args.w}}])', plain({ w: '5m' })), 'rate(x[5m])');
    assert.equal(query('{{args.m}}{a="b"}', plain({ m: 'istio_requests_total' })), 'istio_requests_total{a="b"}');
    assert.match(refused('x > {{args.t}}', plain({ t: '1 or vector(1)' })), /argument "t" stands outside quotes.*"1 or vector\(1\)" is not/u);
    assert.match(refused('x {{args.op}} y', plain({ op: 'or' })), /stands outside quotes/u);
    assert.match(refused('rate(x[{{args.w}}])', plain({ w: '5m] or vector(1) [' })), /stands outside quotes/u);
  });
  test('a secret value is never shown in a refusal', () => {
    const message = refused('x > {{args.token}}', { token: { value: 'hunter2 or 1', secret: true } });
    assert.doesNotMatch(message, /hunter2/u);
    assert.match(message, /a secret value/u);
  });
  test('escaped quotes inside a string do not end it', () => {
    assert.equal(query('x{a="q\\"{{args.v}}"}', plain({ v: '"' })), 'x{a="q\\"\\""}');
  });
  test('a placeholder in a comment follows the outside-strings rule (a newline would end the comment)', () => {
    assert.match(refused('x # {{args.v}}', plain({ v: 'a\nor vector(1)' })), /stands outside quotes/u);
    // A quote inside a comment does not open a string.
    assert.equal(query('x # "\n> {{args.t}}', plain({ t: '1' })), 'x # "\n> 1');
  });
  test('an unknown argument names it', () => {
    assert.match(refused('x{a="{{args.missing}}"}', plain({})), /argument "missing" is not defined/u);
  });
});

describe('substituteCondition', () => {
  test('numbers outside strings, escaped text inside', () => {
    assert.deepEqual(substituteCondition('result[0] >= {{args.min}}', plain({ min: '0.95' })), { ok: true, text: 'result[0] >= 0.95' });
    assert.deepEqual(substituteCondition('result.state == "{{args.s}}"', plain({ s: 'a" || true || "' })), { ok: true, text: 'result.state == "a\\" || true || \\""' });
    const refusedName = substituteCondition('result[0] >= {{args.min}}', plain({ min: 'result[0]' }));
    assert.equal(refusedName.ok, false);
  });
});

test('escapeRegex escapes every RE2 metacharacter', () => {
  const special = '\\^$.|?*+()[]{}';
  assert.ok(new RegExp(`^${escapeRegex(special)}$`, 'u').test(special));
});

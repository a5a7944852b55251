import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryAfterSeconds, slackRejection } from './delivery.ts';
import { classify, describeAttempt, retryDelayMs, type Attempt } from './retry.ts';

const status = (s: number, extra: Partial<Extract<Attempt, { kind: 'response' }>> = {}): Attempt => ({ kind: 'response', status: s, ...extra });
const error = (code: string): Attempt => ({ kind: 'error', code });

test('retried: connection errors, timeouts, 5xx and 429; never another 4xx; 2xx is sent', () => {
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH']) assert.equal(classify(error(code)), 'retry', code);
  for (const s of [500, 502, 503, 504, 429]) assert.equal(classify(status(s)), 'retry', String(s));
  for (const s of [400, 401, 403, 404, 405, 410, 413, 422]) assert.equal(classify(status(s)), 'fail', String(s));
  for (const s of [200, 201, 202, 204]) assert.equal(classify(status(s)), 'sent', String(s));
  assert.equal(classify(status(302)), 'fail', 'redirects are not followed');
  assert.equal(classify(error('ERR_INVALID_URL')), 'fail');
  assert.equal(classify(error('CERT_HAS_EXPIRED')), 'fail');
  assert.equal(classify(status(200, { rejected: 'channel_not_found' })), 'fail', "Slack's ok: false");
});

test('waits back off exponentially within retryWaitMin..retryWaitMax, a bounded number of times', () => {
  const policy = { retryMax: 3, retryWaitMinMs: 1000, retryWaitMaxMs: 5000 };
  const noJitter = (): number => 0;
  assert.equal(retryDelayMs(error('ECONNREFUSED'), 1, policy, noJitter), 1000);
  assert.equal(retryDelayMs(error('ECONNREFUSED'), 2, policy, noJitter), 2000);
  assert.equal(retryDelayMs(status(503), 3, policy, noJitter), 4000);
  assert.equal(retryDelayMs(status(503), 4, policy, noJitter), undefined, 'retryMax spent');
  assert.equal(retryDelayMs(status(404), 1, policy, noJitter), undefined, 'never for 404');
  assert.equal(retryDelayMs(status(200), 1, policy, noJitter), undefined);
  const jittered = retryDelayMs(status(500), 1, policy, () => 1) ?? 0;
  assert.ok(jittered > 1000 && jittered <= 1200, String(jittered));
  assert.equal(retryDelayMs(status(503), 3, { ...policy, retryWaitMaxMs: 3000 }, noJitter), 3000, 'capped');
});

test("429's Retry-After is honoured up to retryWaitMax", () => {
  const policy = { retryMax: 3, retryWaitMinMs: 100, retryWaitMaxMs: 5000 };
  assert.equal(retryDelayMs(status(429, { retryAfterSeconds: 2 }), 1, policy, () => 0), 2000);
  assert.equal(retryDelayMs(status(429, { retryAfterSeconds: 60 }), 1, policy, () => 0), 5000);
  assert.equal(retryAfterSeconds('3'), 3);
  assert.equal(retryAfterSeconds('Wed, 21 Oct 2015 07:28:00 GMT'), undefined);
  assert.equal(retryAfterSeconds(undefined), undefined);
});

test('Slack rejections and log descriptions carry no URL or body', () => {
  assert.equal(slackRejection('application/json', '{"ok":false,"error":"channel_not_found"}'), 'channel_not_found');
  assert.equal(slackRejection('application/json', '{"ok":true}'), undefined);
  assert.equal(slackRejection('text/plain', 'ok'), undefined);
  assert.equal(describeAttempt(error('ECONNREFUSED')), 'ECONNREFUSED');
  assert.equal(describeAttempt(status(503)), 'HTTP 503');
});

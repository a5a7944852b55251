import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs } from './backoff.ts';
import { ManualClock, sleep } from './clock.ts';

test('ManualClock fires due timers in time order, including ones set while firing', () => {
  const clock = new ManualClock(0);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 200);
  clock.setTimeout(() => {
    fired.push(`a@${clock.now()}`);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 50);
  }, 100);
  const cancelled = clock.setTimeout(() => fired.push('never'), 120);
  clock.clearTimeout(cancelled);
  clock.setTimeout(() => fired.push('late'), 1000);
  clock.advance(300);
  assert.deepEqual(fired, ['a@100', 'c@150', 'b@200']);
  assert.equal(clock.now(), 300);
  assert.equal(clock.pendingTimers, 1);
  assert.equal(clock.nextTimerInMs(), 700);
});

test('sleep resolves on the clock, or at once when aborted', async () => {
  const clock = new ManualClock(0);
  let woke = false;
  const sleeping = sleep(clock, 1000).then(() => (woke = true));
  clock.advance(999);
  await Promise.resolve();
  assert.equal(woke, false);
  clock.advance(1);
  await sleeping;
  const abort = new AbortController();
  const interrupted = sleep(clock, 60_000, abort.signal);
  abort.abort();
  await interrupted;
  assert.equal(clock.pendingTimers, 0, 'the aborted sleep cleared its timer');
});

test('backoff doubles from its initial delay up to its cap, with bounded jitter', () => {
  const policy = { initialMs: 1000, maxMs: 30_000 };
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 100].map((n) => backoffMs(n, policy)), [0, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  assert.equal(backoffMs(2, { ...policy, jitter: 0.2 }, () => 1), 2400);
  assert.equal(backoffMs(2, { ...policy, jitter: 0.2 }, () => 0), 2000);
  assert.equal(backoffMs(6, { ...policy, jitter: 0.2 }, () => 1), 30_000, 'jitter never passes the cap');
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from './clock.ts';
import { makeSpareCapacityLimiter, makeTokenBucket } from './rate-limiter.ts';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('token bucket', () => {
  test('lets a burst through at once, then paces at qps in FIFO order', async () => {
    const clock = new ManualClock();
    const limiter = makeTokenBucket({ qps: 10, burst: 3, clock });
    const granted: { id: number; atMs: number }[] = [];
    const start = clock.now();
    for (let id = 0; id < 6; id++) void limiter.acquire().then(() => granted.push({ id, atMs: clock.now() - start }));
    await settle();
    assert.deepEqual(granted.map((g) => g.id), [0, 1, 2], 'the burst');
    assert.equal(limiter.waiting, 3);
    for (let t = 0; t < 300; t += 10) {
      clock.advance(10);
      await settle();
    }
    assert.deepEqual(granted, [
      { id: 0, atMs: 0 },
      { id: 1, atMs: 0 },
      { id: 2, atMs: 0 },
      { id: 3, atMs: 100 },
      { id: 4, atMs: 200 },
      { id: 5, atMs: 300 },
    ]);
    assert.equal(limiter.waitedMs, 100 + 200 + 300);
  });

  test('refills up to burst while idle, never beyond', async () => {
    const clock = new ManualClock();
    const limiter = makeTokenBucket({ qps: 2, burst: 4, clock });
    for (let i = 0; i < 4; i++) assert.equal(limiter.tryAcquire(), true);
    assert.equal(limiter.tryAcquire(), false);
    clock.advance(500);
    assert.equal(limiter.tryAcquire(), true, 'one token after 1/qps');
    assert.equal(limiter.tryAcquire(), false);
    clock.advance(60_000);
    let taken = 0;
    while (limiter.tryAcquire()) taken++;
    assert.equal(taken, 4, 'an idle minute refills to burst only');
    await settle();
  });

  test('sustained rate over a long run equals qps', async () => {
    const clock = new ManualClock();
    const limiter = makeTokenBucket({ qps: 5, burst: 1, clock });
    let granted = 0;
    for (let i = 0; i < 100; i++) void limiter.acquire().then(() => granted++);
    for (let t = 0; t < 10_000; t += 50) {
      clock.advance(50);
      await settle();
    }
    // 1 at once plus 5 per second for 10 s.
    assert.equal(granted, 51);
  });

  test('an aborted wait leaves the queue and rejects with the reason', async () => {
    const clock = new ManualClock();
    const limiter = makeTokenBucket({ qps: 1, burst: 1, clock });
    await limiter.acquire();
    const abort = new AbortController();
    const waiting = limiter.acquire(abort.signal);
    const after = limiter.acquire();
    abort.abort(new Error('reconcile cancelled'));
    await assert.rejects(waiting, /reconcile cancelled/);
    assert.equal(limiter.waiting, 1);
    clock.advance(1000);
    await after;
    assert.equal(limiter.waiting, 0);
  });

  test('rejects nonsense settings', () => {
    assert.throws(() => makeTokenBucket({ qps: 0, burst: 1 }), /qps/);
    assert.throws(() => makeTokenBucket({ qps: 5, burst: 0 }), /burst/);
    assert.throws(() => makeTokenBucket({ qps: Number.NaN, burst: 3 }), /qps/);
  });
});

describe('spare capacity limiter', () => {
  test('uses the shared bucket above its reserve when idle, only its own pace when the shared one is busy', async () => {
    const clock = new ManualClock();
    const shared = makeTokenBucket({ qps: 50, burst: 100, clock });
    const own = makeTokenBucket({ qps: 10, burst: 5, clock });
    const low = makeSpareCapacityLimiter({ own, shared, reserve: 50, clock });
    let granted = 0;
    for (let i = 0; i < 200; i++) void low.acquire().then(() => granted++);
    await settle();
    // Idle controller: 50 spare shared tokens + 5 own at once.
    assert.equal(granted, 55);
    for (let t = 0; t < 1000; t += 20) {
      clock.advance(20);
      await settle();
    }
    // One more second: ~50 refilled shared tokens (above the reserve) + 10 own.
    assert.ok(granted >= 110 && granted <= 116, `granted ${granted}`);
    // The controller's requests always found their reserve.
    let controller = 0;
    while (shared.tryAcquire()) controller++;
    assert.ok(controller >= 50, `reserve kept: ${controller}`);
    // Shared bucket busy (empty, with its own waiters): the low-priority side goes at its own pace only.
    const busy = Array.from({ length: 100 }, () => shared.acquire());
    const before = granted;
    for (let t = 0; t < 1000; t += 20) {
      clock.advance(20);
      await settle();
    }
    assert.ok(granted - before <= 11, `own pace only while busy: ${granted - before}`);
    clock.advance(5_000);
    await Promise.all(busy);
  });

  test('while the controller has work waiting, and for quietMs after, only its own pace: the shared bucket full or not', async () => {
    const clock = new ManualClock();
    const shared = makeTokenBucket({ qps: 50, burst: 100, clock });
    const own = makeTokenBucket({ qps: 10, burst: 5, clock });
    let queued = 3;
    const low = makeSpareCapacityLimiter({ own, shared, reserve: 50, clock, busy: () => queued > 0, quietMs: 1000 });
    let granted = 0;
    for (let i = 0; i < 200; i++) void low.acquire().then(() => granted++);
    await settle();
    assert.equal(granted, 5, 'own burst only, though 50 shared tokens are spare');
    const tick = async (ms: number): Promise<void> => {
      for (let t = 0; t < ms; t += 20) {
        clock.advance(20);
        await settle();
      }
    };
    await tick(1000);
    assert.ok(granted <= 16, `own pace while busy: ${granted}`);
    queued = 0;
    const atQuiet = granted;
    await tick(900);
    assert.ok(granted - atQuiet <= 10, `still own pace within quietMs: ${granted - atQuiet}`);
    await tick(200);
    assert.ok(granted - atQuiet >= 50, `spare tokens once quiet: ${granted - atQuiet}`);
    clock.advance(60_000);
    await settle();
  });

  test('an aborted wait leaves the queue; nothing waits, nothing runs', async () => {
    const clock = new ManualClock();
    const low = makeSpareCapacityLimiter({ own: makeTokenBucket({ qps: 1, burst: 1, clock }), shared: makeTokenBucket({ qps: 1, burst: 1, clock }), reserve: 1, clock });
    await low.acquire();
    const controller = new AbortController();
    const waiting = low.acquire(controller.signal);
    assert.equal(low.waiting, 1);
    controller.abort(new Error('stop'));
    await assert.rejects(waiting, /stop/);
    assert.equal(low.waiting, 0);
    assert.equal(clock.pendingTimers, 0);
  });
});

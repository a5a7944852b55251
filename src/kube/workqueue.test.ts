import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from './clock.ts';
import { silentLogger, type Logger } from './logger.ts';
import { makeWorkQueue, TerminalError, type Reconcile, type ReconcileResult, type WorkQueue } from './workqueue.ts';

/** Lets every pending promise callback run (reconciles here never wait on real time). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Deferred {
  readonly promise: Promise<ReconcileResult>;
  resolve(result?: ReconcileResult): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let resolve!: (result?: ReconcileResult) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<ReconcileResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A reconcile that records calls (with the clock's time) and lets the test finish each one. */
function controlled(clock: ManualClock): { reconcile: Reconcile; calls: { key: string; atMs: number; done: Deferred }[]; inFlight: () => number; maxInFlight: () => number } {
  const calls: { key: string; atMs: number; done: Deferred }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const reconcile: Reconcile = async (key) => {
    const done = deferred();
    calls.push({ key, atMs: clock.now(), done });
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      return await done.promise;
    } finally {
      inFlight -= 1;
    }
  };
  return { reconcile, calls, inFlight: () => inFlight, maxInFlight: () => maxInFlight };
}

function setup(logger: Logger = silentLogger): { clock: ManualClock; queue: WorkQueue; start: number } {
  const clock = new ManualClock();
  return { clock, queue: makeWorkQueue({ clock, logger }), start: clock.now() };
}

describe('workqueue', () => {
  test('add dedups a key that is already waiting', async () => {
    const { clock, queue } = setup();
    queue.add('ns/a');
    queue.add('ns/a');
    queue.add('ns/b');
    queue.add('ns/a');
    assert.equal(queue.metrics.depth, 2);
    assert.equal(queue.metrics.adds, 4);
    const seen: string[] = [];
    const running = queue.run(1, async (key) => {
      seen.push(key);
      await Promise.resolve();
    });
    await settle();
    assert.deepEqual(seen, ['ns/a', 'ns/b']);
    assert.equal(queue.metrics.depth, 0);
    await queue.shutDown();
    await running;
    assert.equal(clock.pendingTimers, 0);
  });

  test('a key added while in flight is not run concurrently, and runs once more afterwards', async () => {
    const { clock, queue } = setup();
    const { reconcile, calls, maxInFlight } = controlled(clock);
    const running = queue.run(4, reconcile);
    queue.add('a');
    await settle();
    assert.equal(calls.length, 1);
    queue.add('a');
    queue.add('a');
    queue.add('a');
    await settle();
    assert.equal(calls.length, 1, 'idle workers must not pick up a key that is in flight');
    assert.equal(queue.metrics.inFlight, 1);
    calls[0]?.done.resolve();
    await settle();
    assert.equal(calls.length, 2, 'processed again after the first reconcile finished');
    calls[1]?.done.resolve();
    await settle();
    assert.equal(calls.length, 2, 'three adds during flight mean one more run, not three');
    assert.equal(maxInFlight(), 1);
    await queue.shutDown();
    await running;
  });

  test('addAfter keeps the earliest pending time for a key', async () => {
    const { clock, queue, start } = setup();
    const seen: number[] = [];
    const running = queue.run(1, async () => {
      seen.push(clock.now() - start);
      await Promise.resolve();
    });
    queue.addAfter('a', 1000);
    queue.addAfter('a', 200); // earlier: wins
    queue.addAfter('a', 5000); // later: ignored
    assert.equal(queue.metrics.delayed, 1);
    clock.advance(199);
    await settle();
    assert.deepEqual(seen, []);
    clock.advance(1);
    await settle();
    assert.deepEqual(seen, [200]);
    clock.advance(10_000);
    await settle();
    assert.deepEqual(seen, [200], 'the replaced deadlines do not fire later');
    assert.equal(clock.pendingTimers, 0);
    await queue.shutDown();
    await running;
  });

  test('a reconcile can requeue itself after a delay', async () => {
    const { clock, queue, start } = setup();
    const seen: number[] = [];
    const running = queue.run(1, async () => {
      seen.push(clock.now() - start);
      await Promise.resolve();
      return seen.length < 3 ? { requeueAfterMs: 5000 } : undefined;
    });
    queue.add('a');
    await settle();
    for (let i = 0; i < 4; i++) {
      clock.advance(5000);
      await settle();
    }
    assert.deepEqual(seen, [0, 5000, 10_000]);
    await queue.shutDown();
    await running;
  });

  test('errors retry with per-key exponential backoff, reset after a success', async () => {
    const { clock, queue, start } = setup();
    const attempts: number[] = [];
    let failuresLeft = 4;
    const running = queue.run(1, async () => {
      attempts.push(clock.now() - start);
      await Promise.resolve();
      if (failuresLeft-- > 0) throw new Error('apiserver said no');
    });
    queue.add('a');
    await settle();
    for (let t = 0; t < 1000; t += 10) {
      clock.advance(10);
      await settle();
    }
    // 50, 100, 200, 400 ms between attempts, then success.
    assert.deepEqual(attempts, [0, 50, 150, 350, 750]);
    assert.equal(queue.metrics.retries, 4);
    assert.equal(queue.retriesOf('a'), 0, 'a success forgets the failures');
    // The next failure starts again at 50 ms.
    failuresLeft = 1;
    queue.add('a');
    await settle();
    const before = attempts.length;
    assert.equal(before, 6, 'the new attempt ran at once');
    clock.advance(49);
    await settle();
    assert.equal(attempts.length, before);
    clock.advance(1);
    await settle();
    assert.equal(attempts.length, before + 1, 'retried after 50 ms again, not 800');
    await queue.shutDown();
    await running;
  });

  test('retry delays double from 50 ms and stop growing at 5 minutes', () => {
    const { clock, queue } = setup();
    const delays: (number | undefined)[] = [];
    for (let n = 0; n < 15; n++) {
      queue.addRateLimited('z');
      const delayMs = clock.nextTimerInMs();
      delays.push(delayMs);
      clock.advance(delayMs ?? 0);
    }
    assert.deepEqual(delays, [50, 100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 51_200, 102_400, 204_800, 300_000, 300_000]);
    assert.equal(queue.retriesOf('z'), 15);
    queue.forget('z');
    queue.addRateLimited('z');
    assert.equal(clock.nextTimerInMs(), 50);
  });

  test('a TerminalError is logged and not retried', async () => {
    const logged: { fields: object; message: string }[] = [];
    const logger: Logger = { ...silentLogger, error: (fields, message) => logged.push({ fields, message }), child: () => logger };
    const { clock, queue } = setup(logger);
    let calls = 0;
    const running = queue.run(1, async () => {
      calls += 1;
      await Promise.resolve();
      throw new TerminalError('spec.strategy.canary.steps[2].setWeight: must be 0..100');
    });
    queue.add('ns/bad');
    await settle();
    clock.advance(10 * 60_000);
    await settle();
    assert.equal(calls, 1);
    assert.equal(clock.pendingTimers, 0, 'no retry is scheduled');
    assert.equal(queue.metrics.terminalErrors, 1);
    assert.equal(queue.metrics.retries, 0);
    assert.equal(logged.length, 1);
    assert.match(JSON.stringify(logged[0]), /ns\/bad.*setWeight/);
    await queue.shutDown();
    await running;
  });

  test('at most `concurrency` reconciles run at once', async () => {
    const { clock, queue } = setup();
    const { reconcile, calls, maxInFlight } = controlled(clock);
    const running = queue.run(2, reconcile);
    for (const key of ['a', 'b', 'c', 'd', 'e']) queue.add(key);
    await settle();
    assert.equal(calls.length, 2);
    assert.equal(queue.metrics.depth, 3);
    for (let i = 0; i < 5; i++) {
      calls[i]?.done.resolve();
      await settle();
    }
    assert.deepEqual(calls.map((c) => c.key), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(maxInFlight(), 2);
    await queue.shutDown();
    await running;
  });

  test('longestRunningMs reports the oldest reconcile in flight', async () => {
    const { clock, queue } = setup();
    const { reconcile, calls } = controlled(clock);
    const running = queue.run(2, reconcile);
    queue.add('slow');
    await settle();
    clock.advance(3000);
    queue.add('fast');
    await settle();
    clock.advance(500);
    assert.equal(queue.metrics.longestRunningMs, 3500);
    calls[0]?.done.resolve();
    await settle();
    assert.equal(queue.metrics.longestRunningMs, 500);
    calls[1]?.done.resolve();
    await settle();
    assert.equal(queue.metrics.longestRunningMs, 0);
    await queue.shutDown();
    await running;
  });

  test('shutDown waits for reconciles in flight, aborts their signal and starts no new ones', async () => {
    const { clock, queue } = setup();
    let signalSeen: AbortSignal | undefined;
    const done = deferred();
    const started: string[] = [];
    const running = queue.run(1, async (key, signal) => {
      started.push(key);
      signalSeen = signal;
      return done.promise;
    });
    queue.add('a');
    queue.add('b');
    queue.addAfter('c', 1000);
    await settle();
    let finished = false;
    const shutdown = queue.shutDown().then(() => {
      finished = true;
    });
    await settle();
    assert.equal(signalSeen?.aborted, true, 'the running reconcile is told to wrap up');
    assert.equal(finished, false, 'shutDown waits for the reconcile in flight');
    queue.add('d');
    done.resolve();
    await shutdown;
    await running;
    clock.advance(5000);
    await settle();
    assert.deepEqual(started, ['a'], 'queued, delayed and later keys are not started');
    assert.equal(clock.pendingTimers, 0);
  });

  test('run stops when its signal aborts', async () => {
    const { queue } = setup();
    const abort = new AbortController();
    const running = queue.run(3, () => Promise.resolve(), abort.signal);
    abort.abort();
    await running;
    assert.equal(queue.shuttingDown, true);
  });
});

// Leader election against an in-memory Lease endpoint with the API server's optimistic
// concurrency (resourceVersion → 409) and a manual clock.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { ManualClock } from './clock.ts';
import { runLeaderElection, type Lease, type StopLeaderElection } from './lease.ts';
import { silentLogger } from './logger.ts';
import type { RawRequest } from './raw.ts';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
};

const status = (code: number, reason: string): ApiException<string> =>
  new ApiException(code, `HTTP ${code}`, JSON.stringify({ kind: 'Status', code, reason, message: reason }), {});

/** One Lease, stored as the API server would: every write bumps resourceVersion; a stale one is refused. */
class FakeLeaseApi {
  lease: Lease | undefined;
  #rv = 100;
  readonly requests: { who: string; method: string }[] = [];
  /** Candidates whose requests fail (a partition) or never answer (a hung connection). */
  readonly down = new Set<string>();
  readonly hung = new Set<string>();

  client(who: string): { request: <T>(req: RawRequest, signal?: AbortSignal) => Promise<T> } {
    return {
      request: async <T>(req: RawRequest, signal?: AbortSignal): Promise<T> => {
        this.requests.push({ who, method: req.method });
        if (this.hung.has(who)) {
          return new Promise<T>((_resolve, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted'))));
        }
        await Promise.resolve();
        if (this.down.has(who)) throw new Error('connect ECONNREFUSED');
        return this.#handle(req) as T;
      },
    };
  }

  #handle(req: RawRequest): Lease {
    if (req.method === 'GET') {
      if (this.lease === undefined) throw status(404, 'NotFound');
      return structuredClone(this.lease);
    }
    const body = req.body as Lease;
    if (req.method === 'POST') {
      if (this.lease !== undefined) throw status(409, 'AlreadyExists');
    } else if (this.lease === undefined || body.metadata.resourceVersion !== this.lease.metadata.resourceVersion) {
      throw status(409, 'Conflict');
    }
    this.lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++this.#rv) } };
    return structuredClone(this.lease);
  }
}

interface Candidate {
  readonly name: string;
  readonly events: string[];
  signal: AbortSignal | undefined;
  stop: StopLeaderElection;
  leading(): boolean;
}

function candidate(api: FakeLeaseApi, clock: ManualClock, name: string, onStopped?: () => Promise<void>): Candidate {
  const c: Candidate = {
    name,
    events: [],
    signal: undefined,
    stop: () => Promise.resolve(),
    leading: () => c.signal !== undefined && !c.signal.aborted,
  };
  c.stop = runLeaderElection(
    { clients: api.client(name), namespace: 'sluice-system', name: 'sluice-controller', identity: name, clock, logger: silentLogger },
    {
      onStartedLeading: (signal) => {
        c.events.push(`started@${clock.now()}`);
        c.signal = signal;
      },
      onStoppedLeading: async ({ lost }) => {
        c.events.push(`${lost ? 'lost' : 'stopped'}@${clock.now()}`);
        await onStopped?.();
      },
    },
  );
  return c;
}

/** Advances the clock in small steps, letting requests complete in between. */
async function run(clock: ManualClock, ms: number, stepMs = 100): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(stepMs);
    await settle();
  }
}

describe('leader election', () => {
  test('a lone candidate creates the Lease, leads, and renews with one PUT per retry period', async () => {
    const api = new FakeLeaseApi();
    const clock = new ManualClock(0);
    const a = candidate(api, clock, 'a');
    await settle();
    assert.equal(a.leading(), true);
    assert.equal(api.lease?.spec?.holderIdentity, 'a');
    assert.deepEqual(api.requests.map((r) => r.method), ['GET', 'POST']);
    api.requests.length = 0;
    await run(clock, 60_000);
    assert.ok(api.requests.every((r) => r.method === 'PUT'), 'idle leader: renewals only, no reads');
    assert.equal(api.requests.length, 30);
    assert.equal(api.lease?.spec?.renewTime, '1970-01-01T00:01:00.000000Z', 'MicroTime with six digits');
    assert.equal(api.lease?.spec?.leaseDurationSeconds, 15);
    await a.stop();
  });

  test('of two candidates exactly one leads; the follower only reads', async () => {
    const api = new FakeLeaseApi();
    const clock = new ManualClock(0);
    const a = candidate(api, clock, 'a');
    const b = candidate(api, clock, 'b');
    for (let i = 0; i < 100; i++) {
      await run(clock, 300);
      assert.equal(Number(a.leading()) + Number(b.leading()), 1, `exactly one leader at ${clock.now()} ms`);
    }
    const follower = a.leading() ? 'b' : 'a';
    const writes = api.requests.filter((r) => r.who === follower && r.method !== 'GET');
    assert.ok(writes.length <= 1, 'the follower writes at most its one losing create');
    await a.stop({ release: false });
    await b.stop({ release: false });
  });

  test('after the leader crashes (no release) the other takes over within leaseDuration + retryPeriod, not before leaseDuration', async () => {
    const api = new FakeLeaseApi();
    const clock = new ManualClock(0);
    const a = candidate(api, clock, 'a'); // renews at 0, 2, 4, 6 s
    await settle();
    await run(clock, 1_900);
    const b = candidate(api, clock, 'b'); // reads at 1.9, 3.9, 5.9, 7.9 s: it sees each renewal late
    await run(clock, 4_200);
    assert.equal(a.leading(), true);
    const lastRenewal = Date.parse(api.lease?.spec?.renewTime ?? '');
    assert.equal(lastRenewal, 6_000);
    await a.stop({ release: false });
    const crashedAt = clock.now();
    assert.equal(api.lease?.spec?.holderIdentity, 'a', 'a crash leaves the Lease as it was');
    while (!b.leading() && clock.now() - crashedAt < 60_000) await run(clock, 100);
    const takeoverMs = clock.now() - crashedAt;
    // b first saw the 6 s renewal at 7.9 s: it takes over when that is 15 s old on its own clock,
    // at 22.9 s, instead of polling on to 23.9 s.
    assert.ok(takeoverMs <= 15_000 + 2_000, `took over ${takeoverMs} ms after the crash`);
    assert.ok(clock.now() - lastRenewal >= 15_000, 'not before the lease expired');
    assert.equal(api.lease?.spec?.holderIdentity, 'b');
    assert.equal(api.lease?.spec?.leaseTransitions, 1);
    await b.stop();
  });

  test('a graceful stop waits for onStoppedLeading, releases the Lease, and the other takes over at its next retry', async () => {
    const api = new FakeLeaseApi();
    const clock = new ManualClock(0);
    const order: string[] = [];
    const a = candidate(api, clock, 'a', async () => {
      order.push('controllers stopped');
      await Promise.resolve();
    });
    await settle();
    const b = candidate(api, clock, 'b');
    await run(clock, 5_000);
    const stopping = a.stop().then(() => order.push('stop resolved'));
    await settle();
    await stopping;
    assert.deepEqual(order, ['controllers stopped', 'stop resolved']);
    assert.deepEqual(a.events.map((e) => e.split('@')[0]), ['started', 'stopped'], 'a graceful stop is not a loss');
    assert.equal(api.lease?.spec?.holderIdentity, '', 'released');
    assert.equal(a.signal?.aborted, true);
    const releasedAt = clock.now();
    while (!b.leading()) await run(clock, 100);
    assert.ok(clock.now() - releasedAt <= 2_000, `successor after ${clock.now() - releasedAt} ms`);
    await b.stop();
  });

  test('a leader that cannot renew stops leading at renewDeadline, before anyone may take over', async () => {
    for (const failure of ['down', 'hung'] as const) {
      const api = new FakeLeaseApi();
      const clock = new ManualClock(0);
      const a = candidate(api, clock, 'a');
      await settle();
      const b = candidate(api, clock, 'b');
      await run(clock, 4_000);
      const lastRenewal = Date.parse(api.lease?.spec?.renewTime ?? '');
      api[failure].add('a');
      let aStoppedAt: number | undefined;
      while (!b.leading()) {
        await run(clock, 100);
        if (!a.leading()) aStoppedAt ??= clock.now();
      }
      assert.ok(aStoppedAt !== undefined, `${failure}: a stopped leading`);
      assert.ok(aStoppedAt - lastRenewal <= 10_000 + 100, `${failure}: a stopped ${aStoppedAt - lastRenewal} ms after its last renewal`);
      assert.ok(clock.now() > aStoppedAt, `${failure}: b took over only after a had stopped`);
      assert.deepEqual(a.events.map((e) => e.split('@')[0]), ['started', 'lost'], `${failure}: started, then lost`);
      api[failure].delete('a');
      await a.stop({ release: false });
      await b.stop({ release: false });
    }
  });

  test('a deposed leader (someone else wrote the Lease) stops at its next renewal', async () => {
    const api = new FakeLeaseApi();
    const clock = new ManualClock(0);
    const a = candidate(api, clock, 'a');
    await settle();
    const lease = api.lease as Lease;
    api.lease = { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder' }, metadata: { ...lease.metadata, resourceVersion: '999' } };
    await run(clock, 2_000);
    assert.equal(a.leading(), false);
    assert.equal(api.lease.spec?.holderIdentity, 'intruder', 'not overwritten while it is fresh');
    await a.stop();
    assert.equal(api.lease.spec?.holderIdentity, 'intruder', 'stop does not release a Lease it does not hold');
  });

  test('rejects timings that would let two leaders overlap', () => {
    assert.throws(
      () => runLeaderElection({ clients: new FakeLeaseApi().client('x'), namespace: 'n', name: 'l', identity: 'x', leaseDurationSeconds: 10, renewDeadlineSeconds: 10 }, { onStartedLeading: () => undefined, onStoppedLeading: () => undefined }),
      /leaseDurationSeconds > renewDeadlineSeconds/,
    );
  });
});

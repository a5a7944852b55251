// A client-side token bucket in front of every API request, as client-go's `QPS`/`Burst`:
// @kubernetes/client-node has none, and a controller that relists or retries in a tight loop
// must not be able to flood the API server (whose priority-and-fairness would then throttle
// everyone in our flow). Watches are long-running and are not counted (client-go does the same).
import { systemClock, type Clock, type TimerHandle } from './clock.ts';

export interface RateLimiter {
  /** Resolves when a token is available (FIFO); rejects with the signal's reason when it aborts first. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Takes a token if one is available now, without waiting. */
  tryAcquire(): boolean;
  /**
   * Takes a token only if more than `reserve` tokens would remain and nobody is waiting: spare
   * capacity, for low-priority work that must never delay the controller's own requests.
   */
  tryAcquireSpare(reserve: number): boolean;
  /** Callers waiting for a token, for metrics. */
  readonly waiting: number;
  /** Total milliseconds callers have spent waiting, for metrics (client-go's rate_limiter_duration). */
  readonly waitedMs: number;
  /** The most requests let through at once. */
  readonly burst: number;
}

export interface TokenBucketOptions {
  /** Sustained requests per second. */
  readonly qps: number;
  /** Requests allowed at once after an idle period (the bucket's size). */
  readonly burst: number;
  readonly clock?: Clock;
}

/** controller-runtime's defaults (client-go's 5/10 is too tight for a controller with several informers). */
export const DEFAULT_RATE_LIMIT: Readonly<Pick<TokenBucketOptions, 'qps' | 'burst'>> = { qps: 20, burst: 30 };

interface Waiter {
  readonly since: number;
  readonly resolve: () => void;
  readonly reject: (reason: Error) => void;
  readonly signal?: AbortSignal;
  readonly onAbort: () => void;
}

export function makeTokenBucket(options: TokenBucketOptions): RateLimiter {
  const { qps, burst } = options;
  if (!(qps > 0) || !Number.isFinite(qps)) throw new Error(`rate limiter qps must be a positive number, got ${qps}`);
  if (!(burst >= 1) || !Number.isInteger(burst)) throw new Error(`rate limiter burst must be an integer >= 1, got ${burst}`);
  return new TokenBucket(qps, burst, options.clock ?? systemClock);
}

class TokenBucket implements RateLimiter {
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #lastRefillMs: number;
  #waiters: Waiter[] = [];
  #timer: TimerHandle | undefined;
  #waitedMs = 0;

  constructor(qps: number, burst: number, clock: Clock) {
    this.#qps = qps;
    this.#burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#lastRefillMs = clock.now();
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  get waitedMs(): number {
    return this.#waitedMs;
  }

  get burst(): number {
    return this.#burst;
  }

  tryAcquire(): boolean {
    this.#refill();
    if (this.#waiters.length > 0 || this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  tryAcquireSpare(reserve: number): boolean {
    this.#refill();
    if (this.#waiters.length > 0 || this.#tokens < reserve + 1) return false;
    this.#tokens -= 1;
    return true;
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        since: this.#clock.now(),
        resolve,
        reject,
        signal,
        onAbort: () => this.#cancel(waiter),
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#schedule();
    });
  }

  #refill(): void {
    const now = this.#clock.now();
    const elapsedMs = Math.max(0, now - this.#lastRefillMs);
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsedMs * this.#qps) / 1000);
    this.#lastRefillMs = now;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#waiters.length === 0) return;
    this.#refill();
    // A hair of tolerance: float refill arithmetic may land a token at 0.9999999.
    const missing = Math.max(0, 1 - this.#tokens - 1e-9);
    const waitMs = Math.ceil((missing * 1000) / this.#qps);
    this.#timer = this.#clock.setTimeout(() => this.#drain(), waitMs);
  }

  #drain(): void {
    this.#timer = undefined;
    this.#refill();
    while (this.#waiters.length > 0 && this.#tokens >= 1 - 1e-9) {
      const waiter = this.#waiters.shift() as Waiter;
      this.#tokens = Math.max(0, this.#tokens - 1);
      this.#waitedMs += this.#clock.now() - waiter.since;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }
    this.#schedule();
  }

  #cancel(waiter: Waiter): void {
    if (cancelWaiter(this.#waiters, waiter) && this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}

/** Takes an aborted waiter out of the queue and rejects it; true when nobody waits any more. */
function cancelWaiter(waiters: Waiter[], waiter: Waiter): boolean {
  const index = waiters.indexOf(waiter);
  if (index < 0) return false;
  waiters.splice(index, 1);
  waiter.reject(abortReason(waiter.signal));
  return waiters.length === 0;
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('rate limiter wait aborted', { cause: reason });
}

export interface SpareCapacityOptions {
  /** The low-priority work's own guaranteed pace (e.g. events: 10 qps, burst 50). */
  readonly own: RateLimiter;
  /** The limiter whose unused tokens it may also take (the controller's). */
  readonly shared: RateLimiter;
  /** Tokens always left in the shared bucket for the controller (default half its burst). */
  readonly reserve: number;
  /** How often waiters look for spare shared tokens while they wait (default 20 ms). */
  readonly pollMs?: number;
  /**
   * Whether the controller has work waiting (keys in its workqueues). Spare tokens are taken only
   * after it has been quiet for `quietMs`: unused client-side tokens do not mean an idle API
   * server, and during a wave of rollouts every event written is CPU the API server does not
   * spend on the rollouts (docs/adr/008). Never busy when not given.
   */
  readonly busy?: () => boolean;
  /** How long the controller must have been quiet before spare tokens are taken (default 1 s). */
  readonly quietMs?: number;
  readonly clock?: Clock;
}

/**
 * A limiter for low-priority writes (events): they go at their own pace when the controller is
 * busy and use the controller's unused capacity when it is idle, so a backlog built during a burst
 * of work drains in seconds rather than minutes, without ever delaying the controller's requests
 * (spare tokens are taken only above `reserve` and when no request of the controller waits). The
 * wait loop runs only while something waits.
 */
export function makeSpareCapacityLimiter(options: SpareCapacityOptions): RateLimiter {
  return new SpareCapacityLimiter(options);
}

class SpareCapacityLimiter implements RateLimiter {
  readonly #o: SpareCapacityOptions;
  readonly #clock: Clock;
  #waiters: Waiter[] = [];
  #timer: TimerHandle | undefined;
  #waitedMs = 0;
  #lastBusyMs = Number.NEGATIVE_INFINITY;

  constructor(options: SpareCapacityOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  get waitedMs(): number {
    return this.#waitedMs;
  }

  get burst(): number {
    return this.#o.own.burst;
  }

  tryAcquire(): boolean {
    if (this.#waiters.length > 0) return false;
    return this.#take();
  }

  tryAcquireSpare(reserve: number): boolean {
    return this.#waiters.length === 0 && this.#o.own.tryAcquireSpare(reserve);
  }

  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { since: this.#clock.now(), resolve, reject, signal, onAbort: () => this.#cancel(waiter) };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#schedule();
    });
  }

  #take(): boolean {
    return (this.#quiet() && this.#o.shared.tryAcquireSpare(this.#o.reserve)) || this.#o.own.tryAcquire();
  }

  #quiet(): boolean {
    const now = this.#clock.now();
    if (this.#o.busy?.() === true) this.#lastBusyMs = now;
    return now - this.#lastBusyMs >= (this.#o.quietMs ?? 1000);
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#waiters.length === 0) return;
    this.#timer = this.#clock.setTimeout(() => this.#drain(), this.#o.pollMs ?? 20);
  }

  #drain(): void {
    this.#timer = undefined;
    while (this.#waiters.length > 0 && this.#take()) {
      const waiter = this.#waiters.shift() as Waiter;
      this.#waitedMs += this.#clock.now() - waiter.since;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }
    this.#schedule();
  }

  #cancel(waiter: Waiter): void {
    if (cancelWaiter(this.#waiters, waiter) && this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}

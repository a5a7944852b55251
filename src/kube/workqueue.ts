// A work queue with client-go's semantics (k8s.io/client-go/util/workqueue) and
// controller-runtime's reconcile contract:
// - add(key) dedups: a key waiting once is processed once, however often it was added;
// - one reconcile per key at a time: a key added while in flight is processed again after;
// - addAfter keeps the earliest pending time for a key;
// - errors retry per key with exponential backoff (50 ms doubling to 5 min), reset on success;
//   a TerminalError is logged and not retried (a retry cannot fix it);
// - a reconcile may ask to run again after a delay ({ requeueAfterMs }): waits are requeues.
import { backoffMs, type BackoffPolicy } from './backoff.ts';
import { systemClock, type Clock, type TimerHandle } from './clock.ts';
import { messageOf } from './errors.ts';
import { defaultLogger, type Logger } from './logger.ts';
import { ensureZero, observe, reconcileDuration, reconcileErrors } from '../metrics/registry.ts';
import { addQueueSource, type Unregister } from '../metrics/sources.ts';

/** Thrown by a reconcile for what retrying cannot fix (invalid spec, missing permission to a fixed object). */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

// `void` lets a reconcile that never requeues simply return.
export type ReconcileResult = { readonly requeueAfterMs?: number } | void;

/** Gets only a key; reads fresh state itself. `signal` aborts when the queue shuts down. */
export type Reconcile = (key: string, signal: AbortSignal) => Promise<ReconcileResult>;

export interface WorkQueueOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Per-key retry delays after errors; default 50 ms doubling to 5 min (client-go's item limiter). */
  readonly backoff?: BackoffPolicy;
  /** The controller's name in metrics (sluice_reconcile_*, sluice_workqueue_*{controller}); none: not exported. */
  readonly name?: string;
}

export interface WorkQueueMetrics {
  /** Keys waiting to be processed now. */
  readonly depth: number;
  /** Keys being reconciled. */
  readonly inFlight: number;
  /** Keys waiting for a delay (addAfter, retries). */
  readonly delayed: number;
  /** add() calls, counting duplicates (client-go's adds_total). */
  readonly adds: number;
  /** Retries scheduled after errors (client-go's retries_total). */
  readonly retries: number;
  /** Reconciles that threw a TerminalError. */
  readonly terminalErrors: number;
  /** How long the oldest in-flight reconcile has been running, 0 when none (client-go's longest_running_processor). */
  readonly longestRunningMs: number;
}

export interface WorkQueue {
  add(key: string): void;
  /** Adds `key` after `delayMs`; a key already due sooner keeps its earlier time. */
  addAfter(key: string, delayMs: number): void;
  /** Schedules a retry of `key` after its next backoff delay. */
  addRateLimited(key: string): void;
  /** Resets the backoff of `key` (after it succeeded). */
  forget(key: string): void;
  /** Retries scheduled for `key` since it last succeeded. */
  retriesOf(key: string): number;
  /** Starts `concurrency` workers; resolves when they have all stopped (after shutDown or `signal`). */
  run(concurrency: number, reconcile: Reconcile, signal?: AbortSignal): Promise<void>;
  /** Stops taking keys, drops delayed ones, aborts reconciles' signal and waits for those in flight. */
  shutDown(): Promise<void>;
  readonly shuttingDown: boolean;
  readonly metrics: WorkQueueMetrics;
}

export function makeWorkQueue(options: WorkQueueOptions = {}): WorkQueue {
  return new Queue(options);
}

const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 50, maxMs: 5 * 60_000 };

class Queue implements WorkQueue {
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #backoff: BackoffPolicy;
  readonly #abort = new AbortController();
  /** Ready keys, in order; each at most once. */
  #ready: string[] = [];
  /** Keys that need processing: in #ready, or re-added while in flight. */
  readonly #dirty = new Set<string>();
  /** In-flight keys and when each started. */
  readonly #processing = new Map<string, number>();
  readonly #delayed = new Map<string, { readonly dueMs: number; readonly timer: TimerHandle }>();
  readonly #failures = new Map<string, number>();
  #idleWorkers: (() => void)[] = [];
  readonly #workers: Promise<void>[] = [];
  #shuttingDown = false;
  #counts = { adds: 0, retries: 0, terminalErrors: 0 };
  readonly #name: string | undefined;
  #unregister: Unregister | undefined;

  constructor(options: WorkQueueOptions) {
    this.#name = options.name;
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? defaultLogger()).child({ component: 'workqueue' });
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  get metrics(): WorkQueueMetrics {
    const now = this.#clock.now();
    let oldest = now;
    for (const startedMs of this.#processing.values()) oldest = Math.min(oldest, startedMs);
    return {
      depth: this.#ready.length,
      inFlight: this.#processing.size,
      delayed: this.#delayed.size,
      ...this.#counts,
      longestRunningMs: now - oldest,
    };
  }

  add(key: string): void {
    if (this.#shuttingDown) return;
    this.#counts.adds += 1;
    if (this.#dirty.has(key)) return;
    this.#dirty.add(key);
    // In flight: done() queues it again once the running reconcile finishes.
    if (this.#processing.has(key)) return;
    this.#ready.push(key);
    this.#idleWorkers.shift()?.();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const dueMs = this.#clock.now() + delayMs;
    const pending = this.#delayed.get(key);
    if (pending !== undefined) {
      if (pending.dueMs <= dueMs) return;
      this.#clock.clearTimeout(pending.timer);
    }
    const timer = this.#clock.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.#delayed.set(key, { dueMs, timer });
  }

  addRateLimited(key: string): void {
    const attempt = (this.#failures.get(key) ?? 0) + 1;
    this.#failures.set(key, attempt);
    this.#counts.retries += 1;
    this.addAfter(key, backoffMs(attempt, this.#backoff));
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  retriesOf(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  run(concurrency: number, reconcile: Reconcile, signal?: AbortSignal): Promise<void> {
    if (!(concurrency >= 1) || !Number.isInteger(concurrency)) throw new Error(`workqueue concurrency must be an integer >= 1, got ${concurrency}`);
    signal?.addEventListener('abort', () => void this.shutDown(), { once: true });
    if (signal?.aborted === true) void this.shutDown();
    const name = this.#name;
    if (name !== undefined && this.#unregister === undefined) {
      this.#unregister = addQueueSource(() => ({ controller: name, ...this.metrics }));
      // Exist at 0: the first reconcile and the first error are increases Prometheus sees.
      reconcileErrors.inc({ controller: name }, 0);
      ensureZero(reconcileDuration, { controller: name });
    }
    const started = Array.from({ length: concurrency }, () => this.#worker(reconcile));
    this.#workers.push(...started);
    return Promise.all(started).then(() => undefined);
  }

  async shutDown(): Promise<void> {
    if (!this.#shuttingDown) {
      this.#shuttingDown = true;
      this.#unregister?.();
      for (const { timer } of this.#delayed.values()) this.#clock.clearTimeout(timer);
      this.#delayed.clear();
      this.#abort.abort(new Error('work queue shutting down'));
      const idle = this.#idleWorkers;
      this.#idleWorkers = [];
      for (const wake of idle) wake();
    }
    await Promise.all(this.#workers);
  }

  async #worker(reconcile: Reconcile): Promise<void> {
    for (;;) {
      const key = await this.#next();
      if (key === undefined) return;
      await this.#process(key, reconcile);
    }
  }

  /** The next ready key, waiting for one; undefined once shutting down. */
  async #next(): Promise<string | undefined> {
    while (!this.#shuttingDown) {
      const key = this.#ready.shift();
      if (key !== undefined) return key;
      await new Promise<void>((resolve) => this.#idleWorkers.push(resolve));
    }
    return undefined;
  }

  async #process(key: string, reconcile: Reconcile): Promise<void> {
    this.#dirty.delete(key);
    const startedMs = this.#clock.now();
    this.#processing.set(key, startedMs);
    try {
      const result = await reconcile(key, this.#abort.signal);
      this.#observe(startedMs, false);
      this.forget(key);
      const requeueAfterMs = result?.requeueAfterMs;
      if (requeueAfterMs !== undefined) this.addAfter(key, requeueAfterMs);
    } catch (error) {
      this.#observe(startedMs, true);
      this.#failed(key, error);
    } finally {
      this.#done(key);
    }
  }

  #observe(startedMs: number, failed: boolean): void {
    if (this.#name === undefined) return;
    observe(reconcileDuration, { controller: this.#name }, (this.#clock.now() - startedMs) / 1000);
    if (failed) reconcileErrors.inc({ controller: this.#name });
  }

  #failed(key: string, error: unknown): void {
    if (error instanceof TerminalError) {
      this.#counts.terminalErrors += 1;
      this.forget(key);
      this.#log.error({ key, err: messageOf(error) }, 'reconcile failed for good (terminal error): not retrying');
      return;
    }
    if (this.#shuttingDown) return;
    this.addRateLimited(key);
    this.#log.warn({ key, err: messageOf(error), attempt: this.retriesOf(key) }, 'reconcile failed: retrying after backoff');
  }

  #done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key) && !this.#shuttingDown) {
      this.#ready.push(key);
      this.#idleWorkers.shift()?.();
    }
  }
}

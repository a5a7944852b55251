// Time, injected: logic that waits, backs off or expires takes a Clock, so tests drive it with
// ManualClock instead of sleeping, and never call Date.now() themselves.

/** An opaque timer handle (a Node Timeout for systemClock, a small record for ManualClock). */
export type TimerHandle = object;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Resolves after `ms` on `clock`, or at once when `signal` aborts (never rejects): loops that
 * back off check their own stop flag afterwards.
 */
export async function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return;
  await new Promise<void>((resolve) => {
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      resolve();
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

interface ManualTimer {
  readonly id: number;
  readonly dueMs: number;
  readonly fn: () => void;
}

/** A clock for tests: time stands still until advance() moves it, firing due timers in order. */
export class ManualClock implements Clock {
  #nowMs: number;
  #nextId = 1;
  #timers: ManualTimer[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.#nextId++, dueMs: this.#nowMs + Math.max(0, ms), fn };
    this.#timers.push(timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    const id = (handle as { id?: unknown }).id;
    this.#timers = this.#timers.filter((t) => t.id !== id);
  }

  /** Moves time forward by `ms`, firing every timer due by then (also ones set while firing), earliest first. */
  advance(ms: number): void {
    const targetMs = this.#nowMs + ms;
    for (;;) {
      const next = this.#nextDue(targetMs);
      if (next === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#nowMs = next.dueMs;
      next.fn();
    }
    this.#nowMs = targetMs;
  }

  /** How many timers are waiting. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Milliseconds until the earliest timer fires, or undefined when none is waiting. */
  nextTimerInMs(): number | undefined {
    const next = this.#nextDue(Number.POSITIVE_INFINITY);
    return next === undefined ? undefined : next.dueMs - this.#nowMs;
  }

  #nextDue(limitMs: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.#timers) {
      if (t.dueMs <= limitMs && (best === undefined || t.dueMs < best.dueMs)) best = t;
    }
    return best;
  }
}

// Waiting for a condition, never for a fixed time. Each check also asks the cluster whether
// a component died, so a dead apiserver fails the test at once with its log tail.
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** Called before every check; throws to stop waiting (e.g. a component died). */
  readonly assertAlive?: () => void;
}

/** Resolves with the first truthy value `check` returns; rejects on timeout with `what` and the last error. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    options.assertAlive?.();
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`, { cause: lastError });
    }
    await delay(options.intervalMs ?? 100);
  }
}

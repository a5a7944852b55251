// The one exponential backoff (STYLE.md: one way to do each thing): informers, the workqueue
// and leader election all wait `initialMs · 2^(attempt-1)`, capped, optionally jittered.

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Adds up to this fraction of the delay at random, so many clients do not retry in step (0 = none). */
  readonly jitter?: number;
}

/** The delay before retry number `attempt` (1 = the first retry); 0 for attempt <= 0. */
export function backoffMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  if (attempt <= 0) return 0;
  // 2 ** 1074 is Infinity, which Math.min handles; keep the exponent sane anyway.
  const base = policy.initialMs * 2 ** Math.min(attempt - 1, 60);
  const jittered = base * (1 + (policy.jitter ?? 0) * random());
  return Math.min(policy.maxMs, jittered);
}

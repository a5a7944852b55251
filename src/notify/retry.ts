// When a delivery is tried again: only when the receiver may take it later — a connection
// that failed or timed out, HTTP 5xx, HTTP 429 (Retry-After honoured, within retryWaitMax) —
// never after any other 4xx (the request itself is wrong: a retry sends the same). Waits use
// the one backoff (src/kube/backoff.ts), bounded by retryMax retries.
import { backoffMs } from '../kube/backoff.ts';

/** What one attempt came to, as plain data (delivery.ts turns got's answers into this). */
export type Attempt =
  | { readonly kind: 'response'; readonly status: number; readonly retryAfterSeconds?: number; readonly rejected?: string }
  | { readonly kind: 'error'; readonly code: string };

export type Verdict = 'sent' | 'retry' | 'fail';

export interface RetryPolicy {
  readonly retryMax: number;
  readonly retryWaitMinMs: number;
  readonly retryWaitMaxMs: number;
}

/** Errors of the connection, not of the request: the receiver was down, slow or unreachable. */
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

export function classify(attempt: Attempt): Verdict {
  if (attempt.kind === 'error') return RETRYABLE_CODES.has(attempt.code) ? 'retry' : 'fail';
  if (attempt.status >= 200 && attempt.status < 300) return attempt.rejected === undefined ? 'sent' : 'fail';
  return attempt.status >= 500 || attempt.status === 429 ? 'retry' : 'fail';
}

/**
 * The wait before retry number `retry` (1 = the first), or undefined when the attempts are
 * spent or the verdict is final.
 */
export function retryDelayMs(attempt: Attempt, retry: number, policy: RetryPolicy, random?: () => number): number | undefined {
  if (classify(attempt) !== 'retry' || retry > policy.retryMax) return undefined;
  const backoff = backoffMs(retry, { initialMs: policy.retryWaitMinMs, maxMs: policy.retryWaitMaxMs, jitter: 0.2 }, random);
  const asked = attempt.kind === 'response' && attempt.retryAfterSeconds !== undefined ? attempt.retryAfterSeconds * 1000 : 0;
  return Math.min(policy.retryWaitMaxMs, Math.max(backoff, asked));
}

/** For logs: what happened, with no URL, header or body in it. */
export function describeAttempt(attempt: Attempt): string {
  if (attempt.kind === 'error') return attempt.code;
  return attempt.rejected === undefined ? `HTTP ${attempt.status}` : `HTTP ${attempt.status} (${attempt.rejected})`;
}

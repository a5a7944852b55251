// API errors mapped once: callers ask questions (isNotFound, isConflict) instead of
// poking at client-node's ApiException shape.
import { ApiException } from './api-exception.ts';

/** The HTTP status of an API error, or undefined for anything else (network, bugs). */
export function apiStatusCode(error: unknown): number | undefined {
  return error instanceof ApiException ? (error as ApiException<unknown>).code : undefined;
}

export function isNotFound(error: unknown): boolean {
  return apiStatusCode(error) === 404;
}

export function isAlreadyExists(error: unknown): boolean {
  return apiStatusCode(error) === 409 && reasonOf(error) === 'AlreadyExists';
}

/**
 * A write refused because the object changed since it was read: 409 Conflict (a stale
 * resourceVersion in an update or merge patch). A JSON Patch whose `test` of resourceVersion
 * failed comes back from the API server as a bare 422 that does not say which operation failed;
 * patch.ts re-reads and turns it into a 409 Conflict (conflictError), so this one check covers both.
 */
export function isConflict(error: unknown): boolean {
  return apiStatusCode(error) === 409 && reasonOf(error) !== 'AlreadyExists';
}

/** A 409 Conflict in the API server's own shape, for a precondition we found stale ourselves. */
export function conflictError(message: string): ApiException<string> {
  const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 409, reason: 'Conflict', message };
  return new ApiException(409, `HTTP 409: ${message}`, JSON.stringify(status), {});
}

/** 410 Gone: a watch or list continue token asked for a resourceVersion etcd has compacted away; relist. */
export function isGone(error: unknown): boolean {
  return apiStatusCode(error) === 410;
}

export function isForbidden(error: unknown): boolean {
  return apiStatusCode(error) === 403;
}

/** The API server's own message for an error (its Status body), for logs and user-facing errors. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiException) {
    const api = error as ApiException<unknown>;
    const body = parseBody(api.body);
    if (typeof body?.message === 'string') return body.message;
    // ApiException's own message repeats the body and every header: keep it short.
    return `HTTP ${api.code}: ${String(api.body).slice(0, 200)}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function reasonOf(error: unknown): string | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const reason = parseBody((error as ApiException<unknown>).body)?.reason;
  return typeof reason === 'string' ? reason : undefined;
}

function parseBody(body: unknown): Record<string, unknown> | undefined {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined;
}

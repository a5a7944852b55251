// API errors mapped once: callers ask questions (isNotFound, isConflict) instead of
// poking at client-node's ApiException shape.
import { ApiException } from '@kubernetes/client-node';

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

/** A write refused because the object changed since it was read (409 Conflict, or a failed JSON Patch `test`). */
export function isConflict(error: unknown): boolean {
  const code = apiStatusCode(error);
  return (code === 409 && reasonOf(error) !== 'AlreadyExists') || code === 422 && /test operation/i.test(messageOf(error));
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

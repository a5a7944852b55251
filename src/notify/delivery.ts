// One attempt to send a notification, with got: a timeout per attempt, no retries of got's own
// (retry.ts decides, and the controller waits by requeueing, so no worker sleeps), no redirects
// (a token must not follow one to another host). The answer is reduced to plain data; the URL,
// headers and body never leave this function (they may hold secrets).
import type * as GotModuleNs from 'got';
import type { RequestError as GotRequestError } from 'got';
import type { OutgoingRequest } from './messages.ts';
import type { Attempt } from './retry.ts';

export type Send = (request: OutgoingRequest, timeoutMs: number, signal?: AbortSignal) => Promise<Attempt>;

/** got is loaded on the first notification (~30 MiB of RSS a controller without notifications never pays). */
let gotModule: Promise<typeof GotModuleNs> | undefined;
const loadGot = (): Promise<typeof GotModuleNs> => (gotModule ??= import('got'));

export const sendWithGot: Send = async (request, timeoutMs, signal) => {
  const { default: got, RequestError } = await loadGot();
  try {
    const response = await got(request.url, {
      method: request.method as 'POST',
      headers: request.headers,
      body: request.body,
      timeout: { request: timeoutMs },
      retry: { limit: 0 },
      followRedirect: false,
      throwHttpErrors: false,
      ...(signal === undefined ? {} : { signal }),
    });
    const retryAfter = retryAfterSeconds(response.headers['retry-after']);
    const rejected = slackRejection(response.headers['content-type'], response.body);
    return {
      kind: 'response',
      status: response.statusCode,
      ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
      ...(rejected === undefined ? {} : { rejected }),
    };
  } catch (error) {
    return { kind: 'error', code: errorCode(error, RequestError) };
  }
};

function errorCode(error: unknown, RequestError: typeof GotRequestError): string {
  if (error instanceof RequestError) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'ERR_UNKNOWN';
}

/** Retry-After in seconds (the HTTP-date form is rare for webhooks: ignored). */
export function retryAfterSeconds(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/** Slack's Web API answers 200 with {"ok": false, "error": "channel_not_found"}: not delivered. */
export function slackRejection(contentType: string | undefined, body: string): string | undefined {
  if (contentType?.includes('json') !== true) return undefined;
  try {
    const parsed = JSON.parse(body) as { ok?: unknown; error?: unknown };
    if (parsed.ok !== false) return undefined;
    return typeof parsed.error === 'string' ? parsed.error.slice(0, 100) : 'ok: false';
  } catch {
    return undefined;
  }
}

// The web provider: one HTTP call with got, the JSON body (or the value at `jsonPath`) as the
// result. Non-2xx answers, timeouts, unreachable hosts, bodies that are not JSON and paths that
// match nothing are error outcomes; response headers are never echoed (they may carry tokens).
import type * as GotModuleNs from 'got';
import type { OptionsOfTextResponseBody, RequestError as GotRequestError } from 'got';
import { formatNumber } from './prometheus.ts';
import type { MeasureContext, ProviderOutcome } from '../provider.ts';

export interface WebCall {
  readonly url: string;
  readonly method?: 'GET' | 'POST' | 'PUT' | undefined;
  readonly headers?: readonly { readonly key: string; readonly value: string }[] | undefined;
  readonly body?: string | undefined;
  readonly jsonBody?: unknown;
  readonly jsonPath?: string | undefined;
  readonly timeoutSeconds?: number | undefined;
  readonly insecure?: boolean | undefined;
}

export const DEFAULT_TIMEOUT_SECONDS = 10;
/** Larger answers are refused: an analysis value is small. */
export const MAX_BODY_BYTES = 1024 * 1024;

export async function measureWeb(call: WebCall, ctx: MeasureContext = {}): Promise<ProviderOutcome> {
  const path = parseJsonPath(call.jsonPath);
  if (!path.ok) return path;
  if (call.body !== undefined && call.jsonBody !== undefined) return { ok: false, message: 'web: body and jsonBody are exclusive' };
  let url: URL;
  try {
    url = new URL(call.url);
  } catch {
    return { ok: false, message: 'web: url is not a valid URL' };
  }
  const response = await fetchBody(url, call, ctx);
  if (!response.ok) return response;
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    return { ok: false, message: `web: HTTP ${response.status}: the body is not JSON` };
  }
  const found = select(parsed, path.steps);
  if (!found.ok) return { ok: false, message: `web: jsonPath ${call.jsonPath ?? ''}: ${found.message}` };
  return { ok: true, result: found.value, value: display(found.value) };
}

type Fetched = { readonly ok: true; readonly status: number; readonly body: string } | { readonly ok: false; readonly message: string };

/** got is loaded by the first web measurement: a controller that never runs one does not pay for it. */
let gotModule: Promise<typeof GotModuleNs> | undefined;
const loadGot = (): Promise<typeof GotModuleNs> => (gotModule ??= import('got'));

async function fetchBody(url: URL, call: WebCall, ctx: MeasureContext): Promise<Fetched> {
  const { default: got, RequestError } = await loadGot();
  try {
    const response = await got(url, requestOptions(call, ctx));
    const body = response.body;
    if (Buffer.byteLength(body) > MAX_BODY_BYTES) return { ok: false, message: `web: HTTP ${response.statusCode}: the body is over ${MAX_BODY_BYTES} bytes` };
    if (response.statusCode < 200 || response.statusCode > 299) {
      return { ok: false, message: `web: HTTP ${response.statusCode}${snippet(body)}` };
    }
    return { ok: true, status: response.statusCode, body };
  } catch (error) {
    return { ok: false, message: `web: ${requestError(error, RequestError)}` };
  }
}

function requestOptions(call: WebCall, ctx: MeasureContext): OptionsOfTextResponseBody {
  return {
    method: call.method ?? 'GET',
    headers: Object.fromEntries((call.headers ?? []).map((h) => [h.key.toLowerCase(), h.value])),
    ...(call.jsonBody === undefined ? {} : { json: call.jsonBody }),
    ...(call.body === undefined ? {} : { body: call.body }),
    timeout: { request: (call.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000 },
    https: { rejectUnauthorized: call.insecure !== true },
    retry: { limit: 0 },
    throwHttpErrors: false,
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
  };
}

function snippet(body: string): string {
  const text = body.trim().replace(/\s+/gu, ' ');
  return text === '' ? '' : `: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
}

function requestError(error: unknown, RequestError: typeof GotRequestError): string {
  if (error instanceof RequestError) {
    if (error.code === 'ETIMEDOUT') return 'the request timed out';
    return `${error.code}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function display(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  return JSON.stringify(value) ?? 'null';
}

type Step = string | number;

/**
 * The part of Kubernetes JSONPath that names one value: `{$.a.b[0]}`, `{.a.b}`, `$.a["b.c"]`,
 * with or without braces. Filters, wildcards and ranges are refused with a message.
 */
export function parseJsonPath(raw: string | undefined): { ok: true; steps: Step[] } | { ok: false; message: string } {
  if (raw === undefined) return { ok: true, steps: [] };
  const text = pathBody(raw);
  const steps: Step[] = [];
  const token = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]/uy;
  let i = 0;
  while (i < text.length) {
    token.lastIndex = i;
    const m = token.exec(text);
    if (m === null) {
      return { ok: false, message: `web: jsonPath ${JSON.stringify(raw)} is not supported: Sluice reads paths such as {$.data.ratio} or {$.items[0].value}` };
    }
    steps.push(m[2] === undefined ? (m[1] ?? m[3] ?? m[4] ?? '') : Number(m[2]));
    i = token.lastIndex;
  }
  return { ok: true, steps };
}

/** `{$.a.b}` → `.a.b`. */
function pathBody(raw: string): string {
  let text = raw.trim();
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
  return text.startsWith('$') ? text.slice(1) : text;
}

function select(value: unknown, steps: readonly Step[]): { ok: true; value: unknown } | { ok: false; message: string } {
  let current = value;
  for (const step of steps) {
    if (typeof step === 'number') {
      if (!Array.isArray(current) || step >= current.length) return { ok: false, message: `index ${step} is out of range` };
      current = current[step] as unknown;
    } else {
      if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, step)) {
        return { ok: false, message: `no field "${step}"` };
      }
      current = (current as Record<string, unknown>)[step];
    }
  }
  return { ok: true, value: current };
}

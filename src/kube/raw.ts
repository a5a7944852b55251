// Raw JSON requests to the API server, authenticated from the kubeconfig.
//
// Why not client-node's KubernetesObjectApi for everything: it runs every body through its
// ObjectSerializer, which for built-in kinds keeps only the fields its models know under
// their TypeScript names. A CRD's `x-kubernetes-int-or-string` (model: xKubernetesIntOrString)
// is silently dropped, so Istio's CRDs are refused; a field newer than the models would be
// lost the same way. Objects that come from users or Git are sent as written. See docs/adr/001.
import { request } from 'node:https';
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { http } from './node-http.ts';
import { ApiException } from './api-exception.ts';
import type { Connection } from './connection.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { requestLabels } from './request-labels.ts';
import { apiRequestDuration, apiRequests } from '../metrics/registry.ts';
import { version } from '../version.ts';

export interface RawRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  readonly contentType?: string;
}

export interface RawRequestOptions {
  /** Waited on before the request is sent (client-side QPS, see rate-limiter.ts). */
  readonly limiter?: RateLimiter;
  readonly signal?: AbortSignal;
}

/** Sent on every request, so the API server's audit log and metrics name us. */
export const USER_AGENT = `sluice/${version} (node ${process.version})`;

/** Sends one request; resolves with the parsed JSON body, rejects with ApiException on HTTP >= 400. */
export async function rawRequest<T>(connection: Connection, req: RawRequest, options: RawRequestOptions = {}): Promise<T> {
  await options.limiter?.acquire(options.signal);
  const prepared = await prepare(connection, req, options.signal);
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  if (payload !== undefined) {
    prepared.options.headers['Content-Type'] = req.contentType ?? 'application/json';
    // Always a length: Node sends a DELETE's body neither chunked nor sized, so the API server
    // read it as the start of the next request on the kept-alive socket ("400 Bad Request").
    prepared.options.headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  const { status, text, headers } = await timed(req, () => send(prepared.url, prepared.options, payload));
  if (status >= 400) throw new ApiException(status, `HTTP ${status} ${req.method} ${req.path}`, text, headers);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** Counts and times one request (sluice_kube_api_request*; docs/metrics.md). */
async function timed(req: RawRequest, call: () => Promise<RawResponse>): Promise<RawResponse> {
  const labels = requestLabels(req.method, req.path, req.query);
  const started = performance.now();
  try {
    const response = await call();
    apiRequests.inc({ ...labels, code: String(response.status) });
    return response;
  } catch (error) {
    apiRequests.inc({ ...labels, code: 'error' });
    throw error;
  } finally {
    apiRequestDuration.observe(labels, (performance.now() - started) / 1000);
  }
}

export interface PreparedRequest {
  readonly url: URL;
  readonly options: RequestOptions & { headers: Record<string, string> };
}

/** The URL and authenticated request options for `req` (used by rawRequest and watch.ts). */
export async function prepare(connection: Connection, req: Pick<RawRequest, 'method' | 'path' | 'query'>, signal?: AbortSignal): Promise<PreparedRequest> {
  const url = new URL(connection.server + req.path);
  for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
  const options: RequestOptions & { headers: Record<string, string> } = {
    method: req.method,
    headers: { Accept: 'application/json', 'User-Agent': USER_AGENT },
    signal,
  };
  await connection.authorize(options);
  return { url, options };
}

/** Opens the request with the transport the URL asks for (https, or http for a plain test server). */
export function open(url: URL, options: RequestOptions, onResponse: (res: IncomingMessage) => void): ClientRequest {
  return (url.protocol === 'https:' ? request : http.request)(url, options, onResponse);
}

interface RawResponse {
  readonly status: number;
  readonly text: string;
  readonly headers: Record<string, string>;
}

async function send(url: URL, options: RequestOptions, payload: string | undefined): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const r = open(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), headers: flatten(res.headers) }),
      );
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(payload);
  });
}

export function flatten(headers: NodeJS.Dict<string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) if (value !== undefined) out[key] = String(value);
  return out;
}

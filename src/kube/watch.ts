// One watch request, streamed as raw JSON events over node:https.
//
// Not client-node's `Watch`: it aborts any watch that receives nothing for 30 s (a private,
// fixed `requestTimeoutMs`), and the API server sends bookmarks only about once a minute, so an
// idle informer on it would reconnect every 30 s; it also drops the Status body of a refused
// watch. Here the server ends the request at `timeoutSeconds`, and our own idle timeout only
// catches connections that died silently (see docs/adr/002).
import type { IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import { ApiException } from './api-exception.ts';
import type { Connection } from './connection.ts';
import { flatten, open, prepare } from './raw.ts';
import { requestLabels } from './request-labels.ts';
import { apiRequests } from '../metrics/registry.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  readonly type: WatchEventType;
  /** The object (or, for ERROR, a metav1.Status) exactly as the server sent it. */
  readonly object: unknown;
}

export interface WatchRequest {
  /** Collection path, e.g. /api/v1/namespaces/ns/configmaps. */
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
}

export interface WatchStreamOptions {
  readonly signal: AbortSignal;
  /** Fail the watch when the connection has carried nothing for this long (a silently dead peer). */
  readonly idleTimeoutMs: number;
}

export class WatchIdleError extends Error {
  override readonly name = 'WatchIdleError';
}

/**
 * Streams a watch: `onEvent` gets each event in order. Resolves when the server ends the
 * watch cleanly (its timeoutSeconds); rejects on any failure, with ApiException for an HTTP
 * error status, or with whatever `onEvent` throws (the connection is then closed).
 */
export async function watchStream(
  connection: Connection,
  req: WatchRequest,
  onEvent: (event: WatchEvent) => void,
  options: WatchStreamOptions,
): Promise<void> {
  const prepared = await prepare(connection, { method: 'GET', path: req.path, query: { ...req.query, watch: 'true' } }, options.signal);
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let idle: NodeJS.Timeout | undefined;
    const finish = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      if (error === undefined) resolve();
      else {
        reject(error instanceof Error ? error : new Error('watch failed', { cause: error }));
        r.destroy();
      }
    };
    const touch = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => finish(new WatchIdleError(`watch ${req.path} carried nothing for ${options.idleTimeoutMs} ms`)), options.idleTimeoutMs);
    };
    const r = open(prepared.url, prepared.options, (res) => {
      touch();
      apiRequests.inc({ verb: 'watch', resource: requestLabels('GET', req.path).resource, code: String(res.statusCode ?? 0) });
      if (res.statusCode !== 200) refused(res, req.path, finish);
      else stream(res, { onEvent, touch, finish, active: () => !settled });
    });
    r.on('error', finish);
    r.end();
    touch();
  });
}

interface StreamCallbacks {
  readonly onEvent: (event: WatchEvent) => void;
  readonly touch: () => void;
  readonly finish: (error?: unknown) => void;
  /** False once the watch has finished: lines still buffered are dropped. */
  readonly active: () => boolean;
}

function stream(res: IncomingMessage, { onEvent, touch, finish, active }: StreamCallbacks): void {
  let ended = false;
  res.on('data', touch);
  res.on('end', () => {
    ended = true;
  });
  res.on('error', finish);
  // Without `end` first, the peer went away mid-stream (a reset, a proxy dropping us).
  res.on('close', () => {
    if (!ended) finish(new Error('the watch connection closed before the response ended'));
  });
  const lines = createInterface({ input: res, crlfDelay: Infinity });
  lines.on('error', finish); // readline re-emits the response's errors
  lines.on('line', (line) => {
    if (!active() || line.trim() === '') return;
    try {
      onEvent(JSON.parse(line) as WatchEvent);
    } catch (error) {
      finish(error);
    }
  });
  // readline closes after delivering the last line of a response that ended cleanly.
  lines.on('close', () => {
    if (ended) finish();
  });
}

function refused(res: IncomingMessage, path: string, finish: (error?: unknown) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('error', finish);
  res.on('end', () => {
    const status = res.statusCode ?? 0;
    finish(new ApiException(status, `HTTP ${status} WATCH ${path}`, Buffer.concat(chunks).toString(), flatten(res.headers)));
  });
}

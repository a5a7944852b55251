// DEMO COMPONENT — not part of the Sluice controller (nothing under src/ imports demo/).
//
// The demo's users: a steady request rate through the mesh stand-in (default 50 requests per
// second) over a keep-alive agent, counting responses by status code. The schedule is open-loop
// (requests are sent when due, whatever the latency of earlier ones), as real users arrive; a cap
// on requests in flight keeps a stalled backend from piling up sockets (those are counted as
// `skipped`).
import { Agent, request as httpRequest } from 'node:http';

export interface LoadGeneratorOptions {
  /** Base URL of the proxy, e.g. mesh.url. */
  readonly url: string;
  /** Path of every request (default "/"). */
  readonly path?: string;
  /** Requests per second (default 50). */
  readonly rps?: number;
  /** Sent with every request (e.g. { host: 'web.example.com' } or a header a route matches). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Requests in flight at most (default 500); a due request beyond it is skipped. */
  readonly maxInFlight?: number;
  /** Per-request timeout (default 10 s); a timed-out request counts as an error. */
  readonly timeoutMs?: number;
}

export interface LoadStats {
  /** Requests sent. */
  readonly sent: number;
  /** Responses received. */
  readonly completed: number;
  /** Responses by status code, e.g. { "200": 970, "500": 30 }. */
  readonly byCode: Readonly<Record<string, number>>;
  /** Connection errors and timeouts (no response). */
  readonly errors: number;
  /** Requests not sent because maxInFlight were already waiting. */
  readonly skipped: number;
  readonly inFlight: number;
}

export interface LoadGenerator {
  stats(): LoadStats;
  /** Counts start again from zero (the schedule carries on). */
  reset(): void;
  setRate(rps: number): void;
  /** Resolves once `completed + errors` reaches n since the last reset (or rejects after timeoutMs). */
  waitForResponses(n: number, timeoutMs?: number): Promise<LoadStats>;
  /** Stops sending, waits for requests in flight, and resolves with the final counts. */
  stop(): Promise<LoadStats>;
}

const TICK_MS = 10;

export function startLoadGenerator(options: LoadGeneratorOptions): LoadGenerator {
  let rps = checkRate(options.rps ?? 50);
  const maxInFlight = options.maxInFlight ?? 500;
  const agent = new Agent({ keepAlive: true, maxSockets: maxInFlight });
  const target = new URL(options.path ?? '/', options.url);
  let counts = { sent: 0, completed: 0, errors: 0, skipped: 0, byCode: {} as Record<string, number> };
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const listeners = new Set<() => void>();
  // Requests are due at `rps` per second from `epochMs`; a rate change starts a new epoch.
  let epochMs = performance.now();
  let dueSent = 0;

  const settle = (): void => {
    inFlight -= 1;
    listeners.forEach((l) => l());
    if (inFlight === 0) idle?.();
  };

  const send = (): void => {
    if (inFlight >= maxInFlight) {
      counts.skipped += 1;
      return;
    }
    inFlight += 1;
    counts.sent += 1;
    const mine = counts;
    const req = httpRequest(target, { agent, headers: options.headers, timeout: options.timeoutMs ?? 10_000 }, (res) => {
      res.resume();
      res.once('end', () => {
        const code = String(res.statusCode ?? 0);
        mine.completed += 1;
        mine.byCode[code] = (mine.byCode[code] ?? 0) + 1;
        settle();
      });
    });
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', () => {
      mine.errors += 1;
      settle();
    });
    req.end();
  };

  const tick = (): void => {
    const due = Math.floor(((performance.now() - epochMs) / 1000) * rps);
    while (dueSent < due) {
      dueSent += 1;
      send();
    }
  };
  const timer = setInterval(tick, TICK_MS);

  const stats = (): LoadStats => ({ ...counts, byCode: { ...counts.byCode }, inFlight });

  return {
    stats,
    reset() {
      counts = { sent: 0, completed: 0, errors: 0, skipped: 0, byCode: {} };
    },
    setRate(next) {
      rps = checkRate(next);
      epochMs = performance.now();
      dueSent = 0;
    },
    waitForResponses(n, timeoutMs = 60_000) {
      return new Promise<LoadStats>((resolve, reject) => {
        const check = (): void => {
          if (counts.completed + counts.errors < n) return;
          cleanup();
          resolve(stats());
        };
        const timeout = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${n} responses: ${JSON.stringify(stats())}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timeout);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      clearInterval(timer);
      if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
      agent.destroy();
      return stats();
    },
  };
}

function checkRate(rps: number): number {
  if (!Number.isFinite(rps) || rps < 0) throw new RangeError(`rps must be a finite number >= 0, got ${rps}`);
  return rps;
}

// DEMO COMPONENT — not part of the Sluice controller (nothing under src/ imports demo/).
//
// The demo application: one tiny HTTP server per "pod". How a version behaves comes from its
// environment, as the pod template's `env` declares it:
//   ERROR_RATE  share of requests answered 500, 0..1 (default 0). Spread evenly, not at random:
//               with 0.3, exactly 3 requests in every 10 fail, so a short analysis window sees
//               the declared rate and the demo's verdicts do not depend on luck.
//   LATENCY_MS  milliseconds every request takes before its answer (default 0).
//   VERSION     echoed in the body (default: POD_NAME or "unknown").
//   PORT        port to listen on; 0 (default) = any free one. The bound port is printed on
//               stdout as the first line, `{"listening":{"port":N}}`, for the demo runtime.
// GET /healthz always answers 200 at once (it is not application traffic).
//
// Run alone: `PORT=8080 ERROR_RATE=0.1 LATENCY_MS=50 node demo/app-server.ts`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

export interface AppBehaviour {
  /** Share of requests answered 500, 0..1. */
  readonly errorRate: number;
  /** Time every request takes before its answer. */
  readonly latencyMs: number;
  readonly version: string;
}

export interface AppServer {
  readonly port: number;
  /** Requests answered so far (not counting /healthz), by status code. */
  counts(): Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

/** Reads ERROR_RATE / LATENCY_MS / VERSION; throws a readable error for a value out of range. */
export function behaviourFromEnv(env: Readonly<Record<string, string | undefined>>): AppBehaviour {
  const errorRate = numberOf(env, 'ERROR_RATE', 0);
  if (errorRate < 0 || errorRate > 1) throw new RangeError(`ERROR_RATE must be within 0..1, got ${errorRate}`);
  const latencyMs = numberOf(env, 'LATENCY_MS', 0);
  if (latencyMs < 0) throw new RangeError(`LATENCY_MS must be >= 0, got ${latencyMs}`);
  return { errorRate, latencyMs, version: env.VERSION ?? env.POD_NAME ?? 'unknown' };
}

function numberOf(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a number, got ${JSON.stringify(raw)}`);
  return value;
}

/**
 * Whether the n-th request (1-based) fails: the failures are spread evenly, so every prefix of
 * the request stream has floor(n × rate) failures.
 */
export function failsAt(n: number, errorRate: number): boolean {
  return Math.floor(n * errorRate + 1e-9) > Math.floor((n - 1) * errorRate + 1e-9);
}

export async function startAppServer(behaviour: AppBehaviour, port = 0, host = '127.0.0.1'): Promise<AppServer> {
  let served = 0;
  const counts: Record<string, number> = {};
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.url?.split('?')[0] === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    served += 1;
    const failed = failsAt(served, behaviour.errorRate);
    if (behaviour.latencyMs > 0) await delay(behaviour.latencyMs);
    const code = failed ? 500 : 200;
    counts[code] = (counts[code] ?? 0) + 1;
    const body = JSON.stringify({ version: behaviour.version, code }) + '\n';
    if (!res.destroyed) res.writeHead(code, { 'content-type': 'application/json', 'x-demo-version': behaviour.version }).end(body);
  };
  const server: Server = createServer((req, res) => {
    // Drain the request body (if any) so keep-alive connections stay usable.
    req.resume();
    void answer(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('app server has no port');
  return {
    port: address.port,
    counts: () => ({ ...counts }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function main(): Promise<void> {
  const behaviour = behaviourFromEnv(process.env);
  const server = await startAppServer(behaviour, Number(process.env.PORT ?? '0'), process.env.HOST ?? '127.0.0.1');
  process.stdout.write(`${JSON.stringify({ listening: { port: server.port }, ...behaviour })}\n`);
  const shutdown = (): void => void server.stop().then(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  // Started by the demo runtime with a pipe on stdin: when the runtime dies the pipe closes, and
  // the "pod" goes with it instead of lingering as an orphan.
  if (process.env.DEMO_EXIT_WITH_PARENT === '1') {
    process.stdin.on('end', shutdown);
    process.stdin.on('error', shutdown);
    process.stdin.resume();
  }
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    process.stderr.write(`demo app: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}

// DEMO COMPONENT — not part of the Sluice controller.
//
// The demo's keeper: a detached process (`node demo/story.ts up` starts it) that runs
// startDemoEnv() — control plane, Prometheus, git daemon, controller, and each run's runtime,
// mesh and load generator — so they outlive `make demo`. It writes .sluice/demo/state.json (pid,
// ports, kubeconfig) and serves the DemoEnv on a loopback control port:
//   POST /run {namespace, rps}   POST /commit {files, message}   GET /segments   GET /healthz
// SIGTERM/SIGINT/SIGHUP stop everything it started (`make demo-down`).
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stateDir } from '../test/harness/paths.ts';
import { startDemoEnv } from './env.ts';

export const demoStateDir = join(stateDir, 'demo');
export const demoStatePath = join(demoStateDir, 'state.json');
export const demoKubeconfigPath = join(demoStateDir, 'kubeconfig');
export const demoLogPath = join(demoStateDir, 'keeper.log');

export interface KeeperState {
  readonly pid: number;
  readonly controlUrl: string;
  readonly kubeconfigPath: string;
  readonly prometheusUrl: string;
  readonly controllerUrl: string;
  readonly webhookSecret: string;
  readonly logDir: string;
  readonly startedAt: string;
}

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function main(): Promise<void> {
  mkdirSync(demoStateDir, { recursive: true });
  const env = await startDemoEnv({ takeSlot: false });
  const server = createServer((req, res) => {
    const reply = (status: number, value: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    void (async () => {
      try {
        if (req.method === 'GET' && req.url === '/healthz') return reply(200, { ok: true });
        if (req.method === 'GET' && req.url === '/segments') return reply(200, await env.segments());
        if (req.method === 'POST' && req.url === '/run') {
          const { namespace, rps } = (await body(req)) as { namespace: string; rps: number };
          return reply(200, await env.startRun(namespace, rps));
        }
        if (req.method === 'POST' && req.url === '/commit') {
          const { files, message } = (await body(req)) as { files: Record<string, string>; message: string };
          return reply(200, { sha: await env.commit(files, message) });
        }
        return reply(404, { error: `no ${req.method ?? ''} ${req.url ?? ''}` });
      } catch (error) {
        return reply(500, { error: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    server.close();
    void env.stop().catch((error: unknown) => console.error(String(error))).finally(() => {
      rmSync(demoStatePath, { force: true });
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', stop);
  copyFileSync(env.kubeconfigPath, demoKubeconfigPath);
  const state: KeeperState = {
    pid: process.pid,
    controlUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    kubeconfigPath: demoKubeconfigPath,
    prometheusUrl: env.prometheusUrl,
    controllerUrl: env.controllerUrl,
    webhookSecret: env.webhookSecret,
    logDir: env.logDir,
    startedAt: new Date().toISOString(),
  };
  writeFileSync(demoStatePath, JSON.stringify(state, null, 2), { mode: 0o600 });
  console.error(`demo keeper ready: ${JSON.stringify({ ...state, webhookSecret: '…' })}`);
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1])) await main();

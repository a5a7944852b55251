// A local HTTP receiver for notifications (node:http on 127.0.0.1): records every request it
// gets; answers after `delayMs(path)` (a slow receiver) with 200.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  /** Arrival, in arrival order (Date.now()). */
  readonly atMs: number;
}

export interface Receiver {
  readonly port: number;
  readonly received: Received[];
  close(): Promise<void>;
}

export async function startReceiver(options: { port?: number; delayMs?: (path: string) => number } = {}): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = { raw: text };
      }
      received.push({ path: req.url ?? '', headers: req.headers, body, atMs: Date.now() });
      const delay = options.delayMs?.(req.url ?? '') ?? 0;
      const answer = (): void => void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      if (delay > 0) setTimeout(answer, delay).unref();
      else answer();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

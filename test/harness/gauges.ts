// A /metrics endpoint whose gauges a test sets: `set('canary_success_rate', { namespace }, 0.99)`.
// Prometheus scrapes it like any target; `undefined` removes a series (an empty result), NaN is
// exposed as NaN. For analysis tests that need exact values rather than Istio-shaped traffic.
import { createServer, type Server } from 'node:http';

export interface GaugeServer {
  /** host:port, for Prometheus' scrape config. */
  readonly target: string;
  set(name: string, labels: Readonly<Record<string, string>>, value: number | undefined): void;
  stop(): Promise<void>;
}

const key = (name: string, labels: Readonly<Record<string, string>>): string =>
  `${name}{${Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}="${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`)
    .join(',')}}`;

export async function startGaugeServer(): Promise<GaugeServer> {
  const series = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    const lines = [...series].map(([k, v]) => `${k} ${Number.isNaN(v) ? 'NaN' : String(v)}`);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('gauge server has no port');
  return {
    target: `127.0.0.1:${address.port}`,
    set(name, labels, value) {
      if (value === undefined) series.delete(key(name, labels));
      else series.set(key(name, labels), value);
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

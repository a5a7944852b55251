// startPrometheus(): the Prometheus `make setup` builds, on a free loopback port, with a
// generated config and a 1 s scrape interval so tests see fresh samples quickly.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { fetchText } from './http.ts';
import { binary } from './paths.ts';
import { freePort, withPortRetry } from './ports.ts';
import { ProcessGroup } from './processes.ts';
import { waitFor } from './wait.ts';

/** `host:port` scraped at /metrics under job "test", or a job of its own. */
export type ScrapeTarget = string | { readonly job: string; readonly targets: readonly string[]; readonly metricsPath?: string };

export interface PrometheusOptions {
  readonly scrapeTargets?: readonly ScrapeTarget[];
  readonly scrapeIntervalSeconds?: number;
}

export interface PrometheusServer {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:PORT */
  readonly url: string;
  readonly dir: string;
  readonly processes: ProcessGroup;
  /** Rewrites the scrape config and reloads Prometheus (POST /-/reload). */
  setScrapeTargets(targets: readonly ScrapeTarget[]): Promise<void>;
  stop(): Promise<void>;
}

function renderConfig(targets: readonly ScrapeTarget[], intervalSeconds: number): string {
  const plain = targets.filter((t): t is string => typeof t === 'string');
  const jobs = targets.filter((t) => typeof t !== 'string');
  const scrapeConfigs = [
    ...(plain.length > 0 ? [{ job_name: 'test', static_configs: [{ targets: plain }] }] : []),
    ...jobs.map((j) => ({
      job_name: j.job,
      metrics_path: j.metricsPath ?? '/metrics',
      static_configs: [{ targets: [...j.targets] }],
    })),
  ];
  const interval = `${intervalSeconds}s`;
  return dump({
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    scrape_configs: scrapeConfigs,
  });
}

export async function startPrometheus(options: PrometheusOptions = {}): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-prometheus-'));
  const configPath = join(dir, 'prometheus.yml');
  const interval = options.scrapeIntervalSeconds ?? 1;
  writeFileSync(configPath, renderConfig(options.scrapeTargets ?? [], interval));
  const processes = new ProcessGroup(dir);
  const url = await withPortRetry(async () => {
    const port = await freePort();
    processes.start('prometheus', binary('prometheus'), [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(dir, `data-${port}`)}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      '--storage.tsdb.retention.time=1d',
      '--log.level=warn',
    ]);
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitFor('prometheus to be ready', async () => (await fetchText(`${base}/-/ready`)).status === 200, {
        timeoutMs: 30_000,
        intervalMs: 50,
        assertAlive: () => processes.assertAlive(),
      });
    } catch (error) {
      await processes.discard('prometheus');
      throw error;
    }
    return base;
  });
  return {
    url,
    dir,
    processes,
    async setScrapeTargets(targets) {
      writeFileSync(configPath, renderConfig(targets, interval));
      await post(`${url}/-/reload`);
    },
    async stop() {
      await processes.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function post(url: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const req = request(url, { method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`POST ${url}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

// The Prometheus `make setup` builds scrapes a real endpoint, and prometheus-query (the
// package the analysis providers use) reads back what the endpoint served.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { PrometheusDriver } from 'prometheus-query';
import { startPrometheus, type PrometheusServer } from './prometheus.ts';
import { waitFor } from './wait.ts';

describe('prometheus', { timeout: 60_000 }, () => {
  let prometheus: PrometheusServer;
  // A value no default could produce, changed once mid-test to prove samples are fresh.
  let served = 4217.5;
  const endpoint = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE sluice_test_value gauge\nsluice_test_value{source="harness"} ${served}\n`);
  });

  before(async () => {
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const { port } = endpoint.address() as { port: number };
    prometheus = await startPrometheus({ scrapeTargets: [`127.0.0.1:${port}`] });
  });
  after(async () => {
    await prometheus?.stop();
    endpoint.close();
  });

  test('a PromQL query through prometheus-query returns the served value', async () => {
    const driver = new PrometheusDriver({ endpoint: prometheus.url, baseURL: '/api/v1' });
    const valueOf = async (): Promise<number | undefined> => {
      const result = await driver.instantQuery('sluice_test_value{job="test",source="harness"}');
      const sample = result.result[0] as { value: { value: number } } | undefined;
      return sample?.value.value;
    };
    assert.equal(await waitForValue(valueOf, (v) => v === 4217.5), 4217.5);
    served = 17;
    assert.equal(await waitForValue(valueOf, (v) => v === 17), 17, 'a later scrape sees the new value');
  });
});

async function waitForValue(read: () => Promise<number | undefined>, ok: (v: number) => boolean): Promise<number> {
  return waitFor('the scraped value', async () => {
    const value = await read();
    return value !== undefined && ok(value) ? value : undefined;
  }, { timeoutMs: 20_000, intervalMs: 200 });
}

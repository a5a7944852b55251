// The demo load generator: a steady rate (never faster than asked), responses counted by code,
// connection errors counted apart, and a cap on requests in flight.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startAppServer } from '../../demo/app-server.ts';
import { startLoadGenerator } from '../../demo/loadgen.ts';

describe('demo load generator', { timeout: 30_000 }, () => {
  test('sends at the rate asked and counts responses by code', async () => {
    const app = await startAppServer({ errorRate: 0.2, latencyMs: 0, version: 'v1' });
    try {
      const started = performance.now();
      const load = startLoadGenerator({ url: `http://127.0.0.1:${app.port}`, rps: 200 });
      await load.waitForResponses(100);
      const elapsedMs = performance.now() - started;
      const stats = await load.stop();
      assert.ok(elapsedMs >= 450, `100 requests at 200 rps took ${elapsedMs.toFixed(0)} ms`);
      assert.equal(stats.inFlight, 0);
      assert.equal(stats.errors, 0);
      assert.equal(stats.completed, stats.sent);
      assert.equal((stats.byCode['200'] ?? 0) + (stats.byCode['500'] ?? 0), stats.completed);
      assert.ok(Math.abs((stats.byCode['500'] ?? 0) / stats.completed - 0.2) <= 0.02, JSON.stringify(stats.byCode));
    } finally {
      await app.stop();
    }
  });

  test('a refused connection is an error, not a response; maxInFlight skips what would pile up', async () => {
    const app = await startAppServer({ errorRate: 0, latencyMs: 0, version: 'v1' });
    const port = app.port;
    await app.stop();
    const refused = startLoadGenerator({ url: `http://127.0.0.1:${port}`, rps: 100 });
    await refused.waitForResponses(5);
    const stats = await refused.stop();
    assert.ok(stats.errors >= 5);
    assert.equal(stats.completed, 0);

    const slow = await startAppServer({ errorRate: 0, latencyMs: 1000, version: 'v1' });
    try {
      const capped = startLoadGenerator({ url: `http://127.0.0.1:${slow.port}`, rps: 500, maxInFlight: 5 });
      await capped.waitForResponses(5);
      const after = await capped.stop();
      assert.ok(after.skipped > 0, JSON.stringify(after));
      assert.ok(after.sent <= 10, `at most 5 in flight at a time: ${JSON.stringify(after)}`);
    } finally {
      await slow.stop();
    }
  });
});

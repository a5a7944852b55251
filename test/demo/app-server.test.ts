// The demo app honours the behaviour its pod template declares: ERROR_RATE and LATENCY_MS,
// in process and as the child process the demo runtime starts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { behaviourFromEnv, failsAt, startAppServer } from '../../demo/app-server.ts';

const APP = fileURLToPath(new URL('../../demo/app-server.ts', import.meta.url));

function get(port: number, path = '/'): Promise<{ status: number; ms: number; body: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('demo app server', { timeout: 30_000 }, () => {
  test('failsAt spreads failures evenly: every prefix of n requests has floor(n × rate) failures', () => {
    for (const rate of [0, 0.1, 0.3, 0.5, 1]) {
      let failures = 0;
      for (let n = 1; n <= 1000; n++) {
        if (failsAt(n, rate)) failures += 1;
        assert.equal(failures, Math.floor(n * rate + 1e-9), `rate ${rate}, n ${n}`);
      }
    }
  });

  test('behaviourFromEnv reads ERROR_RATE / LATENCY_MS / VERSION and rejects nonsense', () => {
    assert.deepEqual(behaviourFromEnv({}), { errorRate: 0, latencyMs: 0, version: 'unknown' });
    assert.deepEqual(behaviourFromEnv({ ERROR_RATE: '0.3', LATENCY_MS: '250', VERSION: 'v3' }), { errorRate: 0.3, latencyMs: 250, version: 'v3' });
    assert.throws(() => behaviourFromEnv({ ERROR_RATE: '1.5' }), /ERROR_RATE must be within 0\.\.1/);
    assert.throws(() => behaviourFromEnv({ LATENCY_MS: 'slow' }), /LATENCY_MS must be a number/);
  });

  test('in process: ERROR_RATE 0.3 answers exactly 30 of 100 requests with 500', async () => {
    const app = await startAppServer({ errorRate: 0.3, latencyMs: 0, version: 'v3' });
    try {
      const answers = await Promise.all(Array.from({ length: 100 }, () => get(app.port)));
      assert.equal(answers.filter((a) => a.status === 500).length, 30);
      assert.equal(answers.filter((a) => a.status === 200).length, 70);
      assert.deepEqual(app.counts(), { 200: 70, 500: 30 });
      assert.equal((JSON.parse(answers[0]?.body ?? '{}') as { version?: string }).version, 'v3');
      assert.equal((await get(app.port, '/healthz')).status, 200, '/healthz is not application traffic');
      assert.deepEqual(app.counts(), { 200: 70, 500: 30 });
    } finally {
      await app.stop();
    }
  });

  test('as a child process: prints its port, waits LATENCY_MS per request, fails ERROR_RATE of them, exits with its parent pipe', async () => {
    const child = spawn(process.execPath, [APP], {
      env: { PORT: '0', ERROR_RATE: '0.5', LATENCY_MS: '250', VERSION: 'v9', DEMO_EXIT_WITH_PARENT: '1' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
      const port = (JSON.parse(line) as { listening: { port: number } }).listening.port;
      const answers = await Promise.all(Array.from({ length: 10 }, () => get(port)));
      assert.equal(answers.filter((a) => a.status === 500).length, 5);
      for (const a of answers) {
        assert.ok(a.ms >= 245, `a request took ${a.ms.toFixed(0)} ms, LATENCY_MS is 250`);
        assert.ok(a.ms < 2000, `a request took ${a.ms.toFixed(0)} ms`);
      }
    } finally {
      child.stdin.end(); // what the runtime's death looks like to the child
    }
    assert.equal(await exited, 0);
  });
});

// What the controller process loads: neither undici (which an ES import of node:http pulls in
// through http.WebSocket's getter), nor @opentelemetry/api and prom-client's Pushgateway (which
// prom-client's index pulls in), nor client-node's index. Each costs MiB of RSS the controller
// never uses (docs/adr/004, 008). Checked in a fresh process that records every module it loads,
// after the controller module is imported and the process metrics are on.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

test('the controller loads no undici, OpenTelemetry, Pushgateway or client-node index, and still exports the process metrics', () => {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    await import(${JSON.stringify(new URL('controller.ts', import.meta.url).href)});
    const { collectProcessMetrics, registry } = await import(${JSON.stringify(new URL('../metrics/registry.ts', import.meta.url).href)});
    collectProcessMetrics('test');
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    const text = await registry.metrics();
    console.log(JSON.stringify({
      unwanted: loaded.filter((u) => /@opentelemetry|prom-client\\/(index|lib\\/pushgateway)|client-node\\/dist\\/(index|config)\\.js/.test(u)),
      undici: process.moduleLoadList.filter((m) => m.includes('undici')),
      names,
      cpu: /^process_cpu_seconds_total (\\S+)$/m.exec(text)?.[1],
    }));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { unwanted: string[]; undici: string[]; names: string[]; cpu?: string };
  assert.deepEqual(out.unwanted, []);
  assert.deepEqual(out.undici, []);
  for (const name of ['process_cpu_seconds_total', 'process_cpu_user_seconds_total', 'process_cpu_system_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_gc_duration_seconds']) {
    assert.ok(out.names.includes(name), `${name} is registered`);
  }
  // The process has used CPU to get here: the hand-written process_cpu counters count it.
  assert.ok(Number(out.cpu) > 0, `process_cpu_seconds_total ${out.cpu} > 0`);
});

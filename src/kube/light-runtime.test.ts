// The controller's runtime path (connection.ts, api-clients.ts and what informers, leases, events
// and patches import) must not load client-node's index: it pulls in every generated model,
// ~85 MB of RSS (docs/adr/004). Checked in a fresh process that records every module it loads.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

const RUNTIME = ['api-clients.ts', 'connection.ts', 'informer.ts', 'lease.ts', 'events.ts', 'patch.ts', 'apply.ts', 'workqueue.ts', 'errors.ts'];

test('the runtime modules of src/kube load nothing from client-node but ApiException', () => {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    for (const m of ${JSON.stringify(RUNTIME)}) await import(new URL(m, ${JSON.stringify(import.meta.url)}).href);
    console.log(JSON.stringify(loaded.filter((u) => u.includes('/@kubernetes/client-node/')).map((u) => u.replace(/^.*client-node\\//, ''))));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), ['dist/gen/apis/exception.js']);
});

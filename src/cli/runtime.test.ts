// The runtime flags and environment of src/cli/runtime.ts are the ones the bin and the Deployment use.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadAll } from 'js-yaml';
import { NODE_ENV, NODE_FLAGS } from './runtime.ts';

const env = Object.entries(NODE_ENV).map(([k, v]) => `${k}=${v}`);

test('the bin starts Node with the runtime flags and environment', () => {
  const shebang = readFileSync(new URL('sluice.ts', import.meta.url), 'utf8').split('\n')[0];
  assert.equal(shebang, `#!/usr/bin/env -S ${[...env, 'node', ...NODE_FLAGS].join(' ')}`);
});

interface Container {
  command?: string[];
  env?: { name: string; value?: string }[];
}

test('the Deployment runs the bin (its shebang has every flag) and sets the environment and the flags NODE_OPTIONS allows', () => {
  const docs = loadAll(readFileSync(new URL('../../crds/controller.yaml', import.meta.url), 'utf8')) as { kind?: string; spec?: { template?: { spec?: { containers?: Container[] } } } }[];
  const container = docs.find((d) => d.kind === 'Deployment')?.spec?.template?.spec?.containers?.[0];
  assert.deepEqual(container?.command, ['sluice']);
  const value = (name: string): string | undefined => container?.env?.find((v) => v.name === name)?.value;
  // Also when the image is started as `node …/sluice.js` (no shebang), all that NODE_OPTIONS may carry.
  const allowed = NODE_FLAGS.filter((f) => process.allowedNodeEnvironmentFlags.has(f.split('=')[0] ?? f));
  assert.ok(allowed.length > 0);
  assert.equal(value('NODE_OPTIONS'), allowed.join(' '));
  for (const [name, v] of Object.entries(NODE_ENV)) assert.equal(value(name), v, name);
});

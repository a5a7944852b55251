// The real kubectl finds the plugin on PATH as `kubectl sluice`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { binary, repoRoot } from '../harness/paths.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'sluice-plugin-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('kubectl sluice version runs the plugin', { timeout: 30_000 }, async () => {
  symlinkSync(join(repoRoot, 'src/cli/kubectl-sluice.ts'), join(dir, 'kubectl-sluice'));
  const env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` };
  const plugins = await run(binary('kubectl'), ['plugin', 'list'], { env });
  assert.match(plugins.stdout, /kubectl-sluice/);
  const { stdout } = await run(binary('kubectl'), ['sluice', 'version'], { env });
  assert.match(stdout, /^kubectl-sluice \d+\.\d+\.\d+$/m);
});

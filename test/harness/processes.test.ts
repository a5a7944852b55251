// The harness's process handling, on plain node processes (no cluster needed): deaths are
// reported with the log tail, stops escalate to SIGKILL, orphans of a killed runner are swept.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ComponentDiedError, ProcessGroup } from './processes.ts';
import { CLUSTER_DIR_PREFIX, isAlive, sweepOrphans } from './stale.ts';
import { waitFor } from './wait.ts';

const node = process.execPath;
const dirs: string[] = [];
function tempDir(prefix = 'sluice-proc-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

describe('process group', { timeout: 30_000 }, () => {
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('a process that dies is reported with its log tail', async () => {
    const group = new ProcessGroup(tempDir());
    const proc = group.start('flaky', node, ['-e', 'console.log("line one"); console.error("fatal: disk on fire"); process.exit(3)']);
    await proc.exited;
    assert.throws(() => group.assertAlive(), (error: unknown) => {
      assert.ok(error instanceof ComponentDiedError);
      assert.equal(error.component, 'flaky');
      assert.equal(error.exit.code, 3);
      assert.match(error.message, /fatal: disk on fire/);
      return true;
    });
    await group.stop();
  });

  test('a waitFor with assertAlive fails at once instead of timing out', async () => {
    const group = new ProcessGroup(tempDir());
    const proc = group.start('dies', node, ['-e', 'setTimeout(() => process.exit(1), 200)']);
    const started = Date.now();
    await assert.rejects(
      waitFor('a condition that never comes true', () => false, { timeoutMs: 20_000, assertAlive: () => group.assertAlive() }),
      ComponentDiedError,
    );
    assert.ok(Date.now() - started < 10_000, 'failed fast, not at the timeout');
    await proc.exited;
  });

  test('stop sends SIGTERM, then SIGKILL to a process that ignores it; stops are not deaths', async () => {
    const group = new ProcessGroup(tempDir());
    const stubborn = group.start('stubborn', node, ['-e', 'process.on("SIGTERM", () => console.log("ignored")); console.log("up"); setInterval(() => {}, 1000)']);
    const polite = group.start('polite', node, ['-e', 'setInterval(() => {}, 1000)']);
    await waitFor('stubborn to install its handler', () => group.logTail('stubborn').includes('up'));
    await group.stop(300);
    assert.equal((await stubborn.exited).signal, 'SIGKILL');
    assert.equal((await polite.exited).signal, 'SIGTERM');
    assert.doesNotThrow(() => group.assertAlive());
  });

  test('processes left by a runner killed with SIGKILL are swept by the next start', async () => {
    const root = tempDir('sluice-sweep-root-');
    const dir = join(root, `${CLUSTER_DIR_PREFIX}orphan`);
    mkdirSync(dir);
    // The "runner" is a process that has already exited; its child names the dir in its argv.
    const runner = spawn(node, ['-e', '0']);
    await new Promise((resolve) => runner.once('exit', resolve));
    const orphan = spawn(node, ['-e', 'setInterval(() => {}, 1000)', dir], { stdio: 'ignore' });
    const unrelated = spawn(node, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    writeFileSync(join(dir, 'owner.pid'), String(runner.pid));
    writeFileSync(join(dir, 'pids'), `${orphan.pid} etcd\n${unrelated.pid} reused-pid\n`);
    sweepOrphans(root);
    await waitFor('the orphan to die', () => !isAlive(orphan.pid ?? 0));
    assert.equal(existsSync(dir), false, 'the orphaned cluster dir is removed');
    assert.ok(isAlive(unrelated.pid ?? 0), 'a PID whose command line does not name the dir is left alone');
    unrelated.kill('SIGKILL');
  });
});

// The harness's git server serves real repositories over git:// and smart HTTP (with basic
// auth when asked), so the GitOps tests clone through the same git CLI users run.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startGitServer, type GitServer } from './git-server.ts';

const run = promisify(execFile);
const git = async (args: string[], cwd?: string): Promise<string> =>
  (await run('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } })).stdout.trim();

describe('git server', { timeout: 60_000 }, () => {
  let server: GitServer;
  let work: string;
  let sha: string;
  before(async () => {
    server = await startGitServer({ basicAuth: { username: 'sluice', password: 's3cret' } });
    await server.createRepo('app');
    sha = await server.commit('app', { 'deploy/app.yaml': 'kind: ConfigMap\n' }, 'first');
    work = mkdtempSync(join(tmpdir(), 'sluice-git-test-'));
  });
  after(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('git:// clones the pushed commit', async () => {
    await git(['clone', '--quiet', '--depth=1', server.gitUrl('app'), join(work, 'daemon')]);
    assert.equal(await git(['rev-parse', 'HEAD'], join(work, 'daemon')), sha);
    assert.equal(readFileSync(join(work, 'daemon', 'deploy/app.yaml'), 'utf8'), 'kind: ConfigMap\n');
  });

  test('smart HTTP refuses without credentials and serves with them', async () => {
    const url = new URL(server.httpUrl('app'));
    await assert.rejects(git(['ls-remote', url.toString()]), /Authentication failed|could not read Username|401/);
    url.username = 'sluice';
    url.password = 's3cret';
    await git(['clone', '--quiet', '--depth=1', url.toString(), join(work, 'http')]);
    assert.equal(await git(['rev-parse', 'HEAD'], join(work, 'http')), sha);
  });

  test('a later commit, and a deletion, are seen by a fetch', async () => {
    const second = await server.commit('app', { 'deploy/app.yaml': null, 'deploy/other.yaml': 'x: 1\n' }, 'second');
    assert.notEqual(second, sha);
    const remote = await git(['ls-remote', server.gitUrl('app'), 'refs/heads/main']);
    assert.equal(remote.split(/\s/)[0], second);
  });
});

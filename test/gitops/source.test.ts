// The Git source against real git servers (file://, git daemon, smart HTTP with basic auth):
// revisions, caching, credentials that never leak, and inputs crafted to run something else.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeGitSource, validateSource, type FetchResult, type GitSource } from '../../src/gitops/source.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';

const PASSWORD = 'pa55-W0rd-7d1e';

const realGit = (): string => execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();

function ok(result: FetchResult): Extract<FetchResult, { ok: true }> {
  assert.ok(result.ok, result.ok ? '' : `${result.reason}: ${result.message}`);
  return result;
}

describe('git source', { timeout: 120_000 }, () => {
  let git: GitServer;
  let privateGit: GitServer;
  let dataDir: string;
  let source: GitSource;
  let sha1 = '';
  let tagged = '';

  before(async () => {
    git = await startGitServer();
    privateGit = await startGitServer({ basicAuth: { username: 'deploy', password: PASSWORD } });
    dataDir = mkdtempSync(join(tmpdir(), 'sluice-source-'));
    source = makeGitSource({ dataDir, timeoutMs: 20_000 });
    await git.createRepo('app');
    sha1 = await git.commit('app', { 'deploy/cm.yaml': 'kind: ConfigMap\n' }, 'one');
    tagged = await git.commit('app', { 'deploy/cm.yaml': 'kind: ConfigMap # two\n' }, 'two', 'release');
    await privateGit.createRepo('secret');
    await privateGit.commit('secret', { 'x.yaml': 'kind: ConfigMap\n' }, 'one');
  });
  after(async () => {
    await git?.stop();
    await privateGit?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('file://, git:// and http:// fetch the branch head; the checkout holds the tree at that commit', async () => {
    for (const url of [git.fileUrl('app'), git.gitUrl('app'), git.httpUrl('app')]) {
      const r = ok(await source.fetch({ repoURL: url, targetRevision: 'main', path: 'deploy' }));
      assert.equal(r.revision, sha1, url);
      assert.equal(readFileSync(join(r.pathDir, 'cm.yaml'), 'utf8'), 'kind: ConfigMap\n');
    }
  });

  test('branch, commit SHA and default HEAD; a new commit is a new revision; an unchanged branch reuses its checkout', async () => {
    const url = git.gitUrl('app');
    assert.equal(ok(await source.fetch({ repoURL: url, targetRevision: 'release' })).revision, tagged);
    assert.equal(ok(await source.fetch({ repoURL: url, targetRevision: sha1 })).revision, sha1);
    assert.equal(ok(await source.fetch({ repoURL: url })).revision, sha1, 'HEAD is the default branch, main');
    const first = ok(await source.fetch({ repoURL: url, targetRevision: 'main' }));
    const before = statSync(first.dir).mtimeMs;
    const again = ok(await source.fetch({ repoURL: url, targetRevision: 'main' }));
    assert.equal(again.dir, first.dir);
    assert.equal(statSync(again.dir).mtimeMs, before, 'the checkout was not rewritten');
    const sha3 = await git.commit('app', { 'deploy/cm.yaml': 'kind: ConfigMap # three\n' }, 'three');
    const moved = ok(await source.fetch({ repoURL: url, targetRevision: 'main' }));
    assert.equal(moved.revision, sha3);
    assert.notEqual(moved.dir, first.dir);
    await source.prune(url, [sha3]);
    assert.equal(existsSync(first.dir), false, 'older checkouts pruned');
    assert.equal(existsSync(moved.dir), true);
  });

  test('missing revision and path are reported as such', async () => {
    const missing = await source.fetch({ repoURL: git.gitUrl('app'), targetRevision: 'no-such-branch' });
    assert.equal(missing.ok ? '' : missing.reason, 'RevisionNotFound');
    const path = await source.fetch({ repoURL: git.gitUrl('app'), targetRevision: 'main', path: 'nowhere' });
    assert.equal(path.ok ? '' : path.reason, 'PathNotFound');
  });

  test('basic auth from credentials works; wrong or missing credentials fail without the password anywhere', async () => {
    const url = privateGit.httpUrl('secret');
    ok(await source.fetch({ repoURL: url }, { username: 'deploy', password: PASSWORD }));
    const wrong = await source.fetch({ repoURL: url }, { username: 'deploy', password: `${PASSWORD}-nope` });
    assert.equal(wrong.ok, false);
    assert.doesNotMatch(wrong.ok ? '' : wrong.message, new RegExp(PASSWORD));
    const none = await source.fetch({ repoURL: url });
    assert.equal(none.ok ? '' : none.reason, 'FetchFailed');
    // Nothing under the data dir holds the password (the askpass script reads it from the environment).
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
    for (const file of files(dataDir)) assert.ok(!readFileSync(file).includes(PASSWORD), `${file} holds the password`);
  });

  test('crafted inputs are refused before git runs, and run nothing', async () => {
    const marker = join(dataDir, 'pwned');
    const crafted = [
      { repoURL: `--upload-pack=touch ${marker}` },
      { repoURL: `ext::sh -c touch% ${marker}` },
      { repoURL: 'ext::sh' },
      { repoURL: '/etc' },
      { repoURL: 'git@example.com:org/repo.git' },
      { repoURL: `https://user:${PASSWORD}@example.com/repo.git` },
      { repoURL: git.gitUrl('app'), targetRevision: `--output=${marker}` },
      { repoURL: git.gitUrl('app'), targetRevision: 'main; rm -rf /' },
      { repoURL: git.gitUrl('app'), targetRevision: 'a..b' },
      { repoURL: git.gitUrl('app'), path: '../../etc' },
      { repoURL: git.gitUrl('app'), path: '/etc' },
    ];
    for (const spec of crafted) {
      const r = await source.fetch(spec);
      assert.equal(r.ok ? '' : r.reason, 'InvalidSource', JSON.stringify(spec));
      assert.equal(validateSource(spec) !== undefined, true);
      assert.doesNotMatch(r.ok ? '' : r.message, new RegExp(PASSWORD));
    }
    assert.equal(existsSync(marker), false, 'nothing was executed');
  });

  test('the password is in no argument of any git process (a recording git wrapper)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-git-wrapper-'));
    const log = join(dir, 'argv.log');
    const wrapper = join(dir, 'git');
    // The wrapper logs the arguments of every git process Sluice starts, then runs the real git.
    // (git's own helpers, such as git-remote-http, get the URL from git; credentials reach them
    // only through GIT_ASKPASS.)
    writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$0 $*" >> ${log}\nexec ${realGit()} "$@"\n`, { mode: 0o755 });
    const recorded = makeGitSource({ dataDir: join(dir, 'data'), gitBinary: wrapper });
    ok(await recorded.fetch({ repoURL: privateGit.httpUrl('secret') }, { username: 'deploy', password: PASSWORD }));
    const argv = readFileSync(log, 'utf8');
    assert.match(argv, /fetch/, 'the wrapper saw the fetch');
    assert.doesNotMatch(argv, new RegExp(PASSWORD));
    rmSync(dir, { recursive: true, force: true });
  });
});

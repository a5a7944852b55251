// The plugin's commands through the real kubectl (plugin discovery on PATH) against a real control
// plane with the controller running: what each command prints, its exit code, and that the
// controller acted on what it recorded.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readApplication, type App } from '../gitops/fixtures.ts';
import { createNamespace } from '../harness/fixtures.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { binary, repoRoot } from '../harness/paths.ts';
import { applyYaml, hostSplitNetwork, hostSplitRollout, readRollout, replicaSet, vsWeights, waitForRollout } from '../rollout/fixtures.ts';
import { startRolloutSuite, type RolloutSuite } from '../rollout/suite.ts';

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('kubectl sluice: commands on live rollouts', { timeout: 300_000 }, () => {
  let suite: RolloutSuite;
  let git: GitServer;
  const bin = mkdtempSync(join(tmpdir(), 'sluice-plugin-bin-'));
  symlinkSync(join(repoRoot, 'src/cli/kubectl-sluice.ts'), join(bin, 'kubectl-sluice'));
  symlinkSync(join(repoRoot, 'src/cli/kubectl_complete-sluice.ts'), join(bin, 'kubectl_complete-sluice'));
  before(async () => {
    git = await startGitServer();
    suite = await startRolloutSuite();
    await suite.startController('sluice-controller', ['--data-dir', mkdtempSync(join(tmpdir(), 'sluice-data-'))]);
  });
  after(async () => {
    await suite?.stop();
    await git?.stop();
  });

  /** `kubectl sluice …` as a user runs it: the real kubectl, the plugin found on PATH. */
  const pluginEnv = (kubeconfig: string): NodeJS.ProcessEnv => ({ ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, KUBECONFIG: kubeconfig, NO_COLOR: '' });

  async function sluice(args: readonly string[], kubeconfig = suite.cluster.kubeconfigPath): Promise<Result> {
    const env = pluginEnv(kubeconfig);
    return new Promise((resolve) => {
      execFile(binary('kubectl'), ['sluice', ...args], { env }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
      });
    });
  }

  async function rolloutIn(prefix: string, steps: string): Promise<string> {
    const ns = await createNamespace(suite.cluster, prefix);
    await applyYaml(suite.cluster, ns, `${hostSplitNetwork()}---\n${hostSplitRollout({ replicas: 1, steps })}`);
    await waitForRollout(suite.cluster, ns, 'Healthy', (r) => r.status?.phase === 'Healthy');
    return ns;
  }

  test('set image, get rollout (tree), list, promote step by step, status exit 0; errors are one line', async () => {
    const { cluster } = suite;
    const ns = await rolloutIn('cli', '      - setWeight: 20\n      - pause: {}\n      - setWeight: 60\n      - pause: {}\n');
    const versions = await sluice(['version']);
    assert.match(versions.stdout, /^kubectl-sluice \d+\.\d+\.\d+\ncontroller \d+\.\d+\.\d+ \(leader: \S+\)\n$/u, 'the leader’s version from its Lease');
    const nothing = await sluice(['promote', 'web', '-n', ns]);
    assert.deepEqual([nothing.code, nothing.stdout], [0, 'rollout "web" is Healthy: nothing to promote\n']);

    const set = await sluice(['set', 'image', 'web', 'web=registry.invalid/web:v2', '-n', ns]);
    assert.deepEqual([set.code, set.stdout], [0, 'rollout "web" container "web" set to registry.invalid/web:v2\n']);
    await waitForRollout(cluster, ns, 'Paused at 20%', (r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 1);

    const got = await sluice(['get', 'rollout', 'web', '-n', ns]);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, /^Status: {10}॥ Paused$/mu);
    assert.match(got.stdout, /^ {2}Step: {10}1\/4$/mu);
    assert.match(got.stdout, /^ {2}ActualWeight: {2}20$/mu, 'read from the VirtualService');
    assert.match(got.stdout, /registry\.invalid\/web:v1 \(stable\)/u);
    assert.match(got.stdout, /registry\.invalid\/web:v2 \(canary\)/u);
    assert.match(got.stdout, /# revision:2\n│ {3}└──⧉ web-\w+ +ReplicaSet .* canary/u);
    assert.match(got.stdout, /□ web-\w+-\w+ +Pod +✔ Running/u);
    assert.doesNotMatch(got.stdout, /\u001b\[/u, 'no colour when not on a terminal');
    const yaml = await sluice(['get', 'rollout', 'web', '-n', ns, '-o', 'yaml']);
    assert.match(yaml.stdout, /^kind: Rollout$/mu);

    const listed = await sluice(['list', 'rollouts', '-n', ns]);
    assert.match(listed.stdout, /^NAME +STATUS +STEP +SET-WEIGHT +ACTUAL-WEIGHT +AGE\nweb +Paused +1\/4 +20 +20 +\d+s\n$/u);

    // get --watch redraws from its watches as the promotion goes through, and stops on Ctrl-C.
    const watcher = spawn(binary('kubectl'), ['sluice', 'get', 'rollout', 'web', '-n', ns, '--watch'], { env: pluginEnv(suite.cluster.kubeconfigPath) });
    let views = '';
    watcher.stdout.on('data', (chunk: Buffer) => (views += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => watcher.on('exit', (code) => resolve(code)));
    await cluster.waitFor('the first view', () => views.includes('  Step:          1/4'), { timeoutMs: 20_000, intervalMs: 50 });
    const promoted = await sluice(['promote', 'web', '-n', ns]);
    assert.deepEqual([promoted.code, promoted.stdout], [0, 'rollout "web" promoted: step 2/4 ends\n']);
    await waitForRollout(cluster, ns, 'Paused at 60%', (r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 3);
    await cluster.waitFor('a redraw at step 3/4, 60%', () => views.includes('  Step:          3/4\n  SetWeight:     60\n  ActualWeight:  60'), { timeoutMs: 20_000, intervalMs: 50 });
    assert.ok(views.split('Name:            web').length - 1 >= 2, 'at least two views');
    watcher.kill('SIGINT');
    assert.equal(await exited, 0, 'Ctrl-C ends it cleanly');
    assert.deepEqual(await vsWeights(cluster, ns), [40, 60], 'one promote moved exactly one pause');

    // status waits through the pause (printing it) and exits 0 once Healthy.
    const waiting = sluice(['status', 'web', '-n', ns, '--timeout', '60s']);
    const full = await sluice(['promote', 'web', '--full', '-n', ns]);
    assert.equal(full.stdout, 'rollout "web" fully promoted: the remaining steps are skipped\n');
    const status = await waiting;
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.match(status.stdout, /^Healthy/mu);
    assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);

    const missing = await sluice(['promote', 'nope', '-n', ns]);
    assert.deepEqual([missing.code, missing.stderr], [1, `error: rollout "nope" not found in namespace "${ns}"\n`]);
    const once = await sluice(['status', 'web', '-n', ns, '--watch=false']);
    assert.deepEqual([once.code, once.stdout.trim().split(' ')[0]], [0, 'Healthy']);
  });

  test('abort: Degraded and status exits 1; retry starts again; pause and resume; restart', async () => {
    const { cluster } = suite;
    const ns = await rolloutIn('abort', '      - setWeight: 30\n      - pause: {}\n');
    await sluice(['set', 'image', 'web', 'web=registry.invalid/web:v2', '-n', ns]);
    await waitForRollout(cluster, ns, 'Paused', (r) => r.status?.phase === 'Paused');
    const aborted = await sluice(['abort', 'web', '-n', ns]);
    assert.deepEqual([aborted.code, aborted.stdout], [0, 'rollout "web" aborted\n']);
    const degraded = await sluice(['status', 'web', '-n', ns, '--timeout', '30s']);
    assert.equal(degraded.code, 1);
    assert.match(degraded.stdout, /^Degraded/mu);
    assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);
    assert.equal((await sluice(['status', 'web', '-n', ns, '--watch=false'])).code, 1);

    const retried = await sluice(['retry', 'web', '-n', ns]);
    assert.equal(retried.stdout, 'rollout "web" retried from its first step\n');
    await waitForRollout(cluster, ns, 'Paused again at 30%', (r) => r.status?.phase === 'Paused' && r.status.currentStepIndex === 1);

    assert.equal((await sluice(['pause', 'web', '-n', ns])).stdout, 'rollout "web" paused\n');
    assert.equal((await readRollout(cluster, ns) as unknown as { spec: { paused?: boolean } }).spec.paused, true);
    assert.equal((await sluice(['resume', 'web', '-n', ns])).stdout, 'rollout "web" resumed\n');
    assert.equal((await readRollout(cluster, ns) as unknown as { spec: { paused?: boolean } }).spec.paused, false);

    const restart = await sluice(['restart', 'web', '-n', ns]);
    assert.match(restart.stdout, /^rollout "web" restarts its pods at \d{4}-\d\d-\d\dT/u);
    assert.match((await readRollout(cluster, ns) as unknown as { spec: { restartAt?: string } }).spec.restartAt ?? '', /^\d{4}-/u);
  });

  test('undo sets the template back to the previous revision’s: a new revision from the old template; a missing revision is a one-line error', async () => {
    const { cluster } = suite;
    const ns = await rolloutIn('undo', '      - setWeight: 20\n      - pause: {}\n');
    const v1 = (await readRollout(cluster, ns)).status?.stableRS;
    await sluice(['set', 'image', 'web', 'web=registry.invalid/web:v2', '-n', ns]);
    await waitForRollout(cluster, ns, 'Paused', (r) => r.status?.phase === 'Paused');
    await sluice(['promote', 'web', '--full', '-n', ns]);
    const healthy = await waitForRollout(cluster, ns, 'Healthy on v2', (r) => r.status?.phase === 'Healthy' && r.status.stableRS !== v1);
    const undone = await sluice(['undo', 'web', '-n', ns]);
    assert.deepEqual([undone.code, undone.stdout], [0, `rollout "web" set back to the template of revision 1 (${v1 ?? ''})\n`]);
    await waitForRollout(cluster, ns, 'a new rollout of v1’s template, paused at 20%', (r) => r.status?.phase === 'Paused' && r.status.currentPodHash === v1 && r.status.stableRS === healthy.status?.stableRS);
    const image = (await readRollout(cluster, ns) as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]?.image;
    assert.equal(image, 'registry.invalid/web:v1');
    await cluster.waitFor('v1’s ReplicaSet at revision 3', async () => (await replicaSet(cluster, ns, v1 ?? '')).annotations['sluice.dev/revision'] === '3', { timeoutMs: 20_000 });
    const missing = await sluice(['undo', 'web', '--to-revision', '9', '-n', ns]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: revision 9 not found \(the rollout has 3, 2 revisions\)\n$/u);

    // A Rollout synced from Git by an Application with selfHeal: the change is made, with a warning.
    await applyYaml(cluster, ns, 'apiVersion: sluice.dev/v1alpha1\nkind: Application\nmetadata:\n  name: shop\nspec:\n  source: {repoURL: "file:///nonexistent/repo.git"}\n  suspend: true\n  syncPolicy:\n    automated: {selfHeal: true}\n');
    await cluster.kubectl(['-n', ns, 'annotate', 'rollout', 'web', `sluice.dev/application=${ns}/shop`]);
    const warned = await sluice(['set', 'image', 'web', 'web=registry.invalid/web:v3', '-n', ns]);
    assert.equal(warned.code, 0);
    assert.match(warned.stderr, new RegExp(`^warning: rollout "web" is synced from Git by Application ${ns}/shop with selfHeal: its next sync puts the spec back\\.`, 'u'));
    assert.equal(warned.stdout, 'rollout "web" container "web" set to registry.invalid/web:v3\n');
  });

  test('app: list, diff (exit 1, then 0), sync and wait, history, get, suspend and resume, rollback to the last healthy commit; diff exit 2 when it cannot compare', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'apps');
    await git.createRepo('shop');
    const cm = (value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "${value}"\n`;
    const sha1 = await git.commit('shop', { 'app/cm.yaml': cm('one') }, 'one');
    // Manual: nothing is applied until `app sync`.
    await applyYaml(cluster, ns, `apiVersion: sluice.dev/v1alpha1\nkind: Application\nmetadata:\n  name: shop\nspec:\n  source: {repoURL: "${git.gitUrl('shop')}", targetRevision: main, path: app}\n  syncPolicy: {interval: 1s}\n`);
    await cluster.waitFor('the first compare', async () => (await sluice(['app', 'list', '-n', ns])).stdout.includes(sha1.slice(0, 7)), { timeoutMs: 30_000 });
    const listed = await sluice(['app', 'list', '-n', ns]);
    assert.match(listed.stdout, new RegExp(`^NAME +SYNC +HEALTH +REVISION +LAST-HEALTHY +AGE\nshop +OutOfSync +Missing +${sha1.slice(0, 7)} +- +\\d+s\n$`, 'u'));
    const differs = await sluice(['app', 'diff', 'shop', '-n', ns]);
    assert.deepEqual([differs.code, differs.stdout], [1, `revision ${sha1.slice(0, 7)} is not applied yet (last applied: -)\n`]);

    const synced = await sluice(['app', 'sync', 'shop', '-n', ns]);
    assert.equal(synced.code, 0, synced.stdout + synced.stderr);
    assert.match(synced.stdout, new RegExp(`^application "shop": Synced at ${sha1.slice(0, 7)}, health \\w+ \\(applied 1 objects\\)\n$`, 'u'));
    assert.equal((await cluster.clients.core.readNamespacedConfigMap({ namespace: ns, name: 'settings' })).data?.value, 'one');
    const inSync = await sluice(['app', 'diff', 'shop', '-n', ns]);
    assert.deepEqual([inSync.code, inSync.stdout], [0, `Application shop is in sync with ${sha1.slice(0, 7)}.\n`]);
    await cluster.waitFor('the last healthy revision', async () => (await sluice(['app', 'get', 'shop', '-n', ns])).stdout.includes(`Last healthy:     ${sha1.slice(0, 7)}`), { timeoutMs: 30_000 });
    const got = await sluice(['app', 'get', 'shop', '-n', ns]);
    assert.match(got.stdout, /^KIND +NAMESPACE +NAME +SYNC +HEALTH/mu);
    assert.match(got.stdout, new RegExp(`^ConfigMap +${ns} +settings +Synced +Healthy$`, 'mu'));

    const sha2 = await git.commit('shop', { 'app/cm.yaml': cm('two') }, 'two');
    const second = await sluice(['app', 'sync', 'shop', '-n', ns]);
    assert.equal(second.code, 0, `${second.stdout}${second.stderr}\nstatus: ${JSON.stringify((await readAppObject(ns, 'shop')).status)}`);
    const history = await sluice(['app', 'history', 'shop', '-n', ns]);
    const rows = history.stdout.trim().split('\n');
    assert.match(rows[0] ?? '', /^ID +REVISION +DEPLOYED +RESULT +HEALTH +ROLLOUTS +MESSAGE$/u);
    assert.match(rows[1] ?? '', new RegExp(`^2 +${sha2} +\\S+ +Succeeded`, 'u'));
    assert.match(rows[2] ?? '', new RegExp(`^1 +${sha1} +\\S+ +Succeeded +Healthy +Healthy`, 'u'));

    assert.equal((await sluice(['app', 'suspend', 'shop', '-n', ns])).stdout, 'application "shop" suspended: no syncs until resumed\n');
    assert.equal((await readAppObject(ns, 'shop')).spec.suspend, true);
    assert.equal((await sluice(['app', 'resume', 'shop', '-n', ns])).stdout, 'application "shop" resumed\n');

    await cluster.waitFor(`${sha2} healthy`, async () => (await readAppObject(ns, 'shop')).status?.lastHealthyRevision === sha2, { timeoutMs: 30_000 });
    const rollback = await sluice(['app', 'rollback', 'shop', '--to-revision', sha1, '-n', ns]);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.match(rollback.stdout, new RegExp(`^application "shop" pinned to ${sha1.slice(0, 7)} \\(was main\\); to follow main again: kubectl patch application shop -n ${ns} --type merge -p '\\{"spec":\\{"source":\\{"targetRevision":"main"\\}\\}\\}'\n$`, 'u'));
    assert.equal((await readAppObject(ns, 'shop')).spec.source.targetRevision, sha1);
    assert.equal((await sluice(['app', 'sync', 'shop', '-n', ns])).code, 0);
    assert.equal((await cluster.clients.core.readNamespacedConfigMap({ namespace: ns, name: 'settings' })).data?.value, 'one', 'back on the pinned commit');

    await applyYaml(cluster, ns, 'apiVersion: sluice.dev/v1alpha1\nkind: Application\nmetadata:\n  name: broken\nspec:\n  source: {repoURL: "file:///nonexistent/repo.git"}\n  syncPolicy: {interval: 1s}\n');
    await cluster.waitFor('broken compared', async () => (await readAppObject(ns, 'broken')).status?.sync?.status === 'Unknown', { timeoutMs: 30_000 });
    const unknown = await sluice(['app', 'diff', 'broken', '-n', ns]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^error: application "broken" could not be compared: /u);
    const missing = await sluice(['app', 'get', 'nope', '-n', ns]);
    assert.deepEqual([missing.code, missing.stderr], [1, `error: application "nope" not found in namespace "${ns}"\n`]);
  });

  const readAppObject = (ns: string, name: string): Promise<App> => readApplication(suite.cluster, ns, name);

  test('lint: exit 0 on good manifests, 1 with file:line on broken ones, from a file or stdin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-lint-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, `${hostSplitNetwork()}---\n${hostSplitRollout({ steps: '      - setWeight: 20\n      - pause: {}\n' })}`);
    const ok = await sluice(['lint', '-f', good, '-f', join(repoRoot, 'analysis-templates/error-rate.yaml')]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const broken = join(dir, 'broken.yaml');
    const text = `${hostSplitNetwork()}---\n${hostSplitRollout({ steps: '      - setWeight: 20\n      - setWeight: 101\n' }).replace('canaryService: web-canary', 'canaryService: web-preview')}`;
    writeFileSync(broken, text);
    const lines = text.split('\n');
    const lineOf = (needle: string): number => lines.findIndex((l) => l.includes(needle)) + 1;
    const bad = await sluice(['lint', '-f', broken]);
    assert.equal(bad.code, 1);
    assert.deepEqual(bad.stdout.trim().split('\n').map((l) => l.split(': ')[0]), [`${broken}:${lineOf('web-preview')}`, `${broken}:${lineOf('setWeight: 101')}`]);
    const piped = await new Promise<Result>((resolve) => {
      const child = execFile(binary('kubectl'), ['sluice', 'lint', '-f', '-'], { env: pluginEnv(suite.cluster.kubeconfigPath) }, (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }));
      child.stdin?.end(text);
    });
    assert.equal(piped.code, 1);
    assert.match(piped.stdout, new RegExp(`^<stdin>:${lineOf('setWeight: 101')}: Rollout/web: spec\\.strategy\\.canary\\.steps\\[1\\]\\.setWeight: `, 'mu'));
  });

  test('kubectl sluice <TAB>: kubectl runs kubectl_complete-sluice; commands, then rollout names of the namespace', async () => {
    const ns = await rolloutIn('complete', '      - setWeight: 20\n      - pause: {}\n');
    const complete = async (words: readonly string[]): Promise<string> => new Promise((resolve, reject) => {
      execFile(binary('kubectl'), ['__complete', 'sluice', ...words], { env: pluginEnv(suite.cluster.kubeconfigPath) }, (error, stdout) => (error === null ? resolve(stdout) : reject(new Error(error.message))));
    });
    assert.equal(await complete(['pro']), 'promote\n:4\n');
    assert.equal(await complete(['promote', '-n', ns, 'w']), 'web\n:4\n');
    assert.equal(await complete(['get', 'rollout', '-n', ns, '']), 'web\n:4\n');
  });

  test('a read-only user gets the API server’s "forbidden" on promote, in one line, exit 1', async () => {
    const { cluster } = suite;
    const ns = await rolloutIn('readonly', '      - setWeight: 30\n      - pause: {}\n');
    const user = await cluster.userKubeconfig('viewer');
    await applyYaml(cluster, ns, `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: rollouts-viewer
rules:
- apiGroups: [sluice.dev]
  resources: [rollouts]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: viewer
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: rollouts-viewer}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: viewer}
`);
    await sluice(['set', 'image', 'web', 'web=registry.invalid/web:v2', '-n', ns]);
    await waitForRollout(cluster, ns, 'Paused', (r) => r.status?.phase === 'Paused');
    const denied = await sluice(['promote', 'web', '-n', ns], user.kubeconfigPath);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /^error: rollouts\.sluice\.dev "web" is forbidden: User "viewer" cannot patch resource "rollouts\/status"/u);
    assert.equal(denied.stderr.trim().split('\n').length, 1, 'one line, no stack');
    assert.equal((await readRollout(cluster, ns)).status?.phase, 'Paused', 'nothing changed');
  });
});

// End to end: the sync engine and the rollout controller as one system (issue 8) — autoscaled
// replicas, the last healthy revision, automatic revert, `git revert` by the fast track, an
// imperative change healed, sync waves, dependsOn and the Git webhook. Real control plane (with
// the HPA controller), real git, the controller as shipped.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '../../src/kube/object.ts';
import { makeInformer } from '../../src/kube/informer.ts';
import { silentLogger } from '../../src/kube/logger.ts';
import { mergePatchObject } from '../../src/kube/patch.ts';
import { createNamespace } from '../harness/fixtures.ts';
import { applyApplication, readApplication, syncedAt, waitForApplication, type App } from './fixtures.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { hostSplitNetwork, hostSplitRollout, readRollout, replicaSet, setImage, vsWeights, waitForRollout, type RolloutState } from '../rollout/fixtures.ts';
import { startRolloutSuite, type Controller, type RolloutSuite } from '../rollout/suite.ts';

type RolloutStatus = RolloutState & { status?: { abort?: boolean; stableGitRevision?: string; canaryGitRevision?: string; rolledBackTo?: { podTemplateHash: string; gitRevision?: string } } };

const WEBHOOK_SECRET = 'hook-s3cret-8d1e';

describe('gitops + rollouts: one system', { timeout: 600_000 }, () => {
  let suite: RolloutSuite;
  let git: GitServer;
  let controller: Controller;
  let metrics: Server;
  let errorRate = 0;
  before(async () => {
    // What the canary analysis measures: the error rate the test sets.
    metrics = createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ rate: errorRate })));
    await new Promise<void>((resolve) => metrics.listen(0, '127.0.0.1', resolve));
    git = await startGitServer();
    suite = await startRolloutSuite();
    await suite.cluster.kubectl(['-n', 'sluice-system', 'create', 'secret', 'generic', 'git-webhook', `--from-literal=secret=${WEBHOOK_SECRET}`]);
    controller = await suite.startController('sluice-controller', ['--data-dir', mkdtempSync(join(tmpdir(), 'sluice-data-')), '--webhook-secret', 'sluice-system/git-webhook']);
  });
  after(async () => {
    metrics?.closeAllConnections();
    metrics?.close();
    await suite?.stop();
    await git?.stop();
  });

  const application = (ns: string, name: string, repoURL: string, policy: string, extraSpec = '', interval = '1s'): Promise<void> =>
    applyApplication(suite.cluster, ns, name, repoURL, { policy, extraSpec, interval });
  const app = (ns: string, name: string): Promise<App> => readApplication(suite.cluster, ns, name);
  const waitApp = (ns: string, name: string, what: string, check: (a: App) => boolean, timeoutMs?: number): Promise<App> => waitForApplication(suite.cluster, ns, name, what, check, timeoutMs);
  const synced = syncedAt;

  async function analysisRuns(ns: string): Promise<number> {
    const list = await suite.cluster.clients.request<{ items: unknown[] }>({ method: 'GET', path: `/apis/sluice.dev/v1alpha1/namespaces/${ns}/analysisruns` });
    return list.items.length;
  }

  const template = (port: number): string => `apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata:
  name: error-rate
spec:
  metrics:
  - name: error-rate
    successCondition: result < 0.05
    provider:
      web:
        url: http://127.0.0.1:${port}/rate
        jsonPath: "{$.rate}"
        timeoutSeconds: 2
`;
  const steps = '      - setWeight: 20\n      - analysis:\n          templates:\n          - templateName: error-rate\n';

  test('an HPA-targeted Rollout keeps the replicas the autoscaler set through every sync', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'hpa');
    await git.createRepo('hpa');
    const hpa = 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef: {apiVersion: sluice.dev/v1alpha1, kind: Rollout, name: web}\n  minReplicas: 3\n  maxReplicas: 5\n';
    const rollout = hostSplitRollout({ replicas: 1, steps: '      - setWeight: 20\n      - pause: {}\n' });
    await git.commit('hpa', { 'app/network.yaml': hostSplitNetwork(), 'app/rollout.yaml': rollout, 'app/hpa.yaml': hpa }, 'v1 with an HPA');
    await application(ns, 'hpa', git.gitUrl('hpa'), '    automated: {prune: true, selfHeal: true}\n');
    // The HPA controller raises the Rollout (through its scale subresource) to minReplicas.
    await waitForRollout(cluster, ns, 'scaled to 3 by the HPA', (r) => (r as unknown as { spec: { replicas: number } }).spec.replicas === 3 && r.status?.phase === 'Healthy', 'web', 90_000);
    // Every value spec.replicas takes from here on, as a watch sees it.
    const seen: number[] = [];
    const watch = makeInformer<KubeObject & { spec: { replicas: number } }>(cluster.clients, { path: `/apis/sluice.dev/v1alpha1/namespaces/${ns}/rollouts`, logger: silentLogger }, {
      onUpdate: (_, r) => void seen.push(r.spec.replicas),
    });
    await watch.start();
    const sha2 = await git.commit('hpa', { 'app/network.yaml': hostSplitNetwork().replace('    retries:\n', '    timeout: 5s\n    retries:\n') }, 'a new commit: a full sync');
    await waitApp(ns, 'hpa', `Synced at ${sha2}`, synced(sha2));
    // Three more intervals: the sync engine never writes replicas back to 1 (which the HPA would
    // then undo within its 2 s period: the watch would see 1, then 3).
    const until = Date.now() + 3_500;
    await cluster.waitFor('three intervals', () => Date.now() > until, { timeoutMs: 20_000, intervalMs: 250 });
    watch.stop();
    assert.ok(seen.length > 0, 'the sync of the new commit updated the Rollout');
    assert.deepEqual([...new Set(seen)], [3], 'spec.replicas stayed at the HPA’s 3 through every update');
    const a = await app(ns, 'hpa');
    assert.equal(a.status?.resources?.find((r) => r.kind === 'Rollout')?.status, 'Synced', 'the live replica count is not drift');
  });

  test('webhook: a correctly signed push starts a sync at once; a bad signature gets 401 and changes nothing', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'hook');
    await git.createRepo('hook');
    const cm = (v: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "${v}"\n`;
    const sha1 = await git.commit('hook', { 'app/cm.yaml': cm('one') }, 'one');
    // An hour between polls: only the webhook can make it see the next commit in time.
    await application(ns, 'hook', git.gitUrl('hook'), '    automated: {prune: true}\n', '', '1h');
    await waitApp(ns, 'hook', `Synced at ${sha1}`, synced(sha1));
    const body = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: git.gitUrl('hook') } });
    const post = async (signature: string): Promise<{ status: number; text: string }> => {
      const res = await fetch(`http://127.0.0.1:${controller.port}/webhook/git`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature }, body });
      return { status: res.status, text: await res.text() };
    };
    // A bad signature, before there is anything new in Git (the reconciles that follow a sync
    // fetch too, so a commit made now could be seen without any webhook): no annotation, no sync.
    const bad = await post(`sha256=${createHmac('sha256', 'wrong-secret').update(body).digest('hex')}`);
    assert.equal(bad.status, 401);
    const untouched = await app(ns, 'hook');
    assert.equal(untouched.metadata.annotations?.['sluice.dev/reconcile-requested-at'], undefined, 'no annotation set');
    assert.equal(untouched.status?.sync?.revision, sha1);
    const sha2 = await git.commit('hook', { 'app/cm.yaml': cm('two') }, 'two');
    const started = Date.now();
    const good = await post(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`);
    assert.equal(good.status, 202, good.text);
    assert.match(good.text, /1 application/u);
    // Synced at the new commit and the webhook's request handled, within 2 s of the push.
    const handledPush = (a: App): boolean => a.status?.lastHandledReconcileAt !== undefined && a.status.lastHandledReconcileAt === a.metadata.annotations?.['sluice.dev/reconcile-requested-at'];
    await waitApp(ns, 'hook', `Synced at ${sha2} and the push handled within 2 s`, (a) => synced(sha2)(a) && handledPush(a), 5_000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2_000, `synced ${elapsed} ms after the push`);
    const settings = await cluster.clients.core.readNamespacedConfigMap({ namespace: ns, name: 'settings' });
    assert.equal(settings.data?.value, 'two');
    // The same push again, nothing new in Git: the reconcile runs (and says so) but writes no object.
    const from = Date.now();
    assert.equal((await post(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`)).status, 202);
    const handled = await waitApp(ns, 'hook', 'the repeated push handled', (a) => a.status?.lastHandledReconcileAt !== undefined && a.status.lastHandledReconcileAt === a.metadata.annotations?.['sluice.dev/reconcile-requested-at'] && Date.parse(a.status.lastHandledReconcileAt) >= from - 1_000);
    assert.equal(handled.status?.sync?.revision, sha2);
    const to = Date.now();
    await cluster.waitFor('the audit batch', () => Date.now() > to + 1_500, { timeoutMs: 10_000, intervalMs: 250 });
    const writes = cluster.auditEvents().filter((e) => {
      const at = Date.parse(e.requestReceivedTimestamp);
      return e.stage === 'ResponseComplete' && at >= from && at <= to && e.objectRef?.namespace === ns && e.objectRef.resource !== 'applications' && !['get', 'list', 'watch'].includes(e.verb);
    });
    const final = await app(ns, 'hook');
    assert.deepEqual(
      writes.map((e) => `${e.verb} ${e.objectRef?.resource ?? ''}`),
      [],
      `an unchanged commit costs no object writes; window ${new Date(from).toISOString()}..${new Date(to).toISOString()}: ${writes.map((e) => `${e.requestReceivedTimestamp} ${e.requestURI}`).join(', ')}; status ${JSON.stringify({ op: final.status?.operationState, history: final.status?.history, handled: final.status?.lastHandledReconcileAt })}`,
    );
  });

  test('an analysis-aborted rollout: not restarted by self-heal, last healthy revision kept and named; the next commit starts afresh; `git revert` is immediate; autoRevert pins to the last healthy commit', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'revert');
    await git.createRepo('revert');
    const port = (metrics.address() as AddressInfo).port;
    const rollout = (image: string): string => hostSplitRollout({ replicas: 1, image, steps });
    errorRate = 0;
    const sha1 = await git.commit('revert', { 'app/network.yaml': hostSplitNetwork(), 'app/template.yaml': template(port), 'app/rollout.yaml': rollout('registry.invalid/web:v1') }, 'v1');
    await application(ns, 'revert', git.gitUrl('revert'), '    automated: {prune: true, selfHeal: true}\n');
    await waitApp(ns, 'revert', 'Healthy on v1, the last healthy revision', (a) => synced(sha1)(a) && a.status?.lastHealthyRevision === sha1);
    const v1 = (await readRollout(cluster, ns)).status?.stableRS;

    // v2 fails its analysis: aborted, traffic back on v1, whose commit the Rollout names.
    errorRate = 0.5;
    const sha2 = await git.commit('revert', { 'app/rollout.yaml': rollout('registry.invalid/web:v2') }, 'v2 (bad)');
    const aborted = (await waitForRollout(cluster, ns, 'aborted by analysis', (r) => (r as RolloutStatus).status?.abort === true && r.status?.phase === 'Degraded')) as RolloutStatus;
    assert.equal(aborted.status?.rolledBackTo?.gitRevision, sha1, 'the Rollout names the commit traffic went back to');
    assert.equal(aborted.status?.stableGitRevision, sha1);
    assert.equal(aborted.status?.canaryGitRevision, sha2);
    const afterAbort = await waitApp(ns, 'revert', `${sha2} recorded as Aborted`, (a) => a.status?.history?.at(-1)?.revision === sha2 && a.status.history.at(-1)?.outcome === 'Aborted');
    assert.equal(afterAbort.status?.lastHealthyRevision, sha1);
    assert.equal(afterAbort.status?.sync?.status, 'Synced', 'the aborted spec is what Git says: no drift');
    // Self-heal leaves it aborted: three intervals, no new AnalysisRun, still aborted.
    const runs = await analysisRuns(ns);
    const until = Date.now() + 3_500;
    await cluster.waitFor('three intervals', () => Date.now() > until, { timeoutMs: 10_000, intervalMs: 250 });
    assert.equal((await readRollout(cluster, ns) as RolloutStatus).status?.abort, true);
    assert.equal(await analysisRuns(ns), runs, 'not restarted');
    assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);

    // The next commit starts a fresh rollout, which passes.
    errorRate = 0;
    const sha3 = await git.commit('revert', { 'app/rollout.yaml': rollout('registry.invalid/web:v3') }, 'v3 (good)');
    await waitApp(ns, 'revert', `${sha3} Healthy and the last healthy revision`, (a) => synced(sha3)(a) && a.status?.lastHealthyRevision === sha3, 90_000);
    const v3 = (await readRollout(cluster, ns)).status?.stableRS;
    assert.notEqual(v3, v1);
    assert.equal(await analysisRuns(ns), runs + 1, 'v3 ran its analysis');

    // v4 is bad; `git revert` of it is v3's tree again: Healthy at once, no steps, no analysis.
    errorRate = 0.5;
    const sha4 = await git.commit('revert', { 'app/rollout.yaml': rollout('registry.invalid/web:v4') }, 'v4 (bad)');
    await waitApp(ns, 'revert', `${sha4} Aborted`, (a) => a.status?.history?.at(-1)?.revision === sha4 && a.status.history.at(-1)?.outcome === 'Aborted', 90_000);
    const runsBeforeRevert = await analysisRuns(ns);
    const sha5 = await git.revert('revert', sha4);
    const reverted = (await waitForRollout(cluster, ns, 'Healthy on v3 again', (r) => r.status?.phase === 'Healthy' && r.status.stableRS === v3)) as RolloutStatus;
    assert.equal((await replicaSet(cluster, ns, v3 ?? '')).annotations['sluice.dev/git-revision'], sha3, 'the stable ReplicaSet is still v3’s, from its commit');
    assert.ok(reverted.status?.currentStepIndex !== undefined);
    assert.equal(await analysisRuns(ns), runsBeforeRevert, 'the fast track runs no analysis');
    await waitApp(ns, 'revert', `${sha5} Healthy`, (a) => synced(sha5)(a) && a.status?.lastHealthyRevision === sha5);

    // autoRevert: the next bad commit is aborted, and the Application pins itself to sha5.
    await mergePatchObject(cluster.clients, { apiVersion: 'sluice.dev/v1alpha1', kind: 'Application', namespace: ns, name: 'revert' }, { spec: { syncPolicy: { autoRevert: true } } }, { fieldManager: 'test-user' });
    const sha6 = await git.commit('revert', { 'app/rollout.yaml': rollout('registry.invalid/web:v6') }, 'v6 (bad)');
    const pinned = await waitApp(ns, 'revert', `pinned to ${sha5} after ${sha6} was aborted`, (a) => a.status?.autoRevert?.revision === sha5 && synced(sha5)(a), 90_000);
    assert.equal(pinned.status?.autoRevert?.abortedRevision, sha6);
    const condition = pinned.status?.conditions?.find((c) => c.type === 'AutoReverted');
    assert.equal(condition?.status, 'True');
    assert.match(condition?.message ?? '', new RegExp(`${sha6.slice(0, 7)}.*${sha5.slice(0, 7)}`, 'u'));
    await waitForRollout(cluster, ns, 'back on v3 (sha5’s template), Healthy', (r) => r.status?.phase === 'Healthy' && r.status.stableRS === v3 && r.status.currentPodHash === v3);
    // A newer commit unpins.
    errorRate = 0;
    const sha7 = await git.commit('revert', { 'app/rollout.yaml': rollout('registry.invalid/web:v7') }, 'v7 (good)');
    const unpinned = await waitApp(ns, 'revert', `${sha7} Healthy, unpinned`, (a) => synced(sha7)(a) && a.status?.lastHealthyRevision === sha7, 90_000);
    assert.equal(unpinned.status?.autoRevert, undefined);
    assert.equal(unpinned.status?.conditions?.find((c) => c.type === 'AutoReverted')?.status, 'False');
  });

  test('an imperative image change on a Git-managed Rollout: reverted by self-heal (back to stable by the fast track); left alone, and OutOfSync, without it', async () => {
    const { cluster } = suite;
    for (const selfHeal of [true, false]) {
      const ns = await createNamespace(cluster, selfHeal ? 'heal' : 'noheal');
      const repo = `imperative-${selfHeal}`;
      await git.createRepo(repo);
      const sha = await git.commit(repo, { 'app/network.yaml': hostSplitNetwork(), 'app/rollout.yaml': hostSplitRollout({ replicas: 1, steps: '      - setWeight: 20\n      - pause: {}\n' }) }, 'v1');
      await application(ns, 'web', git.gitUrl(repo), `    automated: {prune: true, selfHeal: ${selfHeal}}\n`);
      await waitApp(ns, 'web', 'Synced and Healthy', (a) => synced(sha)(a) && a.status?.health?.status === 'Healthy');
      const stable = (await readRollout(cluster, ns)).status?.stableRS;
      await setImage(cluster, ns, 'registry.invalid/web:hotfix');
      if (selfHeal) {
        await waitForRollout(cluster, ns, 'back on the stable revision from Git', (r) => r.status?.phase === 'Healthy' && r.status.currentPodHash === stable && r.status.stableRS === stable);
        const rollout = (await readRollout(cluster, ns)) as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } };
        assert.equal(rollout.spec.template.spec.containers[0]?.image, 'registry.invalid/web:v1');
        assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);
        await waitApp(ns, 'web', 'Synced', synced(sha));
      } else {
        await waitApp(ns, 'web', 'OutOfSync', (a) => a.status?.sync?.status === 'OutOfSync' && a.status.resources?.find((r) => r.kind === 'Rollout')?.status === 'OutOfSync');
        const until = Date.now() + 2_500;
        await cluster.waitFor('two intervals', () => Date.now() > until, { timeoutMs: 10_000, intervalMs: 250 });
        const rollout = (await readRollout(cluster, ns)) as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } };
        assert.equal(rollout.spec.template.spec.containers[0]?.image, 'registry.invalid/web:hotfix', 'nothing reverted');
      }
    }
  });

  test('sync waves: wave 1 is applied only once wave 0 is healthy; a paused Rollout in wave 0 does not block; dependsOn waits for another Application', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'waves');
    await git.createRepo('waves');
    const wave = (n: number): string => `  annotations:\n    sluice.dev/sync-wave: "${n}"\n`;
    const deployment = (name: string, n: number): string => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n${wave(n)}spec:\n  replicas: 2\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec:\n      containers:\n      - {name: main, image: registry.invalid/${name}:v1}\n`;
    const cm = (name: string, n: number): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${wave(n)}data: {k: v}\n`;
    const sha1 = await git.commit('waves', { 'app/db.yaml': deployment('db', 0), 'app/api.yaml': deployment('api', 1), 'app/late.yaml': cm('late', 2) }, 'three waves');
    await application(ns, 'waves', git.gitUrl('waves'), '    automated: {prune: true}\n');
    await waitApp(ns, 'waves', 'Synced', synced(sha1));
    const created = async (kind: 'deployments' | 'configmaps', name: string): Promise<number> => {
      const path = kind === 'deployments' ? `/apis/apps/v1/namespaces/${ns}/deployments/${name}` : `/api/v1/namespaces/${ns}/configmaps/${name}`;
      return Date.parse((await cluster.clients.request<KubeObject>({ method: 'GET', path })).metadata.creationTimestamp ?? '');
    };
    const db = await cluster.clients.apps.readNamespacedDeployment({ namespace: ns, name: 'db' });
    const available = (db.status?.conditions ?? []).find((c) => c.type === 'Available' && c.status === 'True');
    assert.ok(available?.lastTransitionTime !== undefined, 'wave 0 (db) was Available by the time the sync was done');
    const dbReadyAt = new Date(available.lastTransitionTime).getTime();
    const apiAt = await created('deployments', 'api');
    assert.ok(apiAt >= dbReadyAt, `wave 1 created at ${new Date(apiAt).toISOString()}, after wave 0 became available at ${new Date(dbReadyAt).toISOString()}`);
    assert.ok(await created('configmaps', 'late') >= apiAt);

    // A Rollout paused at its first step in wave 0 does not hold back wave 1.
    await git.createRepo('paused');
    const rollout = hostSplitRollout({ replicas: 1, steps: '      - setWeight: 20\n      - pause: {}\n' }).replace('  name: web\n', `  name: web\n${wave(0)}`);
    const ns2 = await createNamespace(cluster, 'paused');
    const shaA = await git.commit('paused', { 'app/network.yaml': hostSplitNetwork(), 'app/rollout.yaml': rollout }, 'v1');
    await application(ns2, 'paused', git.gitUrl('paused'), '    automated: {prune: true}\n');
    await waitApp(ns2, 'paused', 'Synced and Healthy', (a) => synced(shaA)(a) && a.status?.health?.status === 'Healthy');
    const shaB = await git.commit('paused', { 'app/rollout.yaml': rollout.replace('web:v1', 'web:v2'), 'app/after.yaml': cm('after', 1) }, 'v2 and a wave-1 ConfigMap');
    await waitForRollout(cluster, ns2, 'Paused', (r) => r.status?.phase === 'Paused');
    await waitApp(ns2, 'paused', `Synced at ${shaB} with the wave-1 ConfigMap applied`, (a) => synced(shaB)(a) && a.status?.resources?.some((r) => r.name === 'after') === true);

    // dependsOn: "frontend" waits until "backend" is Healthy.
    await git.createRepo('backend');
    await git.createRepo('frontend');
    const shaBack = await git.commit('backend', { 'app/db.yaml': deployment('backend-db', 0) }, 'backend');
    const shaFront = await git.commit('frontend', { 'app/cm.yaml': cm('frontend', 0) }, 'frontend');
    const ns3 = await createNamespace(cluster, 'deps');
    await application(ns3, 'frontend', git.gitUrl('frontend'), '    automated: {prune: true}\n', '  dependsOn:\n  - name: backend\n');
    const waiting = await waitApp(ns3, 'frontend', 'waiting for backend', (a) => a.status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'DependencyNotReady') === true);
    assert.match(waiting.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '', /backend/u);
    await application(ns3, 'backend', git.gitUrl('backend'), '    automated: {prune: true}\n');
    const back = await waitApp(ns3, 'backend', 'Healthy', (a) => synced(shaBack)(a) && a.status?.health?.status === 'Healthy');
    await waitApp(ns3, 'frontend', 'Synced after backend', synced(shaFront));
    const cmCreated = Date.parse((await cluster.clients.core.readNamespacedConfigMap({ namespace: ns3, name: 'frontend' })).metadata?.creationTimestamp?.toISOString() ?? '');
    const backHealthyAt = Date.parse(back.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime ?? '');
    assert.ok(cmCreated >= backHealthyAt - 1_000, 'frontend applied only after backend was Healthy');
  });
});

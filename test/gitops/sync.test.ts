// End to end: Applications pulling from real git repositories (git daemon and file://) into a
// real control plane, the controller running as shipped (its own RBAC), kubectl for the checks.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '../../src/kube/object.ts';
import { createNamespace } from '../harness/fixtures.ts';
import { applyApplication, readApplication, syncedAt, waitForApplication, type App } from './fixtures.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { applyYaml, hostSplitNetwork, hostSplitRollout, operate, vsWeights, waitForRollout } from '../rollout/fixtures.ts';
import { startRolloutSuite, type Controller, type RolloutSuite } from '../rollout/suite.ts';


const PASSWORD = 'gitops-Pa55-4f1c';

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.gitops.sluice.dev
spec:
  group: gitops.sluice.dev
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
`;

const configMap = (name: string, value: string, extra = ''): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${extra}data:
  value: "${value}"
`;

const deployment = (image: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: ${image}
`;

describe('gitops: Applications sync Git into the cluster', { timeout: 600_000 }, () => {
  let suite: RolloutSuite;
  let git: GitServer;
  let privateGit: GitServer;
  let controller: Controller;
  before(async () => {
    git = await startGitServer();
    privateGit = await startGitServer({ basicAuth: { username: 'deploy', password: PASSWORD } });
    suite = await startRolloutSuite();
    controller = await suite.startController('sluice-controller', ['--data-dir', mkdtempSync(join(tmpdir(), 'sluice-data-'))]);
  });
  after(async () => {
    await suite?.stop();
    await git?.stop();
    await privateGit?.stop();
  });

  const application = (ns: string, name: string, repoURL: string, policy: string, extraSpec = ''): Promise<void> => applyApplication(suite.cluster, ns, name, repoURL, { policy, extraSpec });
  const app = (ns: string, name: string): Promise<App> => readApplication(suite.cluster, ns, name);
  const waitApp = (ns: string, name: string, what: string, check: (a: App) => boolean, timeoutMs?: number): Promise<App> => waitForApplication(suite.cluster, ns, name, what, check, timeoutMs);

  async function get(path: string): Promise<KubeObject | undefined> {
    try {
      return await suite.cluster.clients.request<KubeObject>({ method: 'GET', path });
    } catch {
      return undefined;
    }
  }

  const synced = syncedAt;

  test('first sync: a Namespace, a CRD and an object of that CRD in one commit, a ConfigMap and a Deployment; then a new commit; then a removed file is pruned unless opted out', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'apps');
    const target = `${ns}-target`;
    await git.createRepo('first');
    const sha1 = await git.commit('first', {
      'app/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${target}\n`,
      'app/crd.yaml': CRD,
      'app/gadget.yaml': `apiVersion: gitops.sluice.dev/v1\nkind: Gadget\nmetadata:\n  name: g1\n  namespace: ${target}\nspec:\n  size: 3\n`,
      'app/config.yaml': `${configMap('settings', 'one')}---\n${configMap('kept', 'x', '  annotations:\n    sluice.dev/prune: disabled\n')}---\n${configMap('dropped', 'y')}`,
      'app/deploy.yaml': deployment('registry.invalid/web:v1'),
      'README.md': 'not a manifest\n',
    }, 'v1');
    await application(ns, 'first', git.gitUrl('first'), '    automated: {prune: true, selfHeal: true}\n');
    const a1 = await waitApp(ns, 'first', `Synced at ${sha1}`, synced(sha1));
    assert.equal((await get(`/apis/gitops.sluice.dev/v1/namespaces/${target}/gadgets/g1`))?.metadata.name, 'g1', 'the custom object exists');
    const settings = await get(`/api/v1/namespaces/${ns}/configmaps/settings`);
    assert.equal(settings?.metadata.labels?.['sluice.dev/application'], 'first');
    assert.equal(settings?.metadata.annotations?.['sluice.dev/git-revision'], sha1);
    assert.equal(settings?.metadata.annotations?.['sluice.dev/application'], `${ns}/first`);
    assert.equal(a1.status?.resources?.length, 7);
    assert.deepEqual(a1.status?.history?.map((h) => [h.revision, h.result]), [[sha1, 'Succeeded']]);
    await waitApp(ns, 'first', 'Healthy (the Deployment is available)', (a) => a.status?.health?.status === 'Healthy');

    const sha2 = await git.commit('first', {
      'app/config.yaml': `${configMap('settings', 'two')}---\n${configMap('kept', 'x', '  annotations:\n    sluice.dev/prune: disabled\n')}`,
      'app/deploy.yaml': deployment('registry.invalid/web:v2'),
    }, 'v2: settings two, image v2, ConfigMap "dropped" removed');
    const a2 = await waitApp(ns, 'first', `Synced at ${sha2}`, synced(sha2));
    assert.equal(((await get(`/api/v1/namespaces/${ns}/configmaps/settings`)) as { data?: { value?: string } } | undefined)?.data?.value, 'two');
    const web = (await get(`/apis/apps/v1/namespaces/${ns}/deployments/web`)) as { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | undefined;
    assert.equal(web?.spec?.template?.spec?.containers?.[0]?.image, 'registry.invalid/web:v2');
    assert.equal(await get(`/api/v1/namespaces/${ns}/configmaps/dropped`), undefined, 'pruned');
    assert.deepEqual(a2.status?.history?.map((h) => h.revision), [sha1, sha2]);

    const sha3 = await git.commit('first', { 'app/config.yaml': configMap('settings', 'two') }, 'v3: "kept" removed from Git');
    await waitApp(ns, 'first', `Synced at ${sha3}`, synced(sha3));
    assert.notEqual(await get(`/api/v1/namespaces/${ns}/configmaps/kept`), undefined, 'sluice.dev/prune: disabled keeps it');
  });

  test('a broken revision applies nothing and names the file and line; the next good commit syncs; an unknown kind likewise', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'broken');
    await git.createRepo('broken');
    const good = await git.commit('broken', { 'app/a.yaml': configMap('a', '1'), 'app/b.yaml': configMap('b', '1') }, 'good');
    await application(ns, 'broken', git.fileUrl('broken'), '    automated: {prune: true}\n');
    await waitApp(ns, 'broken', `Synced at ${good}`, synced(good));

    const bad = await git.commit('broken', { 'app/a.yaml': configMap('a', '2'), 'app/b.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndata:\n  value: [unclosed\n' }, 'broken YAML');
    const stalled = await waitApp(ns, 'broken', 'Stalled on the broken revision', (a) => a.status?.sync?.revision === bad && a.status.conditions?.some((c) => c.type === 'Stalled' && c.status === 'True') === true);
    const ready = stalled.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'False');
    assert.match(ready?.message ?? '', /app\/b\.yaml:\d+/);
    assert.equal(((await get(`/api/v1/namespaces/${ns}/configmaps/a`)) as { data?: { value?: string } } | undefined)?.data?.value, '1', 'a.yaml of the broken revision was not applied');
    assert.equal(stalled.status?.history?.at(-1)?.result, 'Failed');

    const unknown = await git.commit('broken', { 'app/b.yaml': configMap('b', '1'), 'app/c.yaml': 'apiVersion: nowhere.example/v1\nkind: Phantom\nmetadata:\n  name: p\n' }, 'unknown kind');
    const refused = await waitApp(ns, 'broken', 'refusing the unknown kind', (a) => a.status?.sync?.revision === unknown && a.status.conditions?.some((c) => c.type === 'Ready' && /app\/c\.yaml:1: kind Phantom/.test(c.message ?? '')) === true);
    assert.equal(refused.status?.conditions?.find((c) => c.type === 'Stalled')?.status, 'True');
    assert.equal(((await get(`/api/v1/namespaces/${ns}/configmaps/a`)) as { data?: { value?: string } } | undefined)?.data?.value, '1');

    const fixed = await git.commit('broken', { 'app/c.yaml': null }, 'fixed');
    await waitApp(ns, 'broken', `Synced at ${fixed}`, synced(fixed));
    assert.equal(((await get(`/api/v1/namespaces/${ns}/configmaps/a`)) as { data?: { value?: string } } | undefined)?.data?.value, '2');
  });

  test('drift: a manual edit is reverted with selfHeal; without it the Application is OutOfSync and the edit stays', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'drift');
    await git.createRepo('drift');
    const sha = await git.commit('drift', { 'app/cm.yaml': configMap('healed', 'git') }, 'one');
    await application(ns, 'heal', git.gitUrl('drift'), '    automated: {selfHeal: true}\n');
    await waitApp(ns, 'heal', `Synced at ${sha}`, synced(sha));
    await cluster.kubectl(['-n', ns, 'patch', 'configmap', 'healed', '--type=merge', '-p', '{"data":{"value":"hand"}}']);
    await cluster.waitFor('the edit reverted', async () => ((await get(`/api/v1/namespaces/${ns}/configmaps/healed`)) as { data?: { value?: string } } | undefined)?.data?.value === 'git', { timeoutMs: 20_000, intervalMs: 100 });

    const ns2 = await createNamespace(cluster, 'nodrift');
    await application(ns2, 'watch', git.gitUrl('drift'), '    automated: {}\n');
    await waitApp(ns2, 'watch', `Synced at ${sha}`, synced(sha));
    await cluster.kubectl(['-n', ns2, 'patch', 'configmap', 'healed', '--type=merge', '-p', '{"data":{"value":"hand"}}']);
    const out = await waitApp(ns2, 'watch', 'OutOfSync', (a) => a.status?.sync?.status === 'OutOfSync');
    assert.equal(out.status?.resources?.find((r) => r.name === 'healed')?.status, 'OutOfSync');
    assert.equal(((await get(`/api/v1/namespaces/${ns2}/configmaps/healed`)) as { data?: { value?: string } } | undefined)?.data?.value, 'hand');
  });

  test('idle: a Deployment, Services, a VirtualService and a Rollout synced and left alone for three intervals cost no writes', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'idle');
    await git.createRepo('idle');
    const sha = await git.commit('idle', {
      'app/deploy.yaml': deployment('registry.invalid/web:v1').replace('name: web', 'name: api').replaceAll('app: web', 'app: api'),
      'app/network.yaml': hostSplitNetwork(),
      'app/rollout.yaml': hostSplitRollout({ replicas: 1, steps: '      - setWeight: 20\n      - pause: {}\n' }),
    }, 'one');
    await application(ns, 'idle', git.gitUrl('idle'), '    automated: {prune: true, selfHeal: true}\n');
    await waitApp(ns, 'idle', 'Synced and Healthy', (a) => synced(sha)(a) && a.status?.health?.status === 'Healthy');
    const from = Date.now() + 1_000;
    const to = from + 3_500; // three 1 s intervals and a half
    await cluster.waitFor('the observation window to pass (+ the audit batch)', () => Date.now() > to + 1_500, { timeoutMs: 20_000, intervalMs: 250 });
    const writes = cluster.auditEvents().filter((e) => {
      const at = Date.parse(e.requestReceivedTimestamp);
      return e.stage === 'ResponseComplete' && at >= from && at <= to && e.user.username === 'system:serviceaccount:sluice-system:sluice'
        && !['get', 'list', 'watch'].includes(e.verb) && e.objectRef?.resource !== 'leases';
    });
    assert.deepEqual(writes.map((e) => `${e.verb} ${e.requestURI}`), [], 'no writes while Git and the cluster agree');
    const a = await app(ns, 'idle');
    assert.equal(a.status?.sync?.status, 'Synced');
    assert.equal(a.status?.resources?.length, 5);
  });

  test('a private repository over HTTP with basic auth from a Secret; the password is in no status, event or controller log', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'private');
    await privateGit.createRepo('private');
    const sha = await privateGit.commit('private', { 'app/cm.yaml': configMap('from-private', 'yes') }, 'one');
    await applyYaml(cluster, ns, `apiVersion: v1\nkind: Secret\nmetadata:\n  name: repo\nstringData:\n  username: deploy\n  password: ${PASSWORD}\n`);
    await application(ns, 'noauth', privateGit.httpUrl('private'), '    automated: {}\n');
    const refused = await waitApp(ns, 'noauth', 'FetchFailed without credentials', (a) => a.status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'FetchFailed') === true);
    assert.doesNotMatch(JSON.stringify(refused.status), new RegExp(PASSWORD));
    await application(ns, 'auth', privateGit.httpUrl('private'), '    automated: {}\n', '  credentialsSecretRef: {name: repo}\n');
    const a = await waitApp(ns, 'auth', `Synced at ${sha}`, synced(sha));
    assert.doesNotMatch(JSON.stringify(a), new RegExp(PASSWORD));
    const events = await cluster.clients.request<{ items: unknown[] }>({ method: 'GET', path: `/api/v1/namespaces/${ns}/events` });
    assert.doesNotMatch(JSON.stringify(events), new RegExp(PASSWORD));
    const log = readFileSync(controller.process.logPath, 'utf8');
    assert.doesNotMatch(log, new RegExp(PASSWORD), 'the controller log');
  });

  test('serviceAccountName: an Application whose account may only touch ConfigMaps cannot create a ClusterRole; nothing is applied', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'tenant');
    await applyYaml(cluster, ns, `apiVersion: v1
kind: ServiceAccount
metadata:
  name: deployer
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: configmaps
rules:
- apiGroups: ['']
  resources: [configmaps]
  verbs: [get, list, watch, create, patch, update, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: deployer-configmaps
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: configmaps}
subjects:
- {kind: ServiceAccount, name: deployer}
`);
    await git.createRepo('tenant');
    const sha = await git.commit('tenant', {
      'app/cm.yaml': configMap('tenant-config', '1'),
      'app/escalate.yaml': `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${ns}-everything\nrules:\n- apiGroups: ['*']\n  resources: ['*']\n  verbs: ['*']\n`,
    }, 'a ConfigMap and a ClusterRole');
    await application(ns, 'tenant', git.gitUrl('tenant'), '    automated: {}\n    retry: {limit: 0}\n', '  serviceAccountName: deployer\n');
    const failed = await waitApp(ns, 'tenant', 'sync failed', (a) => a.status?.operationState?.phase === 'Failed' && a.status.operationState.revision === sha);
    assert.match(failed.status?.operationState?.message ?? '', /server-side dry run refused: ClusterRole\.rbac\.authorization\.k8s\.io .*-everything.*forbidden/);
    assert.equal(await get(`/api/v1/namespaces/${ns}/configmaps/tenant-config`), undefined, 'the ConfigMap of the same revision was not applied');
    assert.equal(await get(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${ns}-everything`), undefined);
    const sha2 = await git.commit('tenant', { 'app/escalate.yaml': null }, 'only what the account may do');
    await waitApp(ns, 'tenant', `Synced at ${sha2}`, synced(sha2));
    const cm = await get(`/api/v1/namespaces/${ns}/configmaps/tenant-config`);
    assert.equal((cm?.metadata as { managedFields?: { manager?: string }[] } | undefined)?.managedFields?.some((f) => f.manager === 'sluice-gitops'), true);
  });

  test('retry: an object that fails to apply is retried with backoff and lands once its cause is fixed', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'retry');
    const later = `${ns}-later`;
    await git.createRepo('retry');
    const sha = await git.commit('retry', { 'app/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: waits\n  namespace: ${later}\ndata:\n  v: "1"\n` }, 'needs a namespace that does not exist yet');
    await application(ns, 'retry', git.gitUrl('retry'), '    automated: {}\n    retry: {limit: 20, backoff: {duration: 1s, factor: 1}}\n');
    const failing = await waitApp(ns, 'retry', 'failed and retrying', (a) => a.status?.operationState?.phase === 'Failed' && (a.status.operationState.retryCount ?? 0) >= 1);
    assert.match(failing.status?.operationState?.message ?? '', /ConfigMap .*waits.*not found/);
    assert.equal(failing.status?.conditions?.find((c) => c.type === 'Reconciling')?.status, 'True');
    await applyYaml(cluster, ns, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${later}\n`);
    const done = await waitApp(ns, 'retry', `Synced at ${sha}`, synced(sha));
    assert.deepEqual(done.status?.history?.map((h) => h.result), ['Failed', 'Succeeded']);
    assert.notEqual(await get(`/api/v1/namespaces/${later}/configmaps/waits`), undefined);
  });

  test('ignoreDifferences keeps a live value through three syncs; suspend stops syncing; a manual Application syncs when asked; a crafted revision is refused', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'ignore');
    await git.createRepo('ignore');
    const sha1 = await git.commit('ignore', { 'app/deploy.yaml': deployment('registry.invalid/web:v1') }, 'one');
    await application(ns, 'ignore', git.gitUrl('ignore'), '    automated: {selfHeal: true}\n', '  ignoreDifferences:\n  - {group: apps, kind: Deployment, jsonPointers: [/spec/replicas]}\n');
    await waitApp(ns, 'ignore', `Synced at ${sha1}`, synced(sha1));
    await cluster.kubectl(['-n', ns, 'scale', 'deployment/web', '--replicas=3']);
    const replicas = async (): Promise<number | undefined> => ((await get(`/apis/apps/v1/namespaces/${ns}/deployments/web`)) as { spec?: { replicas?: number } } | undefined)?.spec?.replicas;
    for (const image of ['v2', 'v3', 'v4']) {
      const sha = await git.commit('ignore', { 'app/deploy.yaml': deployment(`registry.invalid/web:${image}`) }, image);
      await waitApp(ns, 'ignore', `Synced at ${sha}`, synced(sha));
      assert.equal(await replicas(), 3, `replicas kept at their live value after the sync of ${image}`);
    }

    // Suspended: a new commit is not applied.
    await cluster.kubectl(['-n', ns, 'patch', 'application', 'ignore', '--type=merge', '-p', '{"spec":{"suspend":true}}']);
    await waitApp(ns, 'ignore', 'Reconciling False (Suspended)', (a) => a.status?.conditions?.some((c) => c.type === 'Reconciling' && c.reason === 'Suspended') === true);
    const held = await git.commit('ignore', { 'app/deploy.yaml': deployment('registry.invalid/web:v5') }, 'v5 while suspended');
    const image = async (): Promise<string | undefined> => ((await get(`/apis/apps/v1/namespaces/${ns}/deployments/web`)) as { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | undefined)?.spec?.template?.spec?.containers?.[0]?.image;
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // two intervals: a period of time by nature
    assert.equal(await image(), 'registry.invalid/web:v4', 'nothing applied while suspended');
    await cluster.kubectl(['-n', ns, 'patch', 'application', 'ignore', '--type=merge', '-p', '{"spec":{"suspend":false}}']);
    await waitApp(ns, 'ignore', `Synced at ${held}`, synced(held));

    // Manual (no automated): OutOfSync until a sync is requested with the annotation.
    const ns2 = await createNamespace(cluster, 'manual');
    await application(ns2, 'manual', git.gitUrl('ignore'), '');
    const out = await waitApp(ns2, 'manual', 'OutOfSync, nothing applied', (a) => a.status?.sync?.status === 'OutOfSync' && a.status.sync.revision === held);
    assert.equal(out.status?.operationState, undefined);
    assert.equal(await get(`/apis/apps/v1/namespaces/${ns2}/deployments/web`), undefined);
    await cluster.kubectl(['-n', ns2, 'annotate', 'application', 'manual', 'sluice.dev/reconcile-requested-at=now-1']);
    const done = await waitApp(ns2, 'manual', `Synced at ${held}`, synced(held));
    assert.equal(done.status?.lastHandledReconcileAt, 'now-1');

    // A revision crafted as a git option: a clear condition, git never runs with it.
    await application(ns2, 'crafted', git.gitUrl('ignore'), '    automated: {}\n', '');
    await cluster.kubectl(['-n', ns2, 'patch', 'application', 'crafted', '--type=merge', '-p', '{"spec":{"source":{"targetRevision":"--upload-pack=touch /tmp/sluice-pwned"}}}']);
    const refused = await waitApp(ns2, 'crafted', 'InvalidSource', (a) => a.status?.conditions?.some((c) => c.type === 'Stalled' && c.status === 'True' && c.reason === 'InvalidSource') === true);
    assert.match(refused.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '', /targetRevision "--upload-pack=touch \/tmp\/sluice-pwned" must not start with "-"/);
  });

  test('no fights: during a paused rollout a Git change to the VirtualService lands while the weights keep the rollout\'s values; no write ping-pong', async () => {
    const { cluster } = suite;
    const ns = await createNamespace(cluster, 'nofight');
    await git.createRepo('nofight');
    const rollout = (image: string): string => hostSplitRollout({ replicas: 1, image, steps: '      - setWeight: 20\n      - pause: {}\n' });
    const sha1 = await git.commit('nofight', { 'app/network.yaml': hostSplitNetwork(), 'app/rollout.yaml': rollout('registry.invalid/web:v1') }, 'v1');
    await application(ns, 'nofight', git.gitUrl('nofight'), '    automated: {prune: true, selfHeal: true}\n');
    await waitApp(ns, 'nofight', 'Synced and Healthy on v1', (a) => synced(sha1)(a) && a.status?.health?.status === 'Healthy');
    const sha2 = await git.commit('nofight', { 'app/rollout.yaml': rollout('registry.invalid/web:v2') }, 'v2');
    await waitForRollout(cluster, ns, 'Paused at 20%', (r) => r.status?.phase === 'Paused');
    assert.deepEqual(await vsWeights(cluster, ns), [80, 20]);
    await waitApp(ns, 'nofight', `Synced at ${sha2} while paused`, (a) => synced(sha2)(a) && a.status?.health?.status === 'Suspended');
    // Git changes the route's timeout (and still says 100/0 for the weights).
    const sha3 = await git.commit('nofight', { 'app/network.yaml': hostSplitNetwork().replace('    retries:\n', '    timeout: 7s\n    retries:\n') }, 'timeout 7s');
    await waitApp(ns, 'nofight', `Synced at ${sha3}`, synced(sha3));
    const vs = await get(`/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/web`) as { spec?: { http?: { name?: string; timeout?: string }[] } } | undefined;
    assert.equal(vs?.spec?.http?.find((r) => r.name === 'primary')?.timeout, '7s', 'the Git edit landed');
    assert.deepEqual(await vsWeights(cluster, ns), [80, 20], 'the rollout\'s weights were kept');
    // Three intervals with nothing changing: nobody writes the VirtualService.
    const from = Date.now() + 1_000;
    const to = from + 3_500;
    await cluster.waitFor('the observation window to pass (+ the audit batch)', () => Date.now() > to + 1_500, { timeoutMs: 20_000, intervalMs: 250 });
    const writes = cluster.auditEvents().filter((e) => {
      const at = Date.parse(e.requestReceivedTimestamp);
      return e.stage === 'ResponseComplete' && at >= from && at <= to && e.objectRef?.resource === 'virtualservices' && e.objectRef.namespace === ns && !['get', 'list', 'watch'].includes(e.verb);
    });
    assert.deepEqual(writes.map((e) => `${e.user.username} ${e.verb}`), [], 'no VirtualService writes');
    await operate(cluster, ns, 'promote');
    await waitForRollout(cluster, ns, 'Healthy on v2', (r) => r.status?.phase === 'Healthy' && r.status.stableRS === r.status.currentPodHash);
    await waitApp(ns, 'nofight', 'Healthy', (a) => synced(sha3)(a) && a.status?.health?.status === 'Healthy');
    assert.deepEqual(await vsWeights(cluster, ns), [100, 0]);
  });
});

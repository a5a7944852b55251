// End to end: Applications pulling from real git repositories (git daemon and file://) into a
// real control plane, the controller running as shipped (its own RBAC), kubectl for the checks.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Application } from '../../src/api/application.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import { createNamespace } from '../harness/fixtures.ts';
import { startGitServer, type GitServer } from '../harness/git-server.ts';
import { applyYaml, hostSplitNetwork, hostSplitRollout } from '../rollout/fixtures.ts';
import { startRolloutSuite, type RolloutSuite } from '../rollout/suite.ts';

type App = KubeObject & Application;

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
  before(async () => {
    git = await startGitServer();
    suite = await startRolloutSuite();
    await suite.startController('sluice-controller', ['--data-dir', mkdtempSync(join(tmpdir(), 'sluice-data-'))]);
  });
  after(async () => {
    await suite?.stop();
    await git?.stop();
  });

  async function application(ns: string, name: string, repoURL: string, policy: string): Promise<void> {
    await applyYaml(suite.cluster, ns, `apiVersion: sluice.dev/v1alpha1
kind: Application
metadata:
  name: ${name}
spec:
  source: {repoURL: "${repoURL}", targetRevision: main, path: app}
  syncPolicy:
    interval: 1s
${policy}`);
  }

  async function app(ns: string, name: string): Promise<App> {
    return suite.cluster.clients.request<App>({ method: 'GET', path: `/apis/sluice.dev/v1alpha1/namespaces/${ns}/applications/${name}` });
  }

  async function waitApp(ns: string, name: string, what: string, check: (a: App) => boolean, timeoutMs = 60_000): Promise<App> {
    return suite.cluster.waitFor(`application ${name}: ${what}`, async () => {
      const a = await app(ns, name);
      return check(a) ? a : undefined;
    }, { timeoutMs, intervalMs: 200 });
  }

  async function get(path: string): Promise<KubeObject | undefined> {
    try {
      return await suite.cluster.clients.request<KubeObject>({ method: 'GET', path });
    } catch {
      return undefined;
    }
  }

  const synced = (sha: string) => (a: App): boolean => a.status?.sync?.status === 'Synced' && a.status.sync.revision === sha;

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
});

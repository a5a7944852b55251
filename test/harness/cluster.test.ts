// The control plane the harness builds is real: Deployments get Ready pods, CRDs and their
// status subresource work, RBAC applies to client-certificate users, the real kubectl runs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { k8s } from '../../src/kube/types.ts';
import { startCluster, type Cluster } from './cluster.ts';
import { isForbidden } from '../../src/kube/errors.ts';
import { makeKubeClients } from '../../src/kube/client.ts';
import { createNamespace, deployment, readyReplicas, widgetCrd } from './fixtures.ts';

describe('control plane', { timeout: 180_000 }, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(async () => cluster?.stop());

  test('a Deployment with 3 replicas gets 3 Ready pods, and 1 after scaling down', async () => {
    const namespace = await createNamespace(cluster, 'deploy');
    const { apps, core } = cluster.clients;
    await apps.createNamespacedDeployment({ namespace, body: deployment('web', 3) });
    await cluster.waitFor('3 ready replicas', async () => (await readyReplicas(cluster, namespace, 'web')) === 3);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
    assert.equal(pods.items.length, 3);
    for (const pod of pods.items) {
      assert.equal(pod.spec?.nodeName, 'kwok-node-0', 'scheduled onto the fake node');
      assert.equal(pod.status?.phase, 'Running');
      assert.match(pod.status?.podIP ?? '', /^10\.(6[4-9]|7\d)\./, 'a pod IP from the pod CIDR');
    }

    await apps.patchNamespacedDeploymentScale(
      { namespace, name: 'web', body: [{ op: 'replace', path: '/spec/replicas', value: 1 }] },
    );
    await cluster.waitFor('one pod left', async () => {
      const left = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
      return left.items.length === 1 && (await readyReplicas(cluster, namespace, 'web')) === 1;
    });
  });

  test('a CRD becomes Established and a custom object round-trips with its status subresource', async () => {
    const namespace = await createNamespace(cluster, 'crd');
    const crd = widgetCrd();
    await cluster.clients.apiextensions.createCustomResourceDefinition({ body: crd });
    await cluster.waitFor('CRD Established', async () => {
      const live = await cluster.clients.apiextensions.readCustomResourceDefinition({ name: crd.metadata?.name ?? '' });
      return live.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    });
    const { custom } = cluster.clients;
    const ref = { group: 'test.sluice.dev', version: 'v1', namespace, plural: 'widgets' };
    // A discovery cache may lag the Established condition for a moment: retry the create.
    await cluster.waitFor('widget created', () =>
      custom.createNamespacedCustomObject({ ...ref, body: { apiVersion: 'test.sluice.dev/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 2 }, status: { phase: 'ignored' } } }),
    );
    // Status in a create is dropped when the status subresource is on.
    const created = (await custom.getNamespacedCustomObject({ ...ref, name: 'w' })) as { status?: unknown };
    assert.equal(created.status, undefined);
    await custom.patchNamespacedCustomObjectStatus(
      { ...ref, name: 'w', body: [{ op: 'add', path: '/status', value: { phase: 'Ready' } }] },
    );
    const read = (await custom.getNamespacedCustomObject({ ...ref, name: 'w' })) as { spec: { size: number }; status: { phase: string } };
    assert.deepEqual({ size: read.spec.size, phase: read.status.phase }, { size: 2, phase: 'Ready' });
    // Schema validation is real: size must be >= 1.
    await assert.rejects(
      custom.createNamespacedCustomObject({ ...ref, body: { apiVersion: 'test.sluice.dev/v1', kind: 'Widget', metadata: { name: 'bad' }, spec: { size: 0 } } }),
      (error: unknown) => /size/.test(String((error as { body?: unknown }).body)),
    );
  });

  test('the built kubectl returns a Deployment as JSON', async () => {
    const namespace = await createNamespace(cluster, 'kubectl');
    await cluster.clients.apps.createNamespacedDeployment({ namespace, body: deployment('api', 2) });
    const json = JSON.parse(await cluster.kubectl(['get', 'deployment', 'api', '-n', namespace, '-o', 'json'])) as k8s.V1Deployment;
    assert.equal(json.kind, 'Deployment');
    assert.equal(json.metadata?.name, 'api');
    assert.equal(json.spec?.replicas, 2);
    const version = JSON.parse(await cluster.kubectl(['version', '-o', 'json'])) as { serverVersion: { gitVersion: string } };
    assert.equal(version.serverVersion.gitVersion, 'v1.34.10', 'the apiserver reports a stamped version');
  });

  test('a client-certificate user has only the rights RBAC grants it', async () => {
    const namespace = await createNamespace(cluster, 'rbac');
    const user = await cluster.userKubeconfig('alice', ['dev-team']);
    const asAlice = makeKubeClients(user.kubeConfig);
    await assert.rejects(asAlice.core.listNamespacedPod({ namespace }), (error: unknown) => isForbidden(error));
    const { rbac } = cluster.clients;
    await rbac.createNamespacedRole({
      namespace,
      body: { metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'dev-team-reads-pods' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
        subjects: [{ kind: 'Group', name: 'dev-team', apiGroup: 'rbac.authorization.k8s.io' }],
      },
    });
    await cluster.waitFor('alice may list pods', async () => (await asAlice.core.listNamespacedPod({ namespace })).items);
    const whoami = await cluster.kubectl(['auth', 'whoami', '-o', 'json'], { kubeconfigPath: user.kubeconfigPath });
    const status = JSON.parse(whoami) as { status: { userInfo: { username: string; groups: string[] } } };
    assert.equal(status.status.userInfo.username, 'alice');
    assert.ok(status.status.userInfo.groups.includes('dev-team'));
  });

  test("Istio's CRDs install and a VirtualService is accepted", async () => {
    const names = await cluster.installIstioCRDs();
    assert.ok(names.includes('virtualservices.networking.istio.io'));
    assert.ok(names.includes('destinationrules.networking.istio.io'));
    // Applied as written: client-node's serializer would have dropped x-kubernetes-* keys (docs/adr/001).
    const crd = JSON.parse(await cluster.kubectl(['get', 'crd', 'virtualservices.networking.istio.io', '-o', 'json'])) as {
      spec: { versions: { schema: { openAPIV3Schema: { properties: { status: { 'x-kubernetes-preserve-unknown-fields'?: boolean; properties?: Record<string, Record<string, unknown>> } } } } }[] };
    };
    const status = crd.spec.versions[0]?.schema.openAPIV3Schema.properties.status;
    assert.equal(status?.properties?.observedGeneration?.['x-kubernetes-int-or-string'], true);
    const namespace = await createNamespace(cluster, 'istio');
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'web' },
      spec: {
        hosts: ['web'],
        http: [{ name: 'primary', route: [{ destination: { host: 'web-stable' }, weight: 100 }, { destination: { host: 'web-canary' }, weight: 0 }] }],
      },
    };
    await cluster.clients.custom.createNamespacedCustomObject({ group: 'networking.istio.io', version: 'v1', namespace, plural: 'virtualservices', body: vs });
    const out = JSON.parse(await cluster.kubectl(['get', 'virtualservice', 'web', '-n', namespace, '-o', 'json'])) as typeof vs;
    assert.equal(out.spec.http[0]?.route[0]?.weight, 100);
  });

  test('kwok Stages complete or fail labelled Job pods', async () => {
    const namespace = await createNamespace(cluster, 'jobs');
    const job = (name: string, exitCode: string) => ({
      metadata: { name },
      spec: {
        backoffLimit: 0,
        template: {
          metadata: { labels: { 'sluice.dev/kwok-exit-code': exitCode } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'check', image: 'check:1' }] },
        },
      },
    });
    const { batch } = cluster.clients;
    await batch.createNamespacedJob({ namespace, body: job('passes', '0') });
    await batch.createNamespacedJob({ namespace, body: job('fails', '3') });
    const condition = async (name: string): Promise<string | undefined> => {
      const live = await batch.readNamespacedJob({ namespace, name });
      return live.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.type;
    };
    assert.equal(await cluster.waitFor('job passes to finish', () => condition('passes')), 'Complete');
    assert.equal(await cluster.waitFor('job fails to finish', () => condition('fails')), 'Failed');
  });
});

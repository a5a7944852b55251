// src/kube against a real control plane: informers (built-in and custom kinds, recovery after
// broken connections, no relist, no polling), patches with resourceVersion preconditions,
// leader election between two candidates, and event aggregation. One cluster for the file.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { makeClients } from '../../src/kube/api-clients.ts';
import { makeKubeClients, type KubeClients } from '../../src/kube/client.ts';
import { loadConnection } from '../../src/kube/connection.ts';
import { apiStatusCode, isConflict } from '../../src/kube/errors.ts';
import { makeEventRecorder } from '../../src/kube/events.ts';
import { makeInformer, type InformerHandlers } from '../../src/kube/informer.ts';
import { runLeaderElection, type Lease, type StopLeaderElection } from '../../src/kube/lease.ts';
import { silentLogger } from '../../src/kube/logger.ts';
import { refOf, type KubeObject } from '../../src/kube/object.ts';
import { createObject, deleteObject, getObject, mergePatchObject, mergePatchStatus, patchObject, patchStatus } from '../../src/kube/patch.ts';
import { startCluster, type Cluster } from '../harness/cluster.ts';
import { createNamespace, widgetCrd } from '../harness/fixtures.ts';
import { startTcpProxy } from './tcp-proxy.ts';

interface Widget extends KubeObject {
  readonly spec?: { readonly size?: number };
  readonly status?: { readonly phase?: string };
}

interface ConfigMap extends KubeObject {
  readonly data?: Record<string, string>;
}

interface ManagedField {
  readonly manager: string;
  readonly operation: string;
  readonly subresource?: string;
}

const FIELD_MANAGER = 'sluice-test';

const widget = (namespace: string, name: string, size = 2): Widget => ({
  apiVersion: 'test.sluice.dev/v1',
  kind: 'Widget',
  metadata: { name, namespace },
  spec: { size },
});

/** Logs `add x`, `update x`, `delete x` by object name. */
function recording<T extends KubeObject>(log: string[]): InformerHandlers<T> {
  return {
    onAdd: (o) => log.push(`add ${o.metadata.name}`),
    onUpdate: (_old, o) => log.push(`update ${o.metadata.name}`),
    onDelete: (o) => log.push(`delete ${o.metadata.name}`),
  };
}

describe('src/kube against a real API server', { timeout: 120_000 }, () => {
  let cluster: Cluster;
  let clients: KubeClients;
  before(async () => {
    cluster = await startCluster();
    clients = makeKubeClients(cluster.kubeConfig, { qps: 100, burst: 200 });
  });
  after(async () => cluster?.stop());

  /** cluster.waitFor for a check that needs no request. */
  const until = <T>(what: string, check: () => T | undefined | false, options?: { timeoutMs?: number; intervalMs?: number }): Promise<T> =>
    cluster.waitFor(what, () => Promise.resolve(check()), options);

  /** Sum of an apiserver metric's samples whose labels include all of `labels`. */
  async function metric(name: string, labels: Readonly<Record<string, string>>): Promise<number> {
    const text = await cluster.kubectl(['get', '--raw', '/metrics']);
    const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    let sum = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name}{`) && wanted.every((w) => line.includes(w))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  }

  let widgetCrdInstalled: Promise<void> | undefined;
  /** Installs the Widget CRD once (the custom-resource informer test installs it while watching). */
  const ensureWidgetCrd = (): Promise<void> => (widgetCrdInstalled ??= installWidgetCrd());

  async function installWidgetCrd(): Promise<void> {
    await clients.apiextensions.createCustomResourceDefinition({ body: widgetCrd() });
  }

  test('a ConfigMap informer syncs, then reports adds, updates and deletes of what its selector matches', async () => {
    const namespace = await createNamespace(cluster, 'informer');
    const labels = { app: 'web' };
    await clients.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'before', labels }, data: { a: '1' } } });
    const log: string[] = [];
    const informer = makeInformer<ConfigMap>(clients, { path: `/api/v1/namespaces/${namespace}/configmaps`, labelSelector: 'app=web', logger: silentLogger }, recording(log));
    try {
      await informer.start();
      assert.equal(informer.hasSynced(), true);
      const listed = informer.get(`${namespace}/before`);
      assert.deepEqual([listed?.apiVersion, listed?.kind, listed?.data], ['v1', 'ConfigMap', { a: '1' }], 'list items carry their type');
      assert.deepEqual(log, ['add before']);

      await clients.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'other' }, data: {} } });
      await clients.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'x', labels }, data: { v: '1' } } });
      await clients.core.patchNamespacedConfigMap({ namespace, name: 'x', body: [{ op: 'replace', path: '/data/v', value: '2' }] });
      await until('the update of x', () => informer.get(`${namespace}/x`)?.data?.v === '2');
      await clients.core.deleteNamespacedConfigMap({ namespace, name: 'x' });
      await until('the deletion of x', () => log.includes('delete x'));
      assert.deepEqual(log, ['add before', 'add x', 'update x', 'delete x'], 'in order, and nothing about the unlabelled ConfigMap');
      assert.equal(informer.get(`${namespace}/x`), undefined);
      assert.deepEqual(informer.list(namespace).map((o) => o.metadata.name), ['before']);
      assert.equal(informer.stats.lists, 1);
      // The generic typed client still works on the configuration that carries the rate limiter.
      const typed = await clients.objects.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'before', namespace } });
      assert.equal(typed.metadata?.uid, listed?.metadata.uid);
    } finally {
      informer.stop();
    }
  });

  test('a custom-resource informer waits for its CRD, then follows create, status patch and delete', async () => {
    const log: string[] = [];
    const informer = makeInformer<Widget>(clients, { path: '/apis/test.sluice.dev/v1/widgets', backoff: { initialMs: 200, maxMs: 1000 }, logger: silentLogger }, recording(log));
    try {
      const synced = informer.start();
      await until('the informer to fail while the CRD is missing', () => informer.stats.failures >= 1);
      await ensureWidgetCrd();
      await synced;
      const namespace = await createNamespace(cluster, 'widgets');
      // Discovery may lag the CRD for a moment: retry the first create.
      const created = await cluster.waitFor('a widget created', () => createObject(clients, widget(namespace, 'w1'), { fieldManager: FIELD_MANAGER }));
      await until('its add event', () => log.includes('add w1'));
      const ref = refOf(created);
      await patchStatus(clients, ref, [{ op: 'add', path: '/status', value: { phase: 'Ready' } }], { fieldManager: FIELD_MANAGER, resourceVersion: created.metadata.resourceVersion });
      await until('the status in the store', () => informer.get(`${namespace}/w1`)?.status?.phase === 'Ready');
      assert.ok(log.includes('update w1'));
      assert.equal(await deleteObject(clients, ref, { propagationPolicy: 'Foreground' }), true);
      await until('its delete event', () => log.includes('delete w1'));
      assert.equal(await getObject(clients, ref), undefined);
      assert.equal(await deleteObject(clients, ref), false, 'deleting what is gone is not an error');
    } finally {
      informer.stop();
    }
  });

  test('patches decided on a stale resourceVersion are refused (isConflict); fresh ones land under our field manager', async () => {
    await ensureWidgetCrd();
    const namespace = await createNamespace(cluster, 'patch');
    const created = await cluster.waitFor('a widget created', () => createObject(clients, widget(namespace, 'w'), { fieldManager: FIELD_MANAGER }));
    const ref = refOf(created);
    const stale = created.metadata.resourceVersion;
    const progressing = await patchStatus<Widget>(clients, ref, [{ op: 'add', path: '/status', value: { phase: 'Progressing' } }], { fieldManager: 'sluice-rollouts', resourceVersion: stale });
    assert.equal(progressing.status?.phase, 'Progressing');

    // The API server refuses a failed JSON Patch `test` with a bare 422; patch.ts makes it a 409 Conflict.
    const refused = async (what: string, write: Promise<unknown>): Promise<void> => {
      await assert.rejects(write, (error: unknown) => {
        assert.equal(isConflict(error), true, `${what}: isConflict (${apiStatusCode(error)} ${String((error as { body?: unknown }).body)})`);
        assert.equal(apiStatusCode(error), 409, what);
        return true;
      });
    };
    const options = { fieldManager: 'sluice-rollouts', resourceVersion: stale };
    await refused('JSON patch of status', patchStatus(clients, ref, [{ op: 'replace', path: '/status/phase', value: 'Degraded' }], options));
    await refused('JSON patch of spec', patchObject(clients, ref, [{ op: 'replace', path: '/spec/size', value: 9 }], options));
    await refused('merge patch of status', mergePatchStatus(clients, ref, { status: { phase: 'Degraded' } }, options));
    await refused('merge patch of spec', mergePatchObject(clients, ref, { spec: { size: 9 } }, options));
    // A fresh resourceVersion but an operation that cannot apply stays what it is: not a conflict.
    await assert.rejects(
      patchObject(clients, ref, [{ op: 'replace', path: '/spec/missing/deeper', value: 1 }], { ...options, resourceVersion: progressing.metadata.resourceVersion }),
      (error: unknown) => apiStatusCode(error) === 422 && !isConflict(error),
    );
    const live = await getObject<Widget>(clients, ref);
    assert.deepEqual([live?.spec?.size, live?.status?.phase], [2, 'Progressing'], 'nothing stale landed');

    const resized = await mergePatchObject<Widget>(clients, ref, { spec: { size: 3 } }, { fieldManager: 'sluice-rollouts', resourceVersion: progressing.metadata.resourceVersion });
    assert.equal(resized.spec?.size, 3);
    const managed = (resized.metadata as { managedFields?: ManagedField[] }).managedFields ?? [];
    assert.ok(managed.some((f) => f.manager === 'sluice-rollouts' && f.subresource === 'status'), 'the status write is ours');
    assert.ok(managed.some((f) => f.manager === 'sluice-rollouts' && f.operation === 'Update' && f.subresource === undefined), 'the spec write is ours');
    assert.ok(!managed.some((f) => f.manager === 'kubernetes-client-javascript'));
  });

  test('an informer whose connections are cut or refused re-watches from where it was: no relist, no polling', async () => {
    await ensureWidgetCrd();
    const namespace = await createNamespace(cluster, 'recover');
    const proxy = await startTcpProxy(cluster.kubeconfigPath);
    const viaProxy = makeKubeClients(proxy.kubeConfig, { qps: 50, burst: 100 });
    const log: string[] = [];
    const path = `/apis/test.sluice.dev/v1/namespaces/${namespace}/widgets`;
    const informer = makeInformer<Widget>(viaProxy, { path, backoff: { initialMs: 250, maxMs: 2000 }, logger: silentLogger }, recording(log));
    const watchesOpen = (): Promise<number> => metric('apiserver_longrunning_requests', { verb: 'WATCH', resource: 'widgets', scope: 'namespace' });
    const listsSeen = (): Promise<number> => metric('apiserver_request_total', { verb: 'LIST', resource: 'widgets', scope: 'namespace' });
    try {
      const listsBefore = await listsSeen();
      await informer.start();
      await cluster.waitFor('one watch open', async () => (await watchesOpen()) === 1);

      // A connection reset mid-watch.
      proxy.cut();
      await createObject(clients, widget(namespace, 'after-cut'), { fieldManager: FIELD_MANAGER });
      await until('the event after the cut', () => log.includes('add after-cut'));
      assert.equal(informer.stats.failures, 1);

      // The API server unreachable for a while: every connection is reset at once.
      proxy.refuse();
      await createObject(clients, widget(namespace, 'during-outage'), { fieldManager: FIELD_MANAGER });
      const acceptedBefore = proxy.accepted;
      await until('four failed attempts', () => informer.stats.failures >= 5);
      assert.ok(proxy.accepted - acceptedBefore <= 5, `backoff, not a storm: ${proxy.accepted - acceptedBefore} connections`);
      assert.ok(!log.includes('add during-outage'));
      proxy.forward();
      await until('the event missed during the outage', () => log.includes('add during-outage'), { timeoutMs: 10_000 });

      assert.equal(informer.stats.lists, 1, 'never relisted');
      assert.equal((await listsSeen()) - listsBefore, 1, 'the API server saw exactly one LIST');
      await cluster.waitFor('the broken watches to be gone on the server', async () => (await watchesOpen()) === 1);

      // Steady state is one open watch and nothing else: watch for a while that nothing happens.
      const { watches } = informer.stats;
      const accepted = proxy.accepted;
      await delay(3000);
      assert.equal(informer.stats.watches, watches, 'no re-watch');
      assert.equal(proxy.accepted, accepted, 'no request at all');
      assert.equal(await watchesOpen(), 1);
    } finally {
      informer.stop();
      await proxy.close();
    }
  });

  test('leader election: exactly one leads; a crashed leader is replaced once its lease expires, a released one at once', async () => {
    const namespace = await createNamespace(cluster, 'lease');
    const timings = { leaseDurationSeconds: 4, renewDeadlineSeconds: 3, retryPeriodSeconds: 1 };
    interface Candidate {
      readonly name: string;
      leading: boolean;
      stop: StopLeaderElection;
    }
    const start = (name: string): Candidate => {
      const candidate: Candidate = { name, leading: false, stop: () => Promise.resolve() };
      candidate.stop = runLeaderElection(
        { clients: makeKubeClients(cluster.kubeConfig), namespace, name: 'sluice-controller', identity: name, logger: silentLogger, ...timings },
        { onStartedLeading: () => void (candidate.leading = true), onStoppedLeading: () => void (candidate.leading = false) },
      );
      return candidate;
    };
    const holder = async (): Promise<Lease['spec']> =>
      (await getObject<Lease>(clients, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name: 'sluice-controller' }))?.spec;

    const a = start('a');
    const b = start('b');
    const c = start('c');
    try {
      await until('a leader', () => a.leading || b.leading || c.leading, { intervalMs: 20 });
      // Exclusive across several renewals: sampled for 3 s (time passing is the point here).
      for (let i = 0; i < 60; i++) {
        assert.equal([a, b, c].filter((x) => x.leading).length, 1);
        await delay(50);
      }
      const leader = [a, b, c].find((x) => x.leading) as Candidate;
      assert.equal((await holder())?.holderIdentity, leader.name);

      // A crash: renewals stop, nothing is released.
      await leader.stop({ release: false });
      const crashedAt = Date.now();
      const others = [a, b, c].filter((x) => x !== leader);
      const successor = await until('a successor after the crash', () => others.find((x) => x.leading), { intervalMs: 20 });
      const takeoverMs = Date.now() - crashedAt;
      assert.ok(takeoverMs >= 4000 - 1000 - 100, `not before the lease expired (${takeoverMs} ms)`);
      assert.ok(takeoverMs <= 4000 + 1000 + 500, `within leaseDuration + retryPeriod (${takeoverMs} ms)`);
      assert.equal(others.filter((x) => x.leading).length, 1);
      assert.equal((await holder())?.holderIdentity, successor.name);

      // A graceful stop releases the Lease: the last candidate takes over at its next retry.
      const last = others.find((x) => x !== successor) as Candidate;
      await successor.stop();
      const releasedAt = Date.now();
      await until('the last candidate to lead', () => last.leading, { intervalMs: 20 });
      const handoverMs = Date.now() - releasedAt;
      assert.ok(handoverMs <= 1000 + 500, `within one retry period (${handoverMs} ms)`);
      const spec = await holder();
      assert.equal(spec?.holderIdentity, last.name);
      assert.equal(spec?.leaseTransitions, 2);
    } finally {
      await Promise.all([a, b, c].map((x) => x.stop({ release: false })));
    }
  });

  test('the light connection (no client-node): TLS with the kubeconfig\'s CA file and client certificate, for requests and watches', async () => {
    const connection = await loadConnection(cluster.kubeconfigPath, { importClientNode: () => assert.fail('client-node loaded') });
    const light = makeClients(connection, { qps: 50, burst: 100 });
    const namespace = await createNamespace(cluster, 'light');
    const log: string[] = [];
    const informer = makeInformer<ConfigMap>(light, { path: `/api/v1/namespaces/${namespace}/configmaps`, logger: silentLogger }, recording(log));
    try {
      await informer.start();
      await light.request({ method: 'POST', path: `/api/v1/namespaces/${namespace}/configmaps`, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'light' } } });
      await until('the watch to see the ConfigMap', () => log.includes('add light'));
      const list = await light.request<{ items: ConfigMap[] }>({ method: 'GET', path: `/api/v1/namespaces/${namespace}/configmaps` });
      assert.ok(list.items.some((c) => c.metadata.name === 'light'));
      await assert.rejects(light.request({ method: 'GET', path: `/api/v1/namespaces/${namespace}/configmaps/missing` }), (e: unknown) => apiStatusCode(e) === 404);
    } finally {
      informer.stop();
    }
  });

  test('identical events are aggregated into one Event with a count', async () => {
    const namespace = await createNamespace(cluster, 'events');
    await clients.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'subject' } } });
    const subject = (await getObject(clients, { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: 'subject' })) as KubeObject;
    const recorder = makeEventRecorder(clients, { component: 'sluice-controller', logger: silentLogger });
    for (let i = 0; i < 3; i++) await recorder.record(subject, 'Warning', 'AnalysisFailed', 'error rate 7% > 5%');
    await recorder.record(subject, 'Normal', 'RolloutPaused', 'paused at step 1');
    interface CoreEvent {
      readonly count: number;
      readonly reason: string;
      readonly type: string;
      readonly source: { readonly component: string };
      readonly involvedObject: { readonly uid: string; readonly kind: string };
      readonly firstTimestamp: string;
      readonly lastTimestamp: string;
    }
    const events = await clients.request<{ items: CoreEvent[] }>({
      method: 'GET',
      path: `/api/v1/namespaces/${namespace}/events`,
      query: { fieldSelector: 'involvedObject.name=subject' },
    });
    const failed = events.items.filter((e) => e.reason === 'AnalysisFailed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.count, 3);
    assert.equal(failed[0]?.type, 'Warning');
    assert.equal(failed[0]?.source.component, 'sluice-controller');
    assert.deepEqual([failed[0]?.involvedObject.kind, failed[0]?.involvedObject.uid], ['ConfigMap', subject.metadata.uid]);
    assert.equal(events.items.filter((e) => e.reason === 'RolloutPaused').length, 1);
    const described = await cluster.kubectl(['get', 'events', '-n', namespace, '-o', 'custom-columns=REASON:.reason,COUNT:.count', '--no-headers']);
    assert.match(described, /AnalysisFailed\s+3/);
  });
});

// The `app` commands' actions on Applications: reads, the reconcile annotation (sync), suspend,
// and rollback — which pins spec.source.targetRevision to the last healthy commit (or the one
// given) and remembers the branch it replaced, so the message can say how to unpin.
import { APPLICATION_KIND } from '../api/application.ts';
import { API_VERSION, RECONCILE_ANNOTATION } from '../api/names.ts';
import type { KubeClients } from '../kube/api-clients.ts';
import { makeInformer } from '../kube/informer.ts';
import { silentLogger } from '../kube/logger.ts';
import { getObject, jsonPointer, patchObject } from '../kube/patch.ts';
import type { ApplicationObject } from './app-render.ts';
import { PLUGIN_FIELD_MANAGER, UserError } from './errors.ts';

/** The targetRevision that `app rollback` replaced. */
export const PINNED_FROM_ANNOTATION = 'sluice.dev/rollback-from';

const ref = (namespace: string, name: string) => ({ apiVersion: API_VERSION, kind: APPLICATION_KIND, namespace, name });

export async function readApp(clients: KubeClients, namespace: string, name: string): Promise<ApplicationObject> {
  const app = await getObject<ApplicationObject>(clients, ref(namespace, name));
  if (app === undefined) throw new UserError(`application "${name}" not found in namespace "${namespace}"`);
  return app;
}

export async function listApps(clients: KubeClients, namespace: string | undefined): Promise<ApplicationObject[]> {
  const path = `/apis/${API_VERSION}${namespace === undefined ? '' : `/namespaces/${namespace}`}/applications`;
  return (await clients.request<{ items: ApplicationObject[] }>({ method: 'GET', path })).items;
}

async function patchApp(clients: KubeClients, app: ApplicationObject, operations: Parameters<typeof patchObject>[2]): Promise<ApplicationObject> {
  const { namespace = 'default', name, resourceVersion } = app.metadata;
  return patchObject<ApplicationObject>(clients, ref(namespace, name), operations, { fieldManager: PLUGIN_FIELD_MANAGER, ...(resourceVersion === undefined ? {} : { resourceVersion }) });
}

export async function setSuspended(clients: KubeClients, namespace: string, name: string, suspend: boolean): Promise<string> {
  const app = await readApp(clients, namespace, name);
  if ((app.spec.suspend === true) === suspend) return `application "${name}" is already ${suspend ? 'suspended' : 'syncing'}`;
  await patchApp(clients, app, [{ op: 'add', path: '/spec/suspend', value: suspend }]);
  return `application "${name}" ${suspend ? 'suspended: no syncs until resumed' : 'resumed'}`;
}

/**
 * Asks for a sync now (the reconcile annotation) and waits, on a watch, until the controller has
 * handled it; resolves with the outcome line and whether the sync succeeded.
 */
export async function syncApp(clients: KubeClients, namespace: string, name: string, timeoutMs: number): Promise<{ line: string; ok: boolean }> {
  const app = await readApp(clients, namespace, name);
  const asked = new Date().toISOString();
  await patchApp(clients, app, [{ op: 'add', path: jsonPointer('metadata', 'annotations'), value: { ...app.metadata.annotations, [RECONCILE_ANNOTATION]: asked } }]);
  return new Promise((resolve) => {
    const finish = (result: { line: string; ok: boolean }): void => {
      clearTimeout(timer);
      informer.stop();
      resolve(result);
    };
    const seen = (a: ApplicationObject): void => {
      if (a.status?.lastHandledReconcileAt === asked) finish(outcomeOf(a));
    };
    const informer = makeInformer<ApplicationObject>(clients, { path: `/apis/${API_VERSION}/namespaces/${namespace}/applications`, fieldSelector: `metadata.name=${name}`, logger: silentLogger }, { onAdd: seen, onUpdate: (_, a) => seen(a) });
    const timer = setTimeout(() => finish({ line: `application "${name}": sync requested; not handled within ${Math.round(timeoutMs / 1000)} s`, ok: false }), timeoutMs);
    informer.start().catch((error: unknown) => finish({ line: `application "${name}": sync requested; cannot watch it: ${error instanceof Error ? error.message : String(error)}`, ok: false }));
  });
}

function outcomeOf(a: ApplicationObject): { line: string; ok: boolean } {
  const { sync = {}, health = {}, operationState: op = {} } = { ...a.status };
  const sha = (sync.revision ?? '').slice(0, 7);
  const detail = op.message === undefined ? '' : ` (${op.message})`;
  return { line: `application "${a.metadata.name}": ${sync.status ?? 'Unknown'} at ${sha}, health ${health.status ?? 'Unknown'}${detail}`, ok: op.phase !== 'Failed' && sync.status !== 'Unknown' };
}

/** Pins the Application to a commit (default its last healthy one) and says how to unpin. */
export async function rollbackApp(clients: KubeClients, namespace: string, name: string, toRevision: string | undefined): Promise<string> {
  const app = await readApp(clients, namespace, name);
  const target = toRevision ?? app.status?.lastHealthyRevision;
  if (target === undefined) throw new UserError(`application "${name}" has no last healthy revision yet: name one with --to-revision`);
  if (!/^[0-9a-f]{7,40}$/u.test(target)) throw new UserError(`--to-revision: "${target}" is not a commit SHA`);
  const from = app.metadata.annotations?.[PINNED_FROM_ANNOTATION] ?? app.spec.source.targetRevision ?? 'HEAD';
  await patchApp(clients, app, [
    { op: 'add', path: '/spec/source/targetRevision', value: target },
    { op: 'add', path: jsonPointer('metadata', 'annotations'), value: { ...app.metadata.annotations, [PINNED_FROM_ANNOTATION]: from } },
  ]);
  const unpin = `kubectl patch application ${name} -n ${namespace} --type merge -p '{"spec":{"source":{"targetRevision":"${from}"}}}'`;
  return `application "${name}" pinned to ${target.slice(0, 7)} (was ${from}); to follow ${from} again: ${unpin}`;
}

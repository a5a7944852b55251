// The Application controller: an informer on Applications and a workqueue; each key is
// reconciled by app-reconcile.ts. Applications wake on their own changes, on the interval
// (requeueAfter), and on any watched change of an object they own (live-cache.ts), so drift is
// seen at once and an idle cluster costs only watches.
import { GITOPS_FIELD_MANAGER, API_VERSION } from '../api/names.ts';
import { makeClients, type KubeClients } from '../kube/api-clients.ts';
import { impersonating, serviceAccountUser } from '../kube/impersonate.ts';
import { systemClock, type Clock } from '../kube/clock.ts';
import type { Informer } from '../kube/informer.ts';
import { unsharedInformers, type InformerFactory } from '../kube/shared-informers.ts';
import type { Logger } from '../kube/logger.ts';
import type { EventRecorder } from '../kube/events.ts';
import { cacheBehindWrite, keyOf } from '../kube/object.ts';
import { makeWorkQueue, type ReconcileResult, type WorkQueue } from '../kube/workqueue.ts';
import { reconcileApplication, type ApplicationObject, type EngineDeps } from './app-reconcile.ts';
import { makeLiveCache } from './live-cache.ts';
import type { Rendered } from './render.ts';
import { makeGitSource } from './source.ts';
import { applicationSample } from './metrics-view.ts';
import { addApplicationSource, type Unregister } from '../metrics/sources.ts';

export interface ApplicationControllerOptions {
  readonly clients: KubeClients;
  readonly logger: Logger;
  /** Where Git caches and checkouts live. */
  readonly dataDir: string;
  /** Applications that name no serviceAccountName are applied as this ServiceAccount of their namespace. */
  readonly defaultServiceAccount?: string;
  readonly namespace?: string;
  readonly workers?: number;
  readonly clock?: Clock;
  readonly events?: EventRecorder;
  /** Informers shared with the process's other controllers (cli); each its own by default. */
  readonly informers?: InformerFactory;
}

export interface ApplicationController {
  readonly queue: WorkQueue;
  run(): Promise<void>;
  stop(): Promise<void>;
}

/** Clients per ServiceAccount, built once each; the controller's own without one. */
function impersonation(options: ApplicationControllerOptions): EngineDeps['clientsFor'] {
  const cache = new Map<string, KubeClients>();
  return (namespace, serviceAccountName) => {
    const name = serviceAccountName ?? options.defaultServiceAccount;
    if (name === undefined) return options.clients;
    const user = serviceAccountUser(namespace, name);
    let clients = cache.get(user);
    if (clients === undefined) {
      clients = makeClients(impersonating(options.clients.connection, user), options.clients.limiter === undefined ? {} : { limiter: options.clients.limiter });
      cache.set(user, clients);
    }
    return clients;
  };
}

/** Rendered revisions kept in memory (a render is cheap to redo after a restart). */
const RENDER_CACHE_SIZE = 64;

export function makeApplicationController(options: ApplicationControllerOptions): ApplicationController {
  const informerFactory = options.informers ?? unsharedInformers;
  const clock = options.clock ?? systemClock;
  const logger = options.logger.child({ controller: 'gitops' });
  const queue = makeWorkQueue({ clock, logger, name: 'applications' });
  const scope = options.namespace === undefined ? '' : `/namespaces/${options.namespace}`;
  // An Application's change also wakes those that depend on it (spec.dependsOn): no polling.
  const enqueue = (app: ApplicationObject): void => {
    queue.add(keyOf(app));
    for (const other of apps.list(app.metadata.namespace)) {
      if (other.spec.dependsOn?.some((d) => d.name === app.metadata.name) === true) queue.add(keyOf(other));
    }
  };
  const apps: Informer<ApplicationObject> = informerFactory.informer<ApplicationObject>(options.clients, { path: `/apis/${API_VERSION}${scope}/applications`, clock, logger }, {
    onAdd: enqueue,
    onUpdate: (_, app) => enqueue(app),
  });
  const live = makeLiveCache(options.clients, logger, (id) => queue.add(id));
  const renders = new Map<string, Rendered>();
  const statusWrites = new Map<string, { readonly replacedVersion: string | undefined; readonly object: ApplicationObject }>();
  const deps: EngineDeps = {
    clients: options.clients,
    source: makeGitSource({ dataDir: options.dataDir }),
    live,
    logger,
    fieldManager: GITOPS_FIELD_MANAGER,
    now: () => clock.now(),
    renders,
    written: new Map(),
    clientsFor: impersonation(options),
    ...(options.events === undefined ? {} : { events: options.events }),
    application: (namespace, name) => latest(`${namespace}/${name}`),
    statusWritten: (before, after) => statusWrites.set(keyOf(after), { replacedVersion: before.metadata.resourceVersion, object: after }),
  };
  /** The cached Application, or the one we just wrote while the cache still shows what it replaced. */
  const latest = (key: string): ApplicationObject | undefined => {
    const cached = apps.get(key);
    const own = statusWrites.get(key);
    if (cached === undefined || own === undefined) return cached;
    if (cacheBehindWrite(cached.metadata.resourceVersion, own.replacedVersion, own.object.metadata.resourceVersion)) return own.object;
    statusWrites.delete(key);
    return cached;
  };
  const reconcile = async (key: string, signal: AbortSignal): Promise<ReconcileResult> => {
    const app = latest(key);
    if (app === undefined || app.metadata.deletionTimestamp !== undefined) return;
    while (renders.size > RENDER_CACHE_SIZE) renders.delete(renders.keys().next().value as string);
    return reconcileApplication(deps, app, signal);
  };
  let unregister: Unregister | undefined;
  return {
    queue,
    async run() {
      await apps.start();
      logger.info({ namespace: options.namespace ?? '(all)' }, 'application controller caches synced');
      unregister = addApplicationSource(() => apps.list().map(applicationSample));
      await queue.run(options.workers ?? 4, reconcile);
    },
    async stop() {
      unregister?.();
      await queue.shutDown();
      apps.stop();
      live.stop();
    },
  };
}

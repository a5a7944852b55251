// One informer per collection for every controller of the process (client-go's
// SharedInformerFactory). The rollout, analysis, GitOps and notification controllers all watch
// Rollouts, AnalysisRuns or Applications; with a factory each collection is listed, watched and
// cached once, and its events fan out to every controller's handlers.
//
// Informers are shared when their path, selectors, transform and managedFields choice are the
// same. A handler set added after the informer synced first receives onAdd for every cached
// object (as client-go's AddEventHandler). start() is shared; the informer stops when the last
// of its users stops it.
import type { KubeClients } from './api-clients.ts';
import { makeInformer, type Informer, type InformerHandlers, type InformerOptions } from './informer.ts';
import type { KubeObject } from './object.ts';

export interface InformerFactory {
  informer<T extends KubeObject>(clients: KubeClients, options: InformerOptions, handlers: InformerHandlers<T>): Informer<T>;
}

/** No sharing: every call makes its own informer (the default of each controller). */
export const unsharedInformers: InformerFactory = {
  informer: (clients, options, handlers) => makeInformer(clients, options, handlers),
};

interface Entry {
  readonly informer: Informer<KubeObject>;
  readonly handlers: InformerHandlers<KubeObject>[];
  users: number;
}

type Make = (clients: KubeClients, options: InformerOptions, handlers: InformerHandlers<KubeObject>) => Informer<KubeObject>;

/** `make` builds the underlying informers (tests pass one over a scripted source). */
export function makeSharedInformers(make: Make = makeInformer): InformerFactory {
  const entries = new Map<string, Entry>();
  const transformIds = new Map<(o: KubeObject) => KubeObject, number>();
  const keyOf = (o: InformerOptions): string => {
    const transform = o.transform === undefined ? 0 : (transformIds.get(o.transform) ?? transformIds.set(o.transform, transformIds.size + 1).size);
    return JSON.stringify([o.path, o.labelSelector ?? '', o.fieldSelector ?? '', transform, o.keepManagedFields === true]);
  };
  return {
    informer<T extends KubeObject>(clients: KubeClients, options: InformerOptions, handlers: InformerHandlers<T>): Informer<T> {
      const key = keyOf(options);
      let entry = entries.get(key);
      if (entry === undefined) {
        const fanOut: InformerHandlers<KubeObject>[] = [];
        entry = { informer: make(clients, options, fanOutHandlers(fanOut)), handlers: fanOut, users: 0 };
        entries.set(key, entry);
      }
      const own = handlers as InformerHandlers<KubeObject>;
      entry.handlers.push(own);
      entry.users += 1;
      if (entry.informer.hasSynced()) for (const object of entry.informer.list()) own.onAdd?.(object);
      return userView(entry, own, () => entries.delete(key)) as Informer<T>;
    },
  };
}

function fanOutHandlers(list: readonly InformerHandlers<KubeObject>[]): InformerHandlers<KubeObject> {
  return {
    onAdd: (o) => list.forEach((h) => h.onAdd?.(o)),
    onUpdate: (old, o) => list.forEach((h) => h.onUpdate?.(old, o)),
    onDelete: (o) => list.forEach((h) => h.onDelete?.(o)),
  };
}

/** One user's handle: its stop() removes its handlers and stops the informer with the last user. */
function userView(entry: Entry, own: InformerHandlers<KubeObject>, forget: () => void): Informer<KubeObject> {
  let stopped = false;
  const { informer } = entry;
  return {
    start: () => informer.start(),
    stop: () => {
      if (stopped) return;
      stopped = true;
      const at = entry.handlers.indexOf(own);
      if (at >= 0) entry.handlers.splice(at, 1);
      entry.users -= 1;
      if (entry.users === 0) {
        forget();
        informer.stop();
      }
    },
    hasSynced: () => informer.hasSynced(),
    get: (key) => informer.get(key),
    list: (namespace) => informer.list(namespace),
    get stats() {
      return informer.stats;
    },
  };
}

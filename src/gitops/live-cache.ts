// The live objects the sync engine manages, from watches: one informer per kind that appears in
// some Application's inventory, cluster-wide and filtered by the engine's ownership label, kept
// with managedFields (the drift check reads which fields the engine owns). A change to any of
// them wakes its Application, which is how drift is noticed without polling.
import { APPLICATION_ANNOTATION } from '../api/names.ts';
import type { KubeClients } from '../kube/api-clients.ts';
import { makeInformer, type Informer } from '../kube/informer.ts';
import type { Logger } from '../kube/logger.ts';
import type { KubeObject } from '../kube/object.ts';
import { APPLICATION_LABEL } from './desired.ts';
import { apiVersionOf, type ObjectRef } from './inventory.ts';

export interface LiveCache {
  /** Starts watching the kind of each ref (once per kind); resolves when their caches are synced. */
  watch(refs: readonly ObjectRef[]): Promise<void>;
  /** The live object, undefined when it does not exist (or its kind is not watched yet). */
  get(ref: ObjectRef): KubeObject | undefined;
  stop(): void;
}

export function makeLiveCache(clients: KubeClients, logger: Logger, onChange: (appId: string) => void): LiveCache {
  const informers = new Map<string, Promise<Informer<KubeObject> | undefined>>();
  const wake = (object: KubeObject): void => {
    const id = object.metadata.annotations?.[APPLICATION_ANNOTATION];
    if (id !== undefined) onChange(id);
  };
  const handlers = { onAdd: wake, onUpdate: (_: KubeObject, o: KubeObject) => wake(o), onDelete: wake };
  const kindKey = (ref: ObjectRef): string => `${apiVersionOf(ref)}/${ref.kind}`;
  const start = async (ref: ObjectRef): Promise<Informer<KubeObject> | undefined> => {
    try {
      const apiVersion = apiVersionOf(ref);
      const resource = await clients.discovery.resource(apiVersion, ref.kind);
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      const informer = makeInformer<KubeObject>(clients, { path: `${base}/${resource.name}`, labelSelector: APPLICATION_LABEL, keepManagedFields: true, logger }, handlers);
      await informer.start();
      return informer;
    } catch (error) {
      logger.warn({ kind: kindKey(ref), err: error instanceof Error ? error.message : String(error) }, 'cannot watch kind');
      informers.delete(kindKey(ref));
      return undefined;
    }
  };
  let synced = new Map<string, Informer<KubeObject>>();
  return {
    async watch(refs) {
      const started = refs.map((ref) => {
        const key = kindKey(ref);
        let informer = informers.get(key);
        if (informer === undefined) {
          informer = start(ref);
          informers.set(key, informer);
        }
        return informer.then((i) => (i === undefined ? undefined : ([key, i] as const)));
      });
      for (const entry of await Promise.all(started)) if (entry !== undefined) synced = new Map(synced).set(entry[0], entry[1]);
    },
    get(ref) {
      const informer = synced.get(kindKey(ref));
      return informer?.get(ref.namespace === undefined ? ref.name : `${ref.namespace}/${ref.name}`);
    },
    stop() {
      for (const informer of synced.values()) informer.stop();
      synced = new Map();
      informers.clear();
    },
  };
}

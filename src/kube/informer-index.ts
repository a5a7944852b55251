// A secondary index over an informer's objects (client-go's Indexer): objects by keys computed
// from them (an owner's uid, a Service a Rollout names), kept current by the informer's own
// events, so a lookup costs the size of its answer instead of a walk over the whole cache. With
// 1,000 Rollouts in a namespace, walking the ReplicaSets at every reconcile was the controller's
// largest CPU cost (docs/adr/008).
import type { InformerHandlers } from './informer.ts';
import { keyOf, type KubeObject } from './object.ts';

export interface InformerIndex<T extends KubeObject> {
  /** The objects whose index keys include `key` (a new array; empty when none). */
  get(key: string): T[];
  /**
   * The informer handlers that keep the index current, running `inner` after each change (so a
   * handler that enqueues already finds the object indexed). Register them with the informer.
   */
  handlers(inner?: InformerHandlers<T>): InformerHandlers<T>;
}

export function makeIndex<T extends KubeObject>(keysOf: (object: T) => readonly string[]): InformerIndex<T> {
  const byKey = new Map<string, Map<string, T>>();
  const keysByObject = new Map<string, readonly string[]>();
  // An object the key function cannot read (a malformed spec) is indexed under no key; its own
  // handlers still run, so its controller can report what is wrong with it.
  const keysSafely = (object: T): string[] => {
    try {
      return [...new Set(keysOf(object))];
    } catch {
      return [];
    }
  };
  const leave = (objectKey: string, keys: readonly string[]): void => {
    for (const key of keys) {
      const members = byKey.get(key);
      members?.delete(objectKey);
      if (members?.size === 0) byKey.delete(key);
    }
  };
  const remove = (objectKey: string): void => {
    leave(objectKey, keysByObject.get(objectKey) ?? []);
    keysByObject.delete(objectKey);
  };
  // An object keeps its place among its peers when it changes (as in the informer's store).
  const put = (object: T): void => {
    const objectKey = keyOf(object);
    const keys = keysSafely(object);
    leave(objectKey, (keysByObject.get(objectKey) ?? []).filter((k) => !keys.includes(k)));
    if (keys.length === 0) {
      keysByObject.delete(objectKey);
      return;
    }
    keysByObject.set(objectKey, keys);
    for (const key of keys) {
      const members = byKey.get(key) ?? new Map<string, T>();
      members.set(objectKey, object);
      byKey.set(key, members);
    }
  };
  return {
    get: (key) => [...(byKey.get(key)?.values() ?? [])],
    handlers: (inner = {}) => ({
      onAdd: (object) => {
        put(object);
        inner.onAdd?.(object);
      },
      onUpdate: (old, object) => {
        put(object);
        inner.onUpdate?.(old, object);
      },
      onDelete: (object) => {
        remove(keyOf(object));
        inner.onDelete?.(object);
      },
    }),
  };
}

/** The uids of an object's owners: the index key of "objects owned by X". */
export const ownerUids = (object: KubeObject): string[] => (object.metadata.ownerReferences ?? []).map((o) => o.uid);

// What the benchmarks wait on: collections of one namespace kept current by watches (our own
// informers, src/kube/informer.ts), and conditions over them that are re-checked on each event
// of the objects they name — never by listing in a loop. A condition's time is the moment the
// event that completed it arrived, not when a waiter noticed.
import { makeInformer, type Informer } from '../../src/kube/informer.ts';
import type { KubeObject } from '../../src/kube/object.ts';
import type { Cluster } from '../harness/cluster.ts';

export interface Collection {
  /** Collection path, e.g. /apis/sluice.dev/v1alpha1/namespaces/ns/rollouts. */
  readonly path: string;
  /** Which name a condition knows an object by (default its own name; a ReplicaSet: its owner's). */
  readonly subject?: (object: KubeObject) => string;
}

export interface Watched<K extends string> {
  /** The latest state of `name` in collection `kind`, as its watch last delivered it. */
  get<T extends KubeObject>(kind: K, name: string): T | undefined;
  /**
   * Resolves with the performance.now() at which an event made `holds(name)` true for every name
   * at once (at once if it already is). Rejects after `timeoutMs`, or when a cluster component
   * died, naming how many hold and what `describe` says of a few that do not.
   */
  untilAll(what: string, names: readonly string[], holds: (name: string) => boolean, options: UntilOptions): Promise<number>;
  stop(): void;
}

export interface UntilOptions {
  readonly timeoutMs: number;
  /** One line about a name that does not hold yet, for the timeout message. */
  readonly describe?: (name: string) => string;
}

interface Goal {
  readonly names: ReadonlySet<string>;
  readonly holding: Set<string>;
  readonly holds: (name: string) => boolean;
  reachedAt?: number;
}

/** Lists and watches each collection; resolves once all are synced. */
export async function watchCollections<K extends string>(cluster: Cluster, collections: Readonly<Record<K, Collection>>): Promise<Watched<K>> {
  const goals = new Set<Goal>();
  const recheck = (name: string): void => {
    for (const goal of goals) {
      if (!goal.names.has(name)) continue;
      if (goal.holds(name)) goal.holding.add(name);
      else goal.holding.delete(name);
      if (goal.holding.size === goal.names.size) goal.reachedAt ??= performance.now();
    }
  };
  const informers = new Map<K, Informer<KubeObject>>();
  for (const [kind, collection] of Object.entries(collections) as [K, Collection][]) {
    const subject = collection.subject ?? ((o: KubeObject) => o.metadata.name);
    const changed = (object: KubeObject): void => recheck(subject(object));
    informers.set(kind, makeInformer(cluster.clients, { path: collection.path }, { onAdd: changed, onUpdate: (_, o) => changed(o), onDelete: changed }));
  }
  const stop = (): void => informers.forEach((i) => i.stop());
  try {
    await Promise.all([...informers.values()].map((i) => i.start()));
  } catch (error) {
    stop();
    throw error;
  }
  const namespaceOf = (path: string): string => /\/namespaces\/([^/]+)\//.exec(path)?.[1] ?? '';
  return {
    get<T extends KubeObject>(kind: K, name: string): T | undefined {
      const namespace = namespaceOf(collections[kind].path);
      return informers.get(kind)?.get(namespace === '' ? name : `${namespace}/${name}`) as T | undefined;
    },
    async untilAll(what, names, holds, options) {
      const goal: Goal = { names: new Set(names), holding: new Set(names.filter(holds)), holds };
      if (goal.holding.size === goal.names.size) return performance.now();
      goals.add(goal);
      try {
        return await cluster.waitFor(what, () => goal.reachedAt, { timeoutMs: options.timeoutMs, intervalMs: 50 });
      } catch (error) {
        throw new Error(`${progressOf(goal, options.describe)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      } finally {
        goals.delete(goal);
      }
    },
    stop,
  };
}

function progressOf(goal: Goal, describe: ((name: string) => string) | undefined): string {
  const missing = [...goal.names].filter((n) => !goal.holding.has(n));
  const examples = missing.slice(0, 5).map((n) => (describe === undefined ? n : `${n} (${describe(n)})`));
  return `${goal.holding.size}/${goal.names.size} done, not yet: ${examples.join(', ')}${missing.length > 5 ? ', …' : ''}`;
}

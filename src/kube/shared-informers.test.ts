import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeClients } from './api-clients.ts';
import { makeInformerFrom } from './informer.ts';
import type { ListerWatcher, ListPage } from './list-watch.ts';
import { silentLogger } from './logger.ts';
import type { KubeObject } from './object.ts';
import { makeSharedInformers } from './shared-informers.ts';
import type { WatchEvent } from './watch.ts';

const object = (name: string, rv: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion: rv } });

/** Lists `items` once per informer made; its watch stays open and `emit` feeds it. */
function source(items: KubeObject[]): { lists: number; emit: (e: WatchEvent) => void; lw: ListerWatcher } {
  const listeners: ((e: WatchEvent) => void)[] = [];
  const state = {
    lists: 0,
    emit: (e: WatchEvent): void => listeners.forEach((l) => l(e)),
    lw: {
      list: (): Promise<ListPage> => {
        state.lists += 1;
        return Promise.resolve({ apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: '1' }, items });
      },
      watch: (_q: unknown, onEvent: (e: WatchEvent) => void, signal: AbortSignal): Promise<void> =>
        new Promise((_resolve, reject) => {
          listeners.push(onEvent);
          signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
        }),
    } as ListerWatcher,
  };
  return state;
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

test('shared informers: one list and watch per collection, events to every user, late users replayed, stop with the last user', async () => {
  const src = source([object('a', '1')]);
  const factory = makeSharedInformers((_clients, options, handlers) => makeInformerFrom(src.lw, options, handlers));
  const clients = {} as KubeClients;
  const seen: string[] = [];
  const options = { path: '/api/v1/configmaps', logger: silentLogger };
  const first = factory.informer(clients, options, { onAdd: (o) => seen.push(`1 add ${o.metadata.name}`), onUpdate: (_, o) => seen.push(`1 update ${o.metadata.name}`) });
  const second = factory.informer(clients, options, { onAdd: (o) => seen.push(`2 add ${o.metadata.name}`), onDelete: (o) => seen.push(`2 delete ${o.metadata.name}`) });
  // A different selector is another collection.
  const other = factory.informer(clients, { ...options, labelSelector: 'x' }, {});
  await Promise.all([first.start(), second.start()]);
  assert.equal(src.lists, 1, 'listed once for both users');
  assert.deepEqual(seen, ['1 add a', '2 add a']);
  src.emit({ type: 'MODIFIED', object: object('a', '2') });
  src.emit({ type: 'DELETED', object: object('a', '3') });
  assert.deepEqual(seen.slice(2), ['1 update a', '2 delete a']);
  src.emit({ type: 'ADDED', object: object('b', '4') });
  // Added after the sync: the cache is replayed to it.
  const late: string[] = [];
  factory.informer(clients, options, { onAdd: (o) => late.push(o.metadata.name) });
  assert.deepEqual(late, ['b']);
  assert.equal(second.get('ns/b')?.metadata.resourceVersion, '4', 'one cache');
  // A stopped user gets no more events; the informer runs on for the others.
  const firstSaw = seen.filter((s) => s.startsWith('1 ')).length;
  assert.equal(firstSaw, 3, 'add a, update a, add b');
  first.stop();
  src.emit({ type: 'MODIFIED', object: object('b', '5') });
  assert.equal(seen.filter((s) => s.startsWith('1 ')).length, firstSaw);
  assert.equal(second.get('ns/b')?.metadata.resourceVersion, '5', 'still watching for the other users');
  assert.equal(second.hasSynced(), true);
  other.stop();
  await settle();
});

// The informer's restart logic against a scripted list/watch source and a manual clock:
// resume from the last resourceVersion after any failure (with backoff), relist only on 410.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiException } from '@kubernetes/client-node';
import { ManualClock } from './clock.ts';
import { makeInformerFrom, type Informer } from './informer.ts';
import type { ListerWatcher, ListPage, Query } from './list-watch.ts';
import { silentLogger } from './logger.ts';
import type { KubeObject } from './object.ts';
import type { WatchEvent } from './watch.ts';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
};

interface OpenWatch {
  readonly query: Query;
  emit(type: WatchEvent['type'], object: unknown): void;
  end(): void;
  fail(error: Error): void;
}

/** Lists answer from a script (a page or an error each); watches stay open until the test ends or fails them. */
class ScriptedSource implements ListerWatcher {
  readonly lists: Query[] = [];
  readonly watches: OpenWatch[] = [];
  readonly listScript: (ListPage | Error)[] = [];

  list(query: Query): Promise<ListPage> {
    this.lists.push(query);
    const next = this.listScript.shift();
    if (next === undefined) return Promise.reject(new Error('no list scripted'));
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  }

  watch(query: Query, onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      let open = true;
      const close = (error?: Error): void => {
        if (!open) return;
        open = false;
        if (error === undefined) resolve();
        else reject(error);
      };
      signal.addEventListener('abort', () => close(new Error('This operation was aborted')), { once: true });
      this.watches.push({
        query,
        emit: (type, object) => {
          if (!open) throw new Error('emit on a closed watch');
          try {
            onEvent({ type, object });
          } catch (error) {
            close(error as Error);
          }
        },
        end: () => close(),
        fail: (error) => close(error),
      });
    });
  }

  get current(): OpenWatch {
    const last = this.watches.at(-1);
    assert.ok(last !== undefined, 'a watch is open');
    return last;
  }
}

interface ConfigMap extends KubeObject {
  readonly data?: Record<string, string>;
}

const cm = (name: string, rv: string, data: Record<string, string> = {}): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  data,
});

/** As the API server lists built-in kinds: items without apiVersion/kind. */
const page = (rv: string, items: ConfigMap[], token?: string): ListPage => ({
  apiVersion: 'v1',
  kind: 'ConfigMapList',
  metadata: { resourceVersion: rv, continue: token },
  items: items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
});

const gone = (): ApiException<string> => new ApiException(410, 'HTTP 410', JSON.stringify({ kind: 'Status', code: 410, reason: 'Expired' }), {});

function setup(): { clock: ManualClock; source: ScriptedSource; informer: Informer<ConfigMap>; log: string[] } {
  const clock = new ManualClock();
  const source = new ScriptedSource();
  const log: string[] = [];
  const informer = makeInformerFrom<ConfigMap>(
    source,
    { path: '/api/v1/configmaps', clock, logger: silentLogger, random: () => 0 },
    {
      onAdd: (o) => log.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`),
      onUpdate: (old, o) => log.push(`update ${o.metadata.name}@${old.metadata.resourceVersion}->${o.metadata.resourceVersion}`),
      onDelete: (o) => log.push(`delete ${o.metadata.name}@${o.metadata.resourceVersion}`),
    },
  );
  return { clock, source, informer, log };
}

describe('informer', () => {
  test('syncs from a paginated list, then applies watch events to its store', async () => {
    const { source, informer, log } = setup();
    source.listScript.push(page('10', [cm('a', '5')], 'next-page'), page('10', [cm('b', '6')]));
    await informer.start();
    assert.equal(informer.hasSynced(), true);
    assert.deepEqual(source.lists.map((q) => [q.limit, q.continue]), [['500', undefined], ['500', 'next-page']]);
    assert.deepEqual(log, ['add a@5', 'add b@6']);
    assert.deepEqual(informer.get('ns/a'), cm('a', '5'), 'list items get their apiVersion and kind from the list');
    await settle();
    assert.equal(source.current.query.resourceVersion, '10', 'the watch starts where the list ended');
    assert.equal(source.current.query.allowWatchBookmarks, 'true');

    source.current.emit('ADDED', cm('c', '11'));
    source.current.emit('MODIFIED', cm('a', '12', { k: 'v' }));
    source.current.emit('DELETED', cm('b', '13'));
    assert.deepEqual(log.slice(2), ['add c@11', 'update a@5->12', 'delete b@13']);
    assert.deepEqual(informer.list().map((o) => o.metadata.name).sort(), ['a', 'c']);
    assert.deepEqual(informer.get('ns/a')?.data, { k: 'v' });
    assert.deepEqual(informer.list('other'), []);
    assert.equal(informer.stats.resourceVersion, '13');
    informer.stop();
  });

  test('after a failed watch it re-watches from the last resourceVersion with growing backoff, without relisting', async () => {
    const { clock, source, informer } = setup();
    source.listScript.push(page('10', [cm('a', '5')]));
    await informer.start();
    await settle();
    source.current.emit('BOOKMARK', { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '20' } });
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const before = source.watches.length;
      source.current.fail(new Error('socket hang up'));
      await settle();
      const waitedMs = clock.nextTimerInMs() ?? 0;
      delays.push(waitedMs);
      clock.advance(waitedMs - 1);
      await settle();
      assert.equal(source.watches.length, before, 'no re-watch before the backoff is over');
      clock.advance(1);
      await settle();
      assert.equal(source.watches.length, before + 1);
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    assert.equal(source.lists.length, 1, 'failures never relist');
    assert.equal(source.current.query.resourceVersion, '20', 'resumed from the bookmark');
    assert.equal(informer.stats.failures, 7);

    // A watch that delivers events was healthy: the next failure starts from 1 s again.
    source.current.emit('ADDED', cm('b', '21'));
    source.current.fail(new Error('connection reset'));
    await settle();
    assert.equal(clock.nextTimerInMs(), 1000);
    informer.stop();
  });

  test('a server-side end of a healthy watch re-watches at once', async () => {
    const { clock, source, informer } = setup();
    source.listScript.push(page('10', []));
    await informer.start();
    await settle();
    clock.advance(300_000); // the watch's timeoutSeconds
    source.current.end();
    await settle();
    assert.equal(source.watches.length, 2);
    assert.equal(source.current.query.resourceVersion, '10');
    // A watch the server ends at once is not healthy: back off instead of spinning.
    source.current.end();
    await settle();
    assert.equal(source.watches.length, 2);
    assert.equal(clock.nextTimerInMs(), 1000);
    informer.stop();
  });

  test('410 Gone in the watch stream relists at once and reports only what changed meanwhile', async () => {
    const { clock, source, informer, log } = setup();
    source.listScript.push(page('10', [cm('keep', '1'), cm('change', '2'), cm('vanish', '3')]));
    await informer.start();
    await settle();
    log.length = 0;
    source.listScript.push(page('50', [cm('keep', '1'), cm('change', '40'), cm('new', '45')]));
    source.current.emit('ERROR', { kind: 'Status', apiVersion: 'v1', code: 410, reason: 'Expired', message: 'too old resource version: 10 (30)' });
    await settle();
    assert.equal(clock.pendingTimers, 0, 'the first relist does not wait');
    assert.equal(source.lists.length, 2);
    assert.deepEqual(log.sort(), ['add new@45', 'delete vanish@3', 'update change@2->40']);
    assert.equal(source.watches.length, 2);
    assert.equal(source.current.query.resourceVersion, '50');
    assert.equal(informer.stats.expired, 1);
    informer.stop();
  });

  test('410 Gone refusing the watch itself relists too; a second 410 in a row backs off', async () => {
    const { clock, source, informer } = setup();
    source.listScript.push(page('10', []), page('60', []), page('70', []));
    await informer.start();
    await settle();
    source.current.fail(gone());
    await settle();
    assert.equal(source.lists.length, 2);
    source.current.fail(gone());
    await settle();
    assert.equal(source.lists.length, 2, 'no relist storm');
    assert.equal(clock.nextTimerInMs(), 1000);
    clock.advance(1000);
    await settle();
    assert.equal(source.lists.length, 3);
    informer.stop();
  });

  test('start() waits through failing lists (apiserver down) and resolves once a list succeeds', async () => {
    const { clock, source, informer } = setup();
    source.listScript.push(new Error('connect ECONNREFUSED'), new Error('connect ECONNREFUSED'), page('10', [cm('a', '1')]));
    let synced = false;
    const starting = informer.start().then(() => (synced = true));
    await settle();
    assert.equal(synced, false);
    clock.advance(1000);
    await settle();
    assert.equal(synced, false);
    assert.equal(source.lists.length, 2);
    clock.advance(2000);
    await starting;
    assert.equal(informer.get('ns/a')?.metadata.resourceVersion, '1');
    informer.stop();
  });

  test('stop() is not a failure: no restart, and a start() still waiting rejects', async () => {
    const { clock, source, informer } = setup();
    source.listScript.push(page('10', []));
    await informer.start();
    await settle();
    informer.stop();
    await settle();
    clock.advance(600_000);
    await settle();
    assert.equal(source.watches.length, 1);
    assert.equal(source.lists.length, 1);
    assert.equal(informer.stats.failures, 0, 'the aborted watch was not counted as a failure');
    await assert.rejects(informer.start(), /stopped/);

    const other = setup();
    other.source.listScript.push(new Error('connect ECONNREFUSED'));
    const starting = other.informer.start();
    await settle();
    other.informer.stop(); // while sleeping in backoff
    await assert.rejects(starting, /stopped before it synced/);
    other.clock.advance(600_000);
    await settle();
    assert.equal(other.source.lists.length, 1, 'no attempt after stop');
    assert.equal(other.clock.pendingTimers, 0);
  });

  test('a throwing handler neither stops the informer nor loses the event for the store', async () => {
    const clock = new ManualClock();
    const source = new ScriptedSource();
    source.listScript.push(page('10', []));
    const informer = makeInformerFrom<ConfigMap>(source, { path: '/x', clock, logger: silentLogger }, {
      onAdd: () => {
        throw new Error('bug in a handler');
      },
    });
    await informer.start();
    await settle();
    source.current.emit('ADDED', cm('a', '11'));
    source.current.emit('ADDED', cm('b', '12'));
    assert.equal(source.watches.length, 1, 'the watch goes on');
    assert.equal(informer.list().length, 2);
    informer.stop();
  });

  test('a transform shapes what is stored and handed to handlers, from lists and watches alike', async () => {
    const clock = new ManualClock();
    const source = new ScriptedSource();
    source.listScript.push(page('10', [{ ...cm('a', '5', { big: 'x'.repeat(100) }), metadata: { name: 'a', namespace: 'ns', resourceVersion: '5', managedFields: [{}] } as ConfigMap['metadata'] }]));
    const seen: unknown[] = [];
    const informer = makeInformerFrom<ConfigMap>(
      source,
      { path: '/x', clock, logger: silentLogger, transform: (o) => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata }) },
      { onAdd: (o) => seen.push(o), onUpdate: (_, o) => seen.push(o) },
    );
    await informer.start();
    await settle();
    source.current.emit('MODIFIED', cm('a', '11', { big: 'y' }));
    source.current.emit('BOOKMARK', { metadata: { resourceVersion: '12' } });
    const slim = (rv: string): unknown => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns', resourceVersion: rv } });
    assert.deepEqual(seen, [slim('5'), slim('11')], 'managedFields are gone before the transform sees the object');
    assert.deepEqual(informer.get('ns/a'), slim('11'));
    assert.equal(informer.stats.resourceVersion, '12');
    informer.stop();
  });
});

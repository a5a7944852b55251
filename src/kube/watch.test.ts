// watchStream against a plain-HTTP stand-in: clean ends resolve, every kind of failure rejects.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { KubeConfig } from './client.ts';
import { connectionFromKubeConfig } from './connection.ts';
import { isGone } from './errors.ts';
import { watchStream, WatchIdleError, type WatchEvent } from './watch.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('watchStream', () => {
  let server: Server;
  let kubeConfig: KubeConfig;
  let handler: Handler = (_req, res) => res.end();
  const closed: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      req.on('close', () => closed.push(req.url ?? ''));
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'fake', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'nobody' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'nobody' }],
      currentContext: 'fake',
    });
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const line = (type: string, name: string, rv: string): string => `${JSON.stringify({ type, object: { metadata: { name, resourceVersion: rv } } })}\n`;
  const watch = (onEvent: (e: WatchEvent) => void, options: { idleTimeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> =>
    watchStream(connectionFromKubeConfig(kubeConfig), { path: '/api/v1/configmaps', query: { resourceVersion: '7', allowWatchBookmarks: 'true' } }, onEvent, {
      signal: options.signal ?? new AbortController().signal,
      idleTimeoutMs: options.idleTimeoutMs ?? 5000,
    });

  test('delivers events in order, split across chunks, and resolves when the server ends the watch', async () => {
    let url = '';
    handler = (req, res) => {
      url = req.url ?? '';
      res.writeHead(200, { 'content-type': 'application/json' });
      const body = line('ADDED', 'a', '8') + line('MODIFIED', 'a', '9') + line('BOOKMARK', '', '10');
      res.write(body.slice(0, 30));
      setTimeout(() => res.end(body.slice(30)), 20);
    };
    const events: string[] = [];
    await watch((e) => events.push(`${e.type} ${(e.object as { metadata: { resourceVersion: string } }).metadata.resourceVersion}`));
    assert.deepEqual(events, ['ADDED 8', 'MODIFIED 9', 'BOOKMARK 10']);
    assert.match(url, /watch=true/);
    assert.match(url, /resourceVersion=7/);
    assert.match(url, /allowWatchBookmarks=true/);
  });

  test('a refused watch rejects with the API error and its Status body (410 → isGone)', async () => {
    handler = (_req, res) => {
      res.writeHead(410, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 7 (99)' }));
    };
    await assert.rejects(watch(() => undefined), (error: unknown) => {
      assert.equal(isGone(error), true);
      assert.match(String((error as { body?: unknown }).body), /too old resource version/);
      return true;
    });
  });

  test('a connection cut mid-stream rejects (it is not a clean end)', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(line('ADDED', 'a', '8'));
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const events: string[] = [];
    await assert.rejects(watch((e) => events.push(e.type)));
    assert.deepEqual(events, ['ADDED']);
  });

  test('a silent connection fails after the idle timeout', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(line('ADDED', 'a', '8'));
    };
    const before = closed.length;
    await assert.rejects(watch(() => undefined, { idleTimeoutMs: 150 }), WatchIdleError);
    await waitUntil(() => closed.length > before);
  });

  test('an error thrown by onEvent ends the watch with that error and closes the connection', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(line('ADDED', 'a', '8') + line('ERROR', 'x', '0') + line('ADDED', 'b', '9'));
    };
    const events: string[] = [];
    const before = closed.length;
    await assert.rejects(
      watch((e) => {
        if (e.type === 'ERROR') throw new Error('410 in the stream');
        events.push((e.object as { metadata: { name: string } }).metadata.name);
      }),
      /410 in the stream/,
    );
    assert.deepEqual(events, ['a'], 'nothing after the failing event is delivered');
    await waitUntil(() => closed.length > before);
  });

  test('aborting the signal ends the watch and closes the connection', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(line('ADDED', 'a', '8'));
    };
    const abort = new AbortController();
    const before = closed.length;
    const watching = watch(() => abort.abort(new Error('informer stopped')), { signal: abort.signal, idleTimeoutMs: 60_000 });
    await assert.rejects(watching, (error: Error) => error.name === 'AbortError');
    await waitUntil(() => closed.length > before);
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  assert.ok(condition(), 'condition never became true');
}

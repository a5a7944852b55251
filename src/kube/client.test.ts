// makeKubeClients puts one rate limiter in front of every request, typed or raw; watches pass.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { KubeConfig, makeKubeClients } from './client.ts';
import { ManualClock } from './clock.ts';
import { makeTokenBucket } from './rate-limiter.ts';
import { watchStream } from './watch.ts';

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A plain-HTTP stand-in for the API server that records what reaches it. */
async function fakeApiServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; kubeConfig: KubeConfig }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'fake', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'nobody' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'nobody' }],
    currentContext: 'fake',
  });
  return { server, kubeConfig };
}

describe('client rate limiting', () => {
  const seen: string[] = [];
  let fake: { server: Server; kubeConfig: KubeConfig };
  before(async () => {
    fake = await fakeApiServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url?.includes('watch=true')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: {}, items: [] }));
    });
  });
  after(() => fake.server.close());

  test('typed and raw requests share one token bucket; watches are not limited', async () => {
    seen.length = 0;
    const clock = new ManualClock();
    const clients = makeKubeClients(fake.kubeConfig, { limiter: makeTokenBucket({ qps: 1, burst: 1, clock }) });
    const done: string[] = [];
    const calls = [
      clients.core.listNamespace().then(() => done.push('typed core')),
      clients.request({ method: 'GET', path: '/api/v1/configmaps' }).then(() => done.push('raw')),
      clients.custom.listClusterCustomObject({ group: 'sluice.dev', version: 'v1alpha1', plural: 'rollouts' }).then(() => done.push('typed custom')),
    ];
    await waitUntil(() => done.length === 1);
    await settle();
    assert.equal(seen.length, 1, 'only the burst reached the server');
    await watchStream(clients.connection, { path: '/api/v1/configmaps', query: {} }, () => undefined, { signal: new AbortController().signal, idleTimeoutMs: 5000 });
    assert.equal(seen.length, 2, 'a watch does not wait for a token');
    clock.advance(1000);
    await waitUntil(() => done.length === 2);
    clock.advance(1000);
    await Promise.all(calls);
    assert.deepEqual([...done].sort(), ['raw', 'typed core', 'typed custom']);
    assert.ok(seen.includes('GET /api/v1/namespaces'));
    assert.ok(seen.includes('GET /apis/sluice.dev/v1alpha1/rollouts'));
  });

  test('without qps/burst the clients are unlimited', async () => {
    const clients = makeKubeClients(fake.kubeConfig);
    assert.equal(clients.limiter, undefined);
    await Promise.all(Array.from({ length: 20 }, () => clients.request({ method: 'GET', path: '/api/v1/pods' })));
  });

  test('qps and burst make a limiter', () => {
    const clients = makeKubeClients(fake.kubeConfig, { qps: 50, burst: 2 });
    assert.equal(clients.limiter?.tryAcquire(), true);
    assert.equal(clients.limiter?.tryAcquire(), true);
    assert.equal(clients.limiter?.tryAcquire(), false);
  });

  test('requests name Sluice as their user agent', async () => {
    let agent: string | undefined;
    const probe = await fakeApiServer((req, res) => {
      agent = req.headers['user-agent'];
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[]}');
    });
    try {
      const clients = makeKubeClients(probe.kubeConfig);
      await clients.core.listNamespace();
      assert.match(agent ?? '', /^sluice\//);
      agent = undefined;
      await clients.request({ method: 'GET', path: '/api/v1/namespaces' });
      assert.match(agent ?? '', /^sluice\//);
    } finally {
      probe.server.close();
    }
  });
});

test('a DELETE carries its body with a length, so the next request on the kept-alive socket is intact', async () => {
  const bodies: string[] = [];
  const probe = await fakeApiServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(`${req.method} ${Buffer.concat(chunks).toString()}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  try {
    const clients = makeKubeClients(probe.kubeConfig);
    // Several in a row: any body left on the socket would corrupt the request after it.
    for (let i = 0; i < 3; i++) {
      await clients.request({ method: 'DELETE', path: '/api/v1/namespaces/ns/configmaps/c', body: { kind: 'DeleteOptions', propagationPolicy: 'Background' } });
      await clients.request({ method: 'PATCH', path: '/api/v1/namespaces/ns/configmaps/d', body: [{ op: 'add', path: '/data/x', value: 'é' }], contentType: 'application/json-patch+json' });
    }
    assert.deepEqual(bodies.slice(0, 2), ['DELETE {"kind":"DeleteOptions","propagationPolicy":"Background"}', 'PATCH [{"op":"add","path":"/data/x","value":"é"}]']);
    assert.equal(bodies.length, 6);
  } finally {
    probe.server.close();
  }
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  assert.ok(condition(), 'condition never became true');
}

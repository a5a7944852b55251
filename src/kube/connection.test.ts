// loadConnection: kubeconfig files and in-cluster config without client-node, against a plain
// HTTP stand-in that records the credentials it receives.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeClients } from './api-clients.ts';
import { currentConfig, inClusterConfig, loadConnection } from './connection.ts';

describe('loadConnection', () => {
  let server: Server;
  let url = '';
  const auth: (string | undefined)[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'sluice-connection-'));
  before(async () => {
    server = createServer((req, res) => {
      auth.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"NamespaceList","items":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const kubeconfig = (name: string, user: Record<string, unknown>, extra = ''): string => {
    const path = join(dir, name);
    writeFileSync(path, `apiVersion: v1
kind: Config
current-context: ctx
clusters:
- name: c
  cluster:
    server: ${url}/
contexts:
- name: other
  context: {cluster: nowhere, user: nobody}
- name: ctx
  context: {cluster: c, user: u}
users:
- name: u
  user: ${JSON.stringify(user)}
${extra}`);
    return path;
  };

  test('a YAML kubeconfig with a token: raw requests carry it, and no client-node is needed', async () => {
    const connection = await loadConnection(kubeconfig('token.yaml', { token: 'abc' }), { importClientNode: () => assert.fail('client-node loaded') });
    assert.equal(connection.server, url);
    await makeClients(connection).request({ method: 'GET', path: '/api/v1/namespaces' });
    assert.equal(auth.at(-1), 'Bearer abc');
  });

  test('a token file (relative to the kubeconfig) is read again once a minute has passed', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    writeFileSync(join(dir, 'token'), 'first\n');
    const clients = makeClients(await loadConnection(kubeconfig('file.yaml', { tokenFile: 'token' })));
    await clients.request({ method: 'GET', path: '/api/v1/namespaces' });
    writeFileSync(join(dir, 'token'), 'second\n');
    await clients.request({ method: 'GET', path: '/api/v1/namespaces' });
    t.mock.timers.tick(61_000);
    await clients.request({ method: 'GET', path: '/api/v1/namespaces' });
    assert.deepEqual(auth.slice(-3), ['Bearer first', 'Bearer first', 'Bearer second']);
  });

  test('basic auth', async () => {
    await makeClients(await loadConnection(kubeconfig('basic.yaml', { username: 'admin', password: 'pw' }))).request({ method: 'GET', path: '/api' });
    assert.equal(auth.at(-1), `Basic ${Buffer.from('admin:pw').toString('base64')}`);
  });

  test('exec credentials fall back to client-node', async () => {
    let imported = false;
    const path = kubeconfig('exec.yaml', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'true' } });
    const connection = await loadConnection(path, {
      importClientNode: async () => {
        imported = true;
        return import('@kubernetes/client-node');
      },
    });
    assert.equal(imported, true);
    assert.equal(connection.server, url);
  });

  test('$KUBECONFIG lists files merged as kubectl does: the first to set a value wins', async () => {
    const first = join(dir, 'first.yaml');
    writeFileSync(first, `current-context: ctx\nusers:\n- name: u\n  user: {token: from-first}\n`);
    const second = kubeconfig('second.yaml', { token: 'from-second' });
    const connection = await loadConnection(undefined, { env: { KUBECONFIG: `${first}:${join(dir, 'missing')}:${second}` } });
    await makeClients(connection).request({ method: 'GET', path: '/api' });
    assert.equal(auth.at(-1), 'Bearer from-first');
  });

  test('TLS material from inline data and files; a missing context is an error', () => {
    writeFileSync(join(dir, 'ca.crt'), 'CA');
    const file = (clusters: unknown[], users: unknown[]) => ({
      currentContext: 'x',
      contexts: [{ name: 'x', fields: { cluster: 'c', user: 'u' }, dir }],
      clusters: clusters as never,
      users: users as never,
    });
    const config = currentConfig([
      file(
        [{ name: 'c', fields: { server: 'https://k:6443', 'certificate-authority': 'ca.crt', 'tls-server-name': 'kubernetes', 'insecure-skip-tls-verify': false }, dir }],
        [{ name: 'u', fields: { 'client-certificate-data': Buffer.from('CERT').toString('base64'), 'client-key-data': Buffer.from('KEY').toString('base64') }, dir }],
      ),
    ]);
    assert.equal(config.ca?.toString(), 'CA');
    assert.equal(config.cert?.toString(), 'CERT');
    assert.equal(config.key?.toString(), 'KEY');
    assert.equal(config.tlsServerName, 'kubernetes');
    assert.equal(config.unsupported, undefined);
    assert.throws(() => currentConfig([{ currentContext: 'nope', contexts: [], clusters: [], users: [] }]), /no current context \(nope is not defined\)/);
  });

  test('in-cluster: the service host and port, the token file and the CA', () => {
    writeFileSync(join(dir, 'token'), 't');
    writeFileSync(join(dir, 'ca.crt'), 'CA');
    assert.deepEqual(inClusterConfig({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, dir), {
      server: 'https://[fd00::1]:443',
      ca: Buffer.from('CA'),
      tokenFile: join(dir, 'token'),
    });
    assert.equal(inClusterConfig({}, dir), undefined);
  });
});

// A loopback TCP proxy in front of the API server, so a test can break a client's connections
// for real: `cut()` resets every open connection (a watch dies mid-stream), `refuse()` resets
// each new one at once (an API server that is down), `forward()` heals. TLS passes through
// untouched: the serving certificate names 127.0.0.1, which the proxy listens on too.
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { KubeConfig } from '../../src/kube/client.ts';

export interface TcpProxy {
  /** A kubeconfig like the cluster's, pointing at the proxy. */
  readonly kubeConfig: KubeConfig;
  /** Connections accepted so far (each client request that opened one). */
  readonly accepted: number;
  /** Connections open now. */
  readonly open: number;
  cut(): void;
  refuse(): void;
  forward(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(kubeconfigPath: string): Promise<TcpProxy> {
  const upstream = new KubeConfig();
  upstream.loadFromFile(kubeconfigPath);
  const target = new URL(upstream.getCurrentCluster()?.server ?? '');
  const sockets = new Set<Socket>();
  let mode: 'forward' | 'refuse' = 'forward';
  let accepted = 0;
  const server: Server = createServer((client) => {
    accepted += 1;
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const backend = connect(Number(target.port), target.hostname);
    for (const [a, b] of [
      [client, backend],
      [backend, client],
    ] as const) {
      sockets.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        sockets.delete(a);
        b.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(readFileSync(kubeconfigPath, 'utf8').replace(target.origin, `https://127.0.0.1:${address.port}`));
  const cut = (): void => {
    for (const socket of sockets) socket.resetAndDestroy();
  };
  return {
    kubeConfig,
    get accepted() {
      return accepted;
    },
    get open() {
      return sockets.size / 2;
    },
    cut,
    refuse() {
      mode = 'refuse';
      cut();
    },
    forward() {
      mode = 'forward';
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

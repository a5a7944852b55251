import { createServer } from 'node:net';

/**
 * A loopback port that was free a moment ago. Another process may take it before
 * ours binds it: callers that start servers retry on a bind failure (see `withPortRetry`).
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

/** Runs `start` up to `attempts` times while it fails because a port was taken meanwhile. */
export async function withPortRetry<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts || !isBindError(error)) throw error;
    }
  }
}

export function isBindError(error: unknown): boolean {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : '';
  const text = error instanceof Error ? `${error.message} ${cause}` : String(error);
  return /address already in use|EADDRINUSE|bind: /i.test(text);
}

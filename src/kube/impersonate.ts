// Requests on behalf of another identity (Kubernetes impersonation): the same API server and
// credentials, plus `Impersonate-User`. The sync engine applies an Application's objects as the
// ServiceAccount it names, so the Application can create only what that account could; the
// controller itself needs only the `impersonate` verb on serviceaccounts for it.
import type * as ClientNode from '@kubernetes/client-node';
import type { AuthorizableOptions, Connection } from './connection.ts';

export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** Raw requests and watches only: typed (client-node) clients would not carry the header. */
export function impersonating(connection: Connection, user: string): Connection {
  return {
    server: connection.server,
    async authorize(options: AuthorizableOptions): Promise<void> {
      await connection.authorize(options);
      options.headers['Impersonate-User'] = user;
    },
    kubeConfig(): ClientNode.KubeConfig {
      throw new Error(`typed clients are not available while impersonating ${user}; use raw requests`);
    },
  };
}

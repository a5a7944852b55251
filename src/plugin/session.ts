// The user's own cluster connection (src/kube/user-kubeconfig.ts) and namespace: -n/--namespace,
// else the context's, else "default". The plugin acts with the user's identity and RBAC rights,
// nothing of the controller's.
import { makeClients, type KubeClients } from '../kube/api-clients.ts';
import { loadUserConnection, UnknownContextError } from '../kube/user-kubeconfig.ts';
import { UserError } from './errors.ts';

export interface GlobalOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
}

export interface Session {
  readonly clients: KubeClients;
  readonly namespace: string;
}

export function openSession(options: GlobalOptions): Session {
  try {
    const user = loadUserConnection({ kubeconfig: options.kubeconfig, context: options.context });
    return { clients: makeClients(user.connection), namespace: options.namespace ?? user.namespace ?? 'default' };
  } catch (error) {
    if (error instanceof UnknownContextError) throw new UserError(error.message);
    throw error;
  }
}

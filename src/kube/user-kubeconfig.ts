// A command-line user's connection, resolved as kubectl resolves it: --kubeconfig (else
// $KUBECONFIG, else ~/.kube/config), --context, and the context's namespace. Through client-node's
// KubeConfig, so every auth method kubectl users have (exec plugins, tokens, client certificates)
// works; the CLI is short-lived, so its memory does not matter (the controller uses connection.ts).
import * as k8s from '@kubernetes/client-node';
import { connectionFromKubeConfig, type Connection } from './connection.ts';

export interface UserConnection {
  readonly connection: Connection;
  /** The context's namespace, if it names one. */
  readonly namespace: string | undefined;
}

export class UnknownContextError extends Error {
  override readonly name = 'UnknownContextError';
}

export function loadUserConnection(options: { readonly kubeconfig?: string | undefined; readonly context?: string | undefined }): UserConnection {
  const kubeConfig = new k8s.KubeConfig();
  if (options.kubeconfig === undefined) kubeConfig.loadFromDefault();
  else kubeConfig.loadFromFile(options.kubeconfig);
  if (options.context !== undefined) {
    if (kubeConfig.getContextObject(options.context) === null) throw new UnknownContextError(`context "${options.context}" does not exist in the kubeconfig`);
    kubeConfig.setCurrentContext(options.context);
  }
  return { connection: connectionFromKubeConfig(kubeConfig), namespace: kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace };
}

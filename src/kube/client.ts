// The one door to the API server: every other module reaches Kubernetes through
// what this folder exports, so a client-node upgrade touches src/kube only.
//
// This module loads client-node (its KubeConfig is exported as a value) and is meant for tests
// and one-shot CLI commands. The controller's runtime uses connection.ts + api-clients.ts
// instead, which load client-node only if a typed client is used (docs/adr/004).
import * as clientNode from '@kubernetes/client-node';
import { KubeConfig } from '@kubernetes/client-node';
import { makeClients, type KubeClientOptions, type KubeClients } from './api-clients.ts';
import { connectionFromKubeConfig } from './connection.ts';

export { KubeConfig };
export type { KubernetesObject } from '@kubernetes/client-node';
export type { KubeClients, KubeClientOptions } from './api-clients.ts';

/** Loads a kubeconfig file; `undefined` loads the default ($KUBECONFIG, ~/.kube/config, in-cluster). */
export function loadKubeConfig(path?: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (path === undefined) kubeConfig.loadFromDefault();
  else kubeConfig.loadFromFile(path);
  return kubeConfig;
}

/**
 * Clients for one kubeconfig, authenticated through client-node's KubeConfig. Without
 * qps/burst/limiter they are unlimited (tests, one-shot CLI commands).
 */
export function makeKubeClients(kubeConfig: KubeConfig, options: KubeClientOptions = {}): KubeClients {
  return makeClients(connectionFromKubeConfig(kubeConfig), options, () => clientNode);
}

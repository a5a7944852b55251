// client-node's typed API clients (CoreV1Api, AppsV1Api, …), for tests and one-shot CLI
// commands. Built from a client-node module handed in rather than imported here, so that a
// process that never uses them (the controller) never loads client-node's models (docs/adr/004).
import type * as ClientNode from '@kubernetes/client-node';
import type { RateLimiter } from './rate-limiter.ts';
import { USER_AGENT } from './raw.ts';

type ClientNodeModule = typeof ClientNode;

export interface TypedClients {
  readonly core: ClientNode.CoreV1Api;
  readonly apps: ClientNode.AppsV1Api;
  readonly batch: ClientNode.BatchV1Api;
  readonly rbac: ClientNode.RbacAuthorizationV1Api;
  readonly apiextensions: ClientNode.ApiextensionsV1Api;
  readonly coordination: ClientNode.CoordinationV1Api;
  readonly custom: ClientNode.CustomObjectsApi;
  /** Generic typed access by apiVersion and kind. Beware: its serializer drops unknown fields of built-in kinds (docs/adr/001). */
  readonly objects: ClientNode.KubernetesObjectApi;
}

export function makeTypedClients(clientNode: ClientNodeModule, kubeConfig: ClientNode.KubeConfig, limiter: RateLimiter | undefined): TypedClients {
  const configuration = apiConfiguration(clientNode, kubeConfig, limiter);
  // KubernetesObjectApi.makeApiClient with our configuration (setDefaultNamespace is protected).
  class ObjectApi extends clientNode.KubernetesObjectApi {
    static make(): ClientNode.KubernetesObjectApi {
      const api = new ObjectApi(configuration);
      api.setDefaultNamespace(kubeConfig);
      return api;
    }
  }
  return {
    core: new clientNode.CoreV1Api(configuration),
    apps: new clientNode.AppsV1Api(configuration),
    batch: new clientNode.BatchV1Api(configuration),
    rbac: new clientNode.RbacAuthorizationV1Api(configuration),
    apiextensions: new clientNode.ApiextensionsV1Api(configuration),
    coordination: new clientNode.CoordinationV1Api(configuration),
    custom: new clientNode.CustomObjectsApi(configuration),
    objects: ObjectApi.make(),
  };
}

/**
 * What `KubeConfig.makeApiClient` builds, plus the limiter in the HTTP layer: every request of
 * every typed client waits for a token, including the discovery lookups KubernetesObjectApi
 * makes on its own, and a call-time middleware option cannot bypass it (those replace middleware,
 * not the HTTP library).
 */
function apiConfiguration(clientNode: ClientNodeModule, kubeConfig: ClientNode.KubeConfig, limiter: RateLimiter | undefined): ClientNode.Configuration {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  const fetchLibrary = new clientNode.IsomorphicFetchHttpLibrary();
  const httpApi: ClientNode.HttpLibrary =
    limiter === undefined
      ? fetchLibrary
      : clientNode.wrapHttpLibrary({
          async send(request) {
            await limiter.acquire(request.getSignal());
            return fetchLibrary.send(request).toPromise();
          },
        });
  return clientNode.createConfiguration({
    baseServer: new clientNode.ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    middleware: [clientNode.setHeaderMiddleware('User-Agent', USER_AGENT)],
    httpApi,
  });
}

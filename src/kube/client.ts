// The one door to the API server: every other module reaches Kubernetes through
// what this folder exports, so a client-node upgrade touches src/kube only.
import {
  ApiextensionsV1Api,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import { Discovery } from './discovery.ts';

export { KubeConfig };
export type { KubernetesObject } from '@kubernetes/client-node';

/** Typed clients built once from one kubeconfig. */
export interface KubeClients {
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly rbac: RbacAuthorizationV1Api;
  readonly apiextensions: ApiextensionsV1Api;
  readonly custom: CustomObjectsApi;
  /** Generic typed access by apiVersion and kind. Beware: its serializer drops unknown fields of built-in kinds (docs/adr/001). */
  readonly objects: KubernetesObjectApi;
  /** Kind → resource path, for raw requests (apply.ts). */
  readonly discovery: Discovery;
}

/** Loads a kubeconfig file; `undefined` loads the default ($KUBECONFIG, ~/.kube/config, in-cluster). */
export function loadKubeConfig(path?: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (path === undefined) kubeConfig.loadFromDefault();
  else kubeConfig.loadFromFile(path);
  return kubeConfig;
}

export function makeKubeClients(kubeConfig: KubeConfig): KubeClients {
  return {
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    apps: kubeConfig.makeApiClient(AppsV1Api),
    batch: kubeConfig.makeApiClient(BatchV1Api),
    rbac: kubeConfig.makeApiClient(RbacAuthorizationV1Api),
    apiextensions: kubeConfig.makeApiClient(ApiextensionsV1Api),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    objects: KubernetesObjectApi.makeApiClient(kubeConfig),
    discovery: new Discovery(kubeConfig),
  };
}

// The one door to the API server: every other module reaches Kubernetes through
// what this folder exports, so a client-node upgrade touches src/kube only.
import {
  ApiextensionsV1Api,
  AppsV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  createConfiguration,
  CustomObjectsApi,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  KubernetesObjectApi,
  RbacAuthorizationV1Api,
  ServerConfiguration,
  setHeaderMiddleware,
  wrapHttpLibrary,
  type Configuration,
  type HttpLibrary,
} from '@kubernetes/client-node';
import type { Clock } from './clock.ts';
import { Discovery } from './discovery.ts';
import { makeTokenBucket, type RateLimiter } from './rate-limiter.ts';
import { rawRequest, USER_AGENT, type RawRequest } from './raw.ts';

export { KubeConfig };
export type { KubernetesObject } from '@kubernetes/client-node';

/** Typed clients built once from one kubeconfig, sharing one client-side rate limiter. */
export interface KubeClients {
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly batch: BatchV1Api;
  readonly rbac: RbacAuthorizationV1Api;
  readonly apiextensions: ApiextensionsV1Api;
  readonly coordination: CoordinationV1Api;
  readonly custom: CustomObjectsApi;
  /** Generic typed access by apiVersion and kind. Beware: its serializer drops unknown fields of built-in kinds (docs/adr/001). */
  readonly objects: KubernetesObjectApi;
  /** Kind → resource path, for raw requests (apply.ts). */
  readonly discovery: Discovery;
  /** The limiter every request but watches waits on; undefined when the clients are unlimited. */
  readonly limiter: RateLimiter | undefined;
  /** A raw JSON request (raw.ts) through this client's rate limiter. */
  request<T>(req: RawRequest, signal?: AbortSignal): Promise<T>;
}

export interface KubeClientOptions {
  /** Sustained requests per second for all requests but watches (client-go's QPS). Setting qps or burst turns limiting on. */
  readonly qps?: number;
  /** Requests allowed at once after an idle period (client-go's Burst). */
  readonly burst?: number;
  /** A limiter to share with other clients instead (e.g. one per process); wins over qps/burst. */
  readonly limiter?: RateLimiter;
  readonly clock?: Clock;
}

/** Loads a kubeconfig file; `undefined` loads the default ($KUBECONFIG, ~/.kube/config, in-cluster). */
export function loadKubeConfig(path?: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (path === undefined) kubeConfig.loadFromDefault();
  else kubeConfig.loadFromFile(path);
  return kubeConfig;
}

/**
 * Clients for one kubeconfig. Without qps/burst/limiter they are unlimited (tests, one-shot CLI
 * commands); the controller passes `DEFAULT_RATE_LIMIT` (rate-limiter.ts) or its flags.
 */
export function makeKubeClients(kubeConfig: KubeConfig, options: KubeClientOptions = {}): KubeClients {
  const limiter = options.limiter ?? limiterFrom(options);
  const configuration = apiConfiguration(kubeConfig, limiter);
  return {
    kubeConfig,
    core: new CoreV1Api(configuration),
    apps: new AppsV1Api(configuration),
    batch: new BatchV1Api(configuration),
    rbac: new RbacAuthorizationV1Api(configuration),
    apiextensions: new ApiextensionsV1Api(configuration),
    coordination: new CoordinationV1Api(configuration),
    custom: new CustomObjectsApi(configuration),
    objects: ObjectApi.make(kubeConfig, configuration),
    discovery: new Discovery(kubeConfig, limiter),
    limiter,
    request: (req, signal) => rawRequest(kubeConfig, req, { limiter, signal }),
  };
}

function limiterFrom(options: KubeClientOptions): RateLimiter | undefined {
  if (options.qps === undefined && options.burst === undefined) return undefined;
  const qps = options.qps ?? 20;
  return makeTokenBucket({ qps, burst: options.burst ?? Math.max(1, Math.ceil(qps * 1.5)), clock: options.clock });
}

/**
 * What `KubeConfig.makeApiClient` builds, plus the limiter in the HTTP layer: every request of
 * every typed client waits for a token, including the discovery lookups KubernetesObjectApi
 * makes on its own, and a call-time middleware option cannot bypass it (those replace middleware,
 * not the HTTP library).
 */
function apiConfiguration(kubeConfig: KubeConfig, limiter: RateLimiter | undefined): Configuration {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  const fetchLibrary = new IsomorphicFetchHttpLibrary();
  const httpApi: HttpLibrary =
    limiter === undefined
      ? fetchLibrary
      : wrapHttpLibrary({
          async send(request) {
            await limiter.acquire(request.getSignal());
            return fetchLibrary.send(request).toPromise();
          },
        });
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    middleware: [setHeaderMiddleware('User-Agent', USER_AGENT)],
    httpApi,
  });
}

/** KubernetesObjectApi.makeApiClient with our configuration (setDefaultNamespace is protected). */
class ObjectApi extends KubernetesObjectApi {
  static make(kubeConfig: KubeConfig, configuration: Configuration): KubernetesObjectApi {
    const api = new ObjectApi(configuration);
    api.setDefaultNamespace(kubeConfig);
    return api;
  }
}

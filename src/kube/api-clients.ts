// The clients every module gets (KubeClients): raw JSON requests and discovery over one
// Connection, through one client-side rate limiter — what the controller's runtime uses — plus
// client-node's typed clients, built on first use only. A process that never touches them
// (the controller) never loads client-node and its models (~85 MB of RSS; docs/adr/004).
import { createRequire } from 'node:module';
import type * as ClientNode from '@kubernetes/client-node';
import type { Clock } from './clock.ts';
import type { ClientNodeModule, Connection } from './connection.ts';
import { Discovery } from './discovery.ts';
import { makeTokenBucket, type RateLimiter } from './rate-limiter.ts';
import { rawRequest, type RawRequest } from './raw.ts';
import { makeTypedClients, type TypedClients } from './typed.ts';

/** Clients for one API server and identity, sharing one client-side rate limiter. */
export interface KubeClients extends TypedClients {
  /** The API server and credentials every raw request and watch uses. */
  readonly connection: Connection;
  /** client-node's KubeConfig for the same cluster and user (loads client-node on first use). */
  readonly kubeConfig: ClientNode.KubeConfig;
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

/** client-node, loaded synchronously the first time a typed client is asked for. */
const requireClientNode = (): ClientNodeModule => createRequire(import.meta.url)('@kubernetes/client-node') as ClientNodeModule;

/**
 * Clients for one connection. Without qps/burst/limiter they are unlimited (tests, one-shot CLI
 * commands); the controller passes `DEFAULT_RATE_LIMIT` (rate-limiter.ts) or its flags.
 * `clientNode` supplies client-node for the typed clients when they are first used.
 */
export function makeClients(connection: Connection, options: KubeClientOptions = {}, clientNode: () => ClientNodeModule = requireClientNode): KubeClients {
  const limiter = options.limiter ?? limiterFrom(options);
  let kubeConfig: ClientNode.KubeConfig | undefined;
  let typed: TypedClients | undefined;
  const config = (): ClientNode.KubeConfig => (kubeConfig ??= connection.kubeConfig(clientNode()));
  const typedClients = (): TypedClients => (typed ??= makeTypedClients(clientNode(), config(), limiter));
  return {
    connection,
    discovery: new Discovery(connection, limiter),
    limiter,
    request: (req, signal) => rawRequest(connection, req, { limiter, signal }),
    get kubeConfig() {
      return config();
    },
    get core() {
      return typedClients().core;
    },
    get apps() {
      return typedClients().apps;
    },
    get batch() {
      return typedClients().batch;
    },
    get rbac() {
      return typedClients().rbac;
    },
    get apiextensions() {
      return typedClients().apiextensions;
    },
    get coordination() {
      return typedClients().coordination;
    },
    get custom() {
      return typedClients().custom;
    },
    get objects() {
      return typedClients().objects;
    },
  };
}

function limiterFrom(options: KubeClientOptions): RateLimiter | undefined {
  if (options.qps === undefined && options.burst === undefined) return undefined;
  const qps = options.qps ?? 20;
  return makeTokenBucket({ qps, burst: options.burst ?? Math.max(1, Math.ceil(qps * 1.5)), clock: options.clock });
}

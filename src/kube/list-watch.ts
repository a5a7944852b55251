// Where an informer gets its objects: a paginated LIST and a WATCH of one collection path, as
// raw JSON. The informer depends on this interface only, so its restart and 410 logic is unit
// tested against a scripted source.
import type { KubeClients } from './client.ts';
import { watchStream, type WatchEvent } from './watch.ts';

export type Query = Readonly<Record<string, string | undefined>>;

export interface ListPage {
  readonly apiVersion?: string;
  /** e.g. "ConfigMapList"; items of built-in lists carry no apiVersion/kind of their own. */
  readonly kind?: string;
  readonly metadata: { readonly resourceVersion: string; readonly continue?: string };
  readonly items: readonly unknown[];
}

export interface ListerWatcher {
  /** One page of the collection. */
  list(query: Query, signal: AbortSignal): Promise<ListPage>;
  /** Streams events until the server ends the watch (resolves) or it fails (rejects). */
  watch(query: Query, onEvent: (event: WatchEvent) => void, signal: AbortSignal): Promise<void>;
}

export interface ApiListerWatcherOptions {
  /** A watch that carries no byte (not even a bookmark) for this long is treated as dead. */
  readonly idleTimeoutMs: number;
}

/** Lists through the client's rate limiter; watches are long-running and not rate limited. */
export function apiListerWatcher(clients: KubeClients, path: string, options: ApiListerWatcherOptions): ListerWatcher {
  return {
    list: (query, signal) => clients.request<ListPage>({ method: 'GET', path, query }, signal),
    watch: (query, onEvent, signal) =>
      watchStream(clients.connection, { path, query }, onEvent, { signal, idleTimeoutMs: options.idleTimeoutMs }),
  };
}

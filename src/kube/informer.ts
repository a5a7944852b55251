// An informer, as client-go's reflector + store: LIST a collection, then WATCH it from the
// list's resourceVersion, keeping an in-memory copy keyed `namespace/name` and telling handlers
// what changed (they typically enqueue the key). Any failure restarts the watch with capped
// exponential backoff from the last resourceVersion seen (bookmarks keep it fresh); only 410
// Gone (that version was compacted away) forces a relist. Steady state: one open watch.
import { ApiException } from './api-exception.ts';
import { backoffMs, type BackoffPolicy } from './backoff.ts';
import type { KubeClients } from './client.ts';
import { systemClock, sleep, type Clock } from './clock.ts';
import { apiStatusCode, isGone, messageOf } from './errors.ts';
import { apiListerWatcher, type ListerWatcher, type ListPage, type Query } from './list-watch.ts';
import { defaultLogger, type Logger } from './logger.ts';
import { keyOf, type KubeObject } from './object.ts';
import type { WatchEvent } from './watch.ts';

export interface InformerHandlers<T> {
  onAdd?(object: T): void;
  onUpdate?(oldObject: T, newObject: T): void;
  /** After a relist, `object` is the last state this informer saw (the deletion itself was missed). */
  onDelete?(object: T): void;
}

export interface InformerOptions {
  /** Collection path: /api/v1/services, /apis/apps/v1/namespaces/ns/replicasets, /apis/sluice.dev/v1alpha1/rollouts. */
  readonly path: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Between restarts after failures; default 1 s doubling to 30 s, with 20% jitter. */
  readonly backoff?: BackoffPolicy;
  /** LIST page size (default 500). */
  readonly pageSize?: number;
  /** Server-side end of each watch request, in seconds; default random in [300, 600) as client-go. */
  readonly watchTimeoutSeconds?: number;
  /** A watch silent this long is dead (the server sends bookmarks every minute); default 2 min. */
  readonly watchIdleTimeoutMs?: number;
  readonly random?: () => number;
  /**
   * Applied to every object before it is stored or handed to handlers (client-go's
   * TransformFunc): keep only what the controller reads, so the cache holds less. After
   * managedFields are dropped; must not mutate its argument; must keep metadata.name,
   * namespace and resourceVersion.
   */
  readonly transform?: (object: KubeObject) => KubeObject;
  /**
   * Keep metadata.managedFields (dropped by default): for a cache whose reader needs to know which
   * fields a field manager owns (the sync engine's drift check).
   */
  readonly keepManagedFields?: boolean;
}

export interface InformerStats {
  /** LIST requests (pages) sent. */
  readonly lists: number;
  /** WATCH requests opened. */
  readonly watches: number;
  /** Failed list/watch attempts (each followed by a restart). */
  readonly failures: number;
  /** Relists forced by 410 Gone. */
  readonly expired: number;
  /** The resourceVersion the next watch starts from. */
  readonly resourceVersion: string | undefined;
}

export interface Informer<T extends KubeObject> {
  /** Starts listing and watching; resolves once the initial list is in the store (synced). */
  start(): Promise<void>;
  /** Stops for good; a start() still waiting rejects. */
  stop(): void;
  hasSynced(): boolean;
  get(key: string): T | undefined;
  /** Every object, or those of one namespace. */
  list(namespace?: string): T[];
  readonly stats: InformerStats;
}

export function makeInformer<T extends KubeObject>(
  clients: KubeClients,
  options: InformerOptions,
  handlers: InformerHandlers<T>,
): Informer<T> {
  const source = apiListerWatcher(clients, options.path, { idleTimeoutMs: options.watchIdleTimeoutMs ?? 120_000 });
  return makeInformerFrom(source, options, handlers);
}

/** An informer over any ListerWatcher (tests script one). */
export function makeInformerFrom<T extends KubeObject>(
  source: ListerWatcher,
  options: InformerOptions,
  handlers: InformerHandlers<T>,
): Informer<T> {
  return new StoreInformer<T>(source, options, handlers);
}

const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 30_000, jitter: 0.2 };

class StoreInformer<T extends KubeObject> implements Informer<T> {
  readonly #source: ListerWatcher;
  readonly #options: InformerOptions;
  readonly #handlers: InformerHandlers<T>;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  #store = new Map<string, T>();
  #resourceVersion: string | undefined;
  #running = false;
  #stopped = false;
  #synced = false;
  #failures = 0;
  #eventsThisWatch = 0;
  #stats = { lists: 0, watches: 0, failures: 0, expired: 0 };
  readonly #syncedPromise: Promise<void>;
  #settleSync: (error?: Error) => void = () => undefined;

  constructor(source: ListerWatcher, options: InformerOptions, handlers: InformerHandlers<T>) {
    this.#source = source;
    this.#options = options;
    this.#handlers = handlers;
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? defaultLogger()).child({ informer: options.path });
    this.#syncedPromise = new Promise<void>((resolve, reject) => {
      this.#settleSync = (error) => (error === undefined ? resolve() : reject(error));
    });
    // A caller that never awaits start() must not see an unhandled rejection on stop().
    this.#syncedPromise.catch(() => undefined);
  }

  get stats(): InformerStats {
    return { ...this.#stats, resourceVersion: this.#resourceVersion };
  }

  start(): Promise<void> {
    if (this.#stopped) return Promise.reject(new Error(`informer ${this.#options.path} was stopped; make a new one`));
    if (!this.#running) {
      this.#running = true;
      void this.#run();
    }
    return this.#syncedPromise;
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    // Aborting the request makes the watch reject; #stopped tells that apart from a failure.
    this.#abort.abort(new Error('informer stopped'));
    if (!this.#synced) this.#settleSync(new Error(`informer ${this.#options.path} stopped before it synced`));
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  get(key: string): T | undefined {
    return this.#store.get(key);
  }

  list(namespace?: string): T[] {
    const all = [...this.#store.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const delayMs = await this.#cycle();
      if (delayMs > 0) await sleep(this.#clock, delayMs, this.#abort.signal);
    }
  }

  /** A list when no resourceVersion is known, then one watch; returns how long to wait before the next. */
  async #cycle(): Promise<number> {
    const startedMs = this.#clock.now();
    this.#eventsThisWatch = 0;
    try {
      if (this.#resourceVersion === undefined) await this.#relist();
      if (this.#stopped) return 0;
      await this.#watch();
      return this.#afterCleanEnd(startedMs);
    } catch (error) {
      return this.#stopped ? 0 : this.#afterFailure(error, startedMs);
    }
  }

  /** A watch that delivered events or lived a while was healthy: the failure streak is over. */
  #wasHealthy(startedMs: number): boolean {
    return this.#eventsThisWatch > 0 || this.#clock.now() - startedMs >= this.#backoff.maxMs;
  }

  get #backoff(): BackoffPolicy {
    return this.#options.backoff ?? DEFAULT_BACKOFF;
  }

  #afterCleanEnd(startedMs: number): number {
    if (this.#stopped || this.#wasHealthy(startedMs)) {
      this.#failures = 0;
      return 0;
    }
    // The server ended a watch at once: something is wrong, do not spin.
    this.#failures += 1;
    return backoffMs(this.#failures, this.#backoff, this.#options.random);
  }

  #afterFailure(error: unknown, startedMs: number): number {
    if (this.#wasHealthy(startedMs)) this.#failures = 0;
    this.#failures += 1;
    this.#stats.failures += 1;
    if (isGone(error)) {
      // Our resourceVersion was compacted away: relist, at once the first time.
      this.#stats.expired += 1;
      const delayMs = backoffMs(this.#failures - 1, this.#backoff, this.#options.random);
      this.#log.info({ resourceVersion: this.#resourceVersion, delayMs, reason: messageOf(error) }, 'watch expired (410 Gone): relisting');
      this.#resourceVersion = undefined;
      return delayMs;
    }
    const delayMs = backoffMs(this.#failures, this.#backoff, this.#options.random);
    const fields = { err: messageOf(error), code: apiStatusCode(error), attempt: this.#failures, delayMs, synced: this.#synced };
    this.#log.warn(fields, 'list/watch failed: restarting after backoff');
    return delayMs;
  }

  #baseQuery(): Query {
    return { labelSelector: this.#options.labelSelector, fieldSelector: this.#options.fieldSelector };
  }

  async #relist(): Promise<void> {
    const next = new Map<string, T>();
    let page: ListPage | undefined;
    let token: string | undefined;
    do {
      this.#stats.lists += 1;
      const query = { ...this.#baseQuery(), limit: String(this.#options.pageSize ?? 500), continue: token };
      page = await this.#source.list(query, this.#abort.signal);
      for (const item of page.items) {
        const object = this.#transform(withTypeMeta(item, page) as T);
        next.set(keyOf(object), object);
      }
      token = page.metadata.continue === '' ? undefined : page.metadata.continue;
    } while (token !== undefined && !this.#stopped);
    if (this.#stopped) return;
    this.#replace(next);
    this.#resourceVersion = page.metadata.resourceVersion;
    if (!this.#synced) {
      this.#synced = true;
      this.#settleSync();
    }
  }

  /** Swaps in a fresh list and reports only what differs from what handlers already saw. */
  #replace(next: Map<string, T>): void {
    const previous = this.#store;
    this.#store = next;
    for (const [key, object] of next) {
      const old = previous.get(key);
      if (old === undefined) this.#emit(() => this.#handlers.onAdd?.(object));
      else if (old.metadata.resourceVersion !== object.metadata.resourceVersion) this.#emit(() => this.#handlers.onUpdate?.(old, object));
    }
    for (const [key, old] of previous) {
      if (!next.has(key)) this.#emit(() => this.#handlers.onDelete?.(old));
    }
  }

  async #watch(): Promise<void> {
    const timeoutSeconds = this.#options.watchTimeoutSeconds ?? Math.floor(300 + 300 * (this.#options.random ?? Math.random)());
    const query = {
      ...this.#baseQuery(),
      resourceVersion: this.#resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(timeoutSeconds),
    };
    this.#stats.watches += 1;
    await this.#source.watch(query, (event) => this.#onEvent(event), this.#abort.signal);
  }

  #onEvent(event: WatchEvent): void {
    if (this.#stopped) return;
    if (event.type === 'ERROR') throw statusError(this.#options.path, event.object);
    this.#eventsThisWatch += 1;
    if (event.type === 'BOOKMARK') {
      this.#resourceVersion = (event.object as KubeObject).metadata.resourceVersion;
      return;
    }
    const object = this.#transform(event.object as T);
    const key = keyOf(object);
    const old = this.#store.get(key);
    if (event.type === 'DELETED') {
      this.#store.delete(key);
      this.#emit(() => this.#handlers.onDelete?.(object));
    } else {
      this.#store.set(key, object);
      this.#emit(() => (old === undefined ? this.#handlers.onAdd?.(object) : this.#handlers.onUpdate?.(old, object)));
    }
    this.#resourceVersion = object.metadata.resourceVersion;
  }

  #transform(object: T): T {
    const stripped = this.#options.keepManagedFields === true ? object : withoutManagedFields(object);
    return this.#options.transform === undefined ? stripped : (this.#options.transform(stripped) as T);
  }

  /** A handler's bug must not stop the informer (nor skip the other handlers). */
  #emit(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#log.error({ err: messageOf(error) }, 'informer event handler threw');
    }
  }
}

/** Items of a built-in list carry no apiVersion/kind; the list's own ("ConfigMapList") says what they are. */
function withTypeMeta(item: unknown, page: ListPage): KubeObject {
  const object = item as Partial<KubeObject> & Pick<KubeObject, 'metadata'>;
  if (object.apiVersion !== undefined && object.kind !== undefined) return object as KubeObject;
  const kind = page.kind?.replace(/List$/, '') ?? '';
  return { ...object, apiVersion: object.apiVersion ?? page.apiVersion ?? '', kind: object.kind ?? kind };
}

/** A watch ERROR event carries a metav1.Status; raise it as the API error it is (410 → isGone). */
function statusError(path: string, status: unknown): ApiException<string> {
  const s = (status ?? {}) as { code?: number; message?: string };
  const code = typeof s.code === 'number' ? s.code : 500;
  return new ApiException(code, `watch ${path}: ${s.message ?? 'error event'}`, JSON.stringify(status), {});
}

/**
 * Informer copies drop metadata.managedFields (as client-go's TransformStripManagedFields): no
 * controller decision reads them, and for server-side-applied objects they are often the largest
 * part of the object — memory held for every object watched.
 */
function withoutManagedFields<T extends KubeObject>(object: T): T {
  if (!('managedFields' in object.metadata)) return object;
  const { managedFields: _dropped, ...metadata } = object.metadata as KubeObject['metadata'] & { managedFields?: unknown };
  return { ...object, metadata };
}

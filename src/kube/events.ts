// Kubernetes Events (core/v1) for what users should see in `kubectl describe`/`get events`,
// as client-go's EventRecorder: an identical event (same object, type, reason and message)
// repeated within 10 minutes bumps `count` and `lastTimestamp` of the one Event instead of
// creating another. Recording never throws and never blocks the caller: events are best effort,
// a failure is logged and dropped. The backlog of writes is bounded (client-go's broadcaster drops
// events when its queue of 1,000 is full, and so do we): a burst of work on thousands of objects
// cannot keep the controller writing events for minutes after it has gone quiet.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { KubeClients } from './client.ts';
import { systemClock, type Clock } from './clock.ts';
import { isNotFound, messageOf } from './errors.ts';
import { defaultLogger, type Logger } from './logger.ts';
import type { KubeObject } from './object.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  /** source.component / reportingComponent, e.g. "sluice-controller". */
  readonly component: string;
  /** source.host / reportingInstance; default the host name. */
  readonly host?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Identical events this close together are one Event with a count (default 10 min, as client-go). */
  readonly aggregationWindowMs?: number;
  /** Distinct events remembered for aggregation (default 4096, as client-go's cache). */
  readonly cacheSize?: number;
  /** Writes waiting at most; events beyond are dropped and counted (default 1000, as client-go). */
  readonly maxBacklog?: number;
  /**
   * Writes in flight at most (default 4). A backlog released at once by the rate limiter would
   * otherwise open a connection per write: a TLS handshake each for the API server, and their
   * buffers in this process's RSS (docs/adr/008).
   */
  readonly concurrency?: number;
}

export interface EventRecorder {
  /**
   * Records (or counts) an event about `involvedObject`. Never rejects: the promise resolves once
   * the Event is written or, on error, logged and dropped. Awaiting it is optional.
   */
  record(involvedObject: KubeObject, type: EventType, reason: string, message: string): Promise<void>;
  /** Resolves when every event recorded so far has been written (or dropped). */
  flush(): Promise<void>;
  /** Events dropped because the backlog was full, since the start. */
  readonly dropped: number;
}

interface Seen {
  readonly namespace: string;
  readonly name: string;
  readonly count: number;
  readonly lastSeenMs: number;
}

interface CoreEvent {
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly count?: number;
}

type Clients = Pick<KubeClients, 'request'>;

export function makeEventRecorder(clients: Clients, options: EventRecorderOptions): EventRecorder {
  return new Recorder(clients, options);
}

/** metav1.Time: RFC 3339 in whole seconds. */
function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

class Recorder implements EventRecorder {
  readonly #clients: Clients;
  readonly #options: EventRecorderOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #host: string;
  /** Aggregation key → the Event written for it; Map order doubles as LRU order. */
  readonly #seen = new Map<string, Seen>();
  /** Writes per aggregation key are chained, so a burst of identical events is one create and patches. */
  readonly #pending = new Map<string, Promise<void>>();
  /** Writes in flight (at most `concurrency`), and the writes waiting for one of them to finish. */
  #writing = 0;
  readonly #slots: (() => void)[] = [];
  /** Writes recorded and not yet done. */
  #backlog = 0;
  #dropped = 0;
  /** Drops not yet reported in the log (one warning per 30 s at most). */
  #unreported = 0;
  #lastReportMs = Number.NEGATIVE_INFINITY;

  constructor(clients: Clients, options: EventRecorderOptions) {
    this.#clients = clients;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? defaultLogger()).child({ component: 'events' });
    this.#host = options.host ?? hostname();
  }

  get dropped(): number {
    return this.#dropped;
  }

  record(object: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    if (this.#backlog >= (this.#options.maxBacklog ?? 1000)) {
      this.#drop(reason);
      return Promise.resolve();
    }
    this.#backlog += 1;
    // Only the reference and the time are kept while the write waits for its turn (the rate
    // limiter may hold thousands): not the object, which the caller's cache has long replaced.
    const involvedObject = referenceTo(object);
    const at = this.#clock.now();
    const key = [involvedObject.apiVersion, involvedObject.kind, involvedObject.namespace, involvedObject.name, involvedObject.uid, type, reason, message].join('\u0000');
    const previous = this.#pending.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.#inSlot(() => this.#write(key, { involvedObject, type, reason, message, at })))
      .catch((error: unknown) => this.#log.warn({ err: messageOf(error), reason, object: `${involvedObject.namespace ?? ''}/${involvedObject.name}` }, 'could not record an event: dropped'))
      .finally(() => {
        this.#backlog -= 1;
        if (this.#pending.get(key) === next) this.#pending.delete(key);
      });
    this.#pending.set(key, next);
    return next;
  }

  async #inSlot(write: () => Promise<void>): Promise<void> {
    if (this.#writing >= (this.#options.concurrency ?? 4)) await new Promise<void>((resolve) => this.#slots.push(resolve));
    else this.#writing += 1;
    try {
      await write();
    } finally {
      // The slot passes straight to the next waiter, if any; else it is free.
      const next = this.#slots.shift();
      if (next === undefined) this.#writing -= 1;
      else next();
    }
  }

  #drop(reason: string): void {
    this.#dropped += 1;
    this.#unreported += 1;
    const now = this.#clock.now();
    if (now - this.#lastReportMs < 30_000) return;
    this.#log.warn({ dropped: this.#unreported, total: this.#dropped, reason, backlog: this.#backlog }, 'event backlog full: events dropped');
    this.#unreported = 0;
    this.#lastReportMs = now;
  }

  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending.values()]);
  }

  async #write(key: string, event: NewEvent): Promise<void> {
    const now = event.at;
    const seen = this.#seen.get(key);
    const windowMs = this.#options.aggregationWindowMs ?? 10 * 60_000;
    if (seen !== undefined && now - seen.lastSeenMs <= windowMs) {
      const bumped = await this.#bump(seen, now);
      if (bumped !== undefined) {
        this.#remember(key, bumped);
        return;
      }
    }
    const created = await this.#clients.request<CoreEvent>({
      method: 'POST',
      path: `/api/v1/namespaces/${encodeURIComponent(namespaceOf(event.involvedObject))}/events`,
      body: this.#newEvent(event, now),
    });
    this.#remember(key, { namespace: created.metadata.namespace, name: created.metadata.name, count: created.count ?? 1, lastSeenMs: now });
  }

  /** count+1 and a new lastTimestamp on the existing Event; undefined when it is gone (expired by its TTL). */
  async #bump(seen: Seen, now: number): Promise<Seen | undefined> {
    const path = `/api/v1/namespaces/${encodeURIComponent(seen.namespace)}/events/${encodeURIComponent(seen.name)}`;
    try {
      const patched = await this.#clients.request<CoreEvent>({
        method: 'PATCH',
        path,
        body: { count: seen.count + 1, lastTimestamp: timestamp(now) },
        contentType: 'application/merge-patch+json',
      });
      return { ...seen, count: patched.count ?? seen.count + 1, lastSeenMs: now };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  #remember(key: string, seen: Seen): void {
    this.#seen.delete(key);
    this.#seen.set(key, seen);
    const limit = this.#options.cacheSize ?? 4096;
    for (const oldest of this.#seen.keys()) {
      if (this.#seen.size <= limit) break;
      this.#seen.delete(oldest);
    }
  }

  #newEvent(event: NewEvent, now: number): Record<string, unknown> {
    const { involvedObject } = event;
    const at = timestamp(now);
    return {
      apiVersion: 'v1',
      kind: 'Event',
      // As client-go: the object's name and a unique suffix.
      metadata: { name: `${involvedObject.name}.${now.toString(16)}${randomBytes(4).toString('hex')}`, namespace: namespaceOf(involvedObject) },
      involvedObject,
      type: event.type,
      reason: event.reason,
      // events.k8s.io caps a note at 1 kB; keep core/v1 events within it too.
      message: event.message.length > 1024 ? `${event.message.slice(0, 1021)}...` : event.message,
      source: { component: this.#options.component, host: this.#host },
      reportingComponent: this.#options.component,
      reportingInstance: this.#host,
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
    };
  }
}

interface ObjectReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly uid: string | undefined;
  readonly resourceVersion: string | undefined;
}

interface NewEvent {
  readonly involvedObject: ObjectReference;
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
  /** When it was recorded (ms): the Event's timestamps, however long the write waited. */
  readonly at: number;
}

function referenceTo(o: KubeObject): ObjectReference {
  const { name, namespace, uid, resourceVersion } = o.metadata;
  return { apiVersion: o.apiVersion, kind: o.kind, name, namespace, uid, resourceVersion };
}

/** Events live in the object's namespace; those about cluster-scoped objects in "default" (as client-go). */
function namespaceOf(object: ObjectReference): string {
  return object.namespace ?? 'default';
}

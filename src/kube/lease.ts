// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection:
// - every write carries the resourceVersion it was decided on, so of two candidates that read
//   the same Lease only one write succeeds and only that one leads;
// - a Lease held by another is taken only after it went unchanged for leaseDurationSeconds as
//   measured on OUR clock since we saw it change (not its renewTime, which is another machine's
//   clock: skew would let two leaders overlap); a follower checks again exactly at that expiry;
// - a leader that could not renew within renewDeadlineSeconds stops leading (its signal aborts)
//   before any follower may take over (renewDeadline < leaseDuration);
// - the leader renews with the Lease it last wrote (one PUT per retryPeriod, no GET): idle
//   means idle; stop() releases the Lease so a successor takes over at its next retry.
import type { KubeClients } from './client.ts';
import { systemClock, sleep, type Clock, type TimerHandle } from './clock.ts';
import { isAlreadyExists, isConflict, isNotFound, messageOf } from './errors.ts';
import { defaultLogger, type Logger } from './logger.ts';
import type { KubeObject } from './object.ts';

export interface LeaderElectionConfig {
  readonly clients: Pick<KubeClients, 'request'>;
  readonly namespace: string;
  readonly name: string;
  /** Unique per process (pod name plus a random suffix): two processes with one identity would both lead. */
  readonly identity: string;
  /** Written on the Lease while we hold it (e.g. the leader's version, for `kubectl sluice version`). */
  readonly annotations?: Readonly<Record<string, string>>;
  readonly leaseDurationSeconds?: number;
  readonly renewDeadlineSeconds?: number;
  readonly retryPeriodSeconds?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export interface LeaderCallbacks {
  /** Start the controllers; `signal` aborts when leadership is lost or the election stops. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /**
   * Leadership is over: stop writing. `lost` is false when stop() ended it (a graceful shutdown)
   * and true when renewing failed or another candidate took the Lease. stop() waits for a
   * returned promise before it releases the Lease.
   */
  onStoppedLeading(info: { readonly lost: boolean; readonly reason: string }): void | Promise<void>;
}

/** Stops the election; `release: false` leaves the Lease as it is (what a crash would do). */
export type StopLeaderElection = (options?: { readonly release?: boolean }) => Promise<void>;

export interface LeaseSpec {
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  readonly acquireTime?: string;
  readonly renewTime?: string;
  readonly leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  readonly spec?: LeaseSpec;
}

export function runLeaderElection(config: LeaderElectionConfig, callbacks: LeaderCallbacks): StopLeaderElection {
  const elector = new Elector(config, callbacks);
  return (options) => elector.stop(options?.release !== false);
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

type Outcome = 'leading' | 'following' | 'error';

class Elector {
  readonly #config: LeaderElectionConfig;
  readonly #callbacks: LeaderCallbacks;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #path: string;
  readonly #stopping = new AbortController();
  readonly #loop: Promise<void>;
  #stopped: Promise<void> | undefined;
  #leading: { readonly abort: AbortController; deadline: TimerHandle } | undefined;
  #stoppedLeading: Promise<void> = Promise.resolve();
  /** The Lease as we last read or wrote it. */
  #lease: Lease | undefined;
  /** When (our clock) we first saw the Lease at its current resourceVersion. */
  #observedAtMs = 0;

  constructor(config: LeaderElectionConfig, callbacks: LeaderCallbacks) {
    this.#config = config;
    this.#callbacks = callbacks;
    this.#clock = config.clock ?? systemClock;
    this.#log = (config.logger ?? defaultLogger()).child({ lease: `${config.namespace}/${config.name}`, identity: config.identity });
    this.#leaseDurationMs = (config.leaseDurationSeconds ?? 15) * 1000;
    this.#renewDeadlineMs = (config.renewDeadlineSeconds ?? 10) * 1000;
    this.#retryPeriodMs = (config.retryPeriodSeconds ?? 2) * 1000;
    if (!(this.#leaseDurationMs > this.#renewDeadlineMs && this.#renewDeadlineMs > this.#retryPeriodMs && this.#retryPeriodMs > 0)) {
      throw new Error('leader election needs leaseDurationSeconds > renewDeadlineSeconds > retryPeriodSeconds > 0');
    }
    this.#path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(config.namespace)}/leases`;
    this.#loop = this.#run();
  }

  stop(release: boolean): Promise<void> {
    this.#stopped ??= this.#shutDown(release);
    return this.#stopped;
  }

  async #shutDown(release: boolean): Promise<void> {
    this.#stopping.abort(new Error('leader election stopped'));
    await this.#loop;
    this.#lose('leader election stopped', false);
    await this.#stoppedLeading;
    if (release) await this.#release();
  }

  async #run(): Promise<void> {
    while (!this.#stopping.signal.aborted) {
      const outcome = await this.#attempt();
      if (this.#stopping.signal.aborted) return;
      await sleep(this.#clock, this.#delayAfter(outcome), this.#stopping.signal);
    }
  }

  #delayAfter(outcome: Outcome): number {
    if (outcome !== 'following') return this.#retryPeriodMs;
    // Look again when the holder's lease would expire, if that comes before the next retry.
    const expiresInMs = this.#observedAtMs + this.#holderDurationMs() - this.#clock.now();
    return Math.max(0, Math.min(this.#retryPeriodMs, expiresInMs));
  }

  async #attempt(): Promise<Outcome> {
    // No request may outlive the renew deadline: a hung renewal must not keep us leading.
    const abort = new AbortController();
    const onStop = (): void => abort.abort(this.#stopping.signal.reason);
    this.#stopping.signal.addEventListener('abort', onStop, { once: true });
    const timer = this.#clock.setTimeout(() => abort.abort(new Error('lease request timed out')), this.#renewDeadlineMs);
    try {
      if (await this.#tryAcquireOrRenew(abort.signal)) {
        this.#renewed();
        return 'leading';
      }
      this.#lose(`the lease is held by ${this.#lease?.spec?.holderIdentity ?? 'another candidate'}`);
      return 'following';
    } catch (error) {
      if (!this.#stopping.signal.aborted) this.#log.warn({ err: messageOf(error), leading: this.#leading !== undefined }, 'could not acquire or renew the lease');
      return 'error';
    } finally {
      this.#clock.clearTimeout(timer);
      this.#stopping.signal.removeEventListener('abort', onStop);
    }
  }

  /** True when we hold the Lease after this attempt. */
  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    // Renew from what we last wrote; a conflict means someone else wrote: read and decide.
    if (this.#holdsCached() && (await this.#write(this.#next(this.#lease as Lease, false), signal))) return true;
    const current = await this.#read(signal);
    if (current === undefined) return this.#create(signal);
    this.#observe(current);
    const holder = current.spec?.holderIdentity ?? '';
    const mine = holder === this.#config.identity;
    if (holder !== '' && !mine && !this.#expired()) return false;
    return this.#write(this.#next(current, !mine), signal);
  }

  #holdsCached(): boolean {
    return this.#leading !== undefined && this.#lease?.spec?.holderIdentity === this.#config.identity;
  }

  #expired(): boolean {
    return this.#clock.now() >= this.#observedAtMs + this.#holderDurationMs();
  }

  #holderDurationMs(): number {
    const seconds = this.#lease?.spec?.leaseDurationSeconds;
    return seconds === undefined ? this.#leaseDurationMs : seconds * 1000;
  }

  #observe(lease: Lease): void {
    if (lease.metadata.resourceVersion !== this.#lease?.metadata.resourceVersion) this.#observedAtMs = this.#clock.now();
    this.#lease = lease;
  }

  /** The Lease renewed by us, or taken over by us (a new acquireTime and one more transition). */
  #next(lease: Lease, takeOver: boolean): Lease {
    const now = microTime(this.#clock.now());
    const spec = lease.spec ?? {};
    return {
      ...lease,
      metadata: { ...lease.metadata, ...this.#annotations(lease.metadata.annotations) },
      spec: {
        ...spec,
        holderIdentity: this.#config.identity,
        leaseDurationSeconds: this.#leaseDurationMs / 1000,
        renewTime: now,
        acquireTime: takeOver ? now : (spec.acquireTime ?? now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (takeOver ? 1 : 0),
      },
    };
  }

  #annotations(existing: Readonly<Record<string, string>> | undefined): { annotations?: Record<string, string> } {
    const ours = this.#config.annotations;
    return ours === undefined ? (existing === undefined ? {} : { annotations: { ...existing } }) : { annotations: { ...existing, ...ours } };
  }

  async #read(signal: AbortSignal): Promise<Lease | undefined> {
    try {
      return await this.#config.clients.request<Lease>({ method: 'GET', path: `${this.#path}/${encodeURIComponent(this.#config.name)}` }, signal);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async #create(signal: AbortSignal): Promise<boolean> {
    const now = microTime(this.#clock.now());
    const lease: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.#config.name, namespace: this.#config.namespace, ...this.#annotations(undefined) },
      spec: { holderIdentity: this.#config.identity, leaseDurationSeconds: this.#leaseDurationMs / 1000, acquireTime: now, renewTime: now, leaseTransitions: 0 },
    };
    try {
      this.#accept(await this.#config.clients.request<Lease>({ method: 'POST', path: this.#path, body: lease }, signal));
      return true;
    } catch (error) {
      if (isAlreadyExists(error)) return false; // another candidate created it first
      throw error;
    }
  }

  /** PUT with the resourceVersion `lease` carries: false when the Lease changed since (409). */
  async #write(lease: Lease, signal: AbortSignal): Promise<boolean> {
    try {
      const path = `${this.#path}/${encodeURIComponent(this.#config.name)}`;
      this.#accept(await this.#config.clients.request<Lease>({ method: 'PUT', path, body: lease }, signal));
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  #accept(written: Lease): void {
    this.#lease = written;
    this.#observedAtMs = this.#clock.now();
  }

  #renewed(): void {
    if (this.#leading === undefined) {
      const abort = new AbortController();
      this.#leading = { abort, deadline: this.#armDeadline() };
      this.#log.info({ transitions: this.#lease?.spec?.leaseTransitions }, 'became leader');
      Promise.resolve()
        .then(() => this.#callbacks.onStartedLeading(abort.signal))
        .catch((error: unknown) => this.#log.error({ err: messageOf(error) }, 'onStartedLeading failed'));
      return;
    }
    this.#clock.clearTimeout(this.#leading.deadline);
    this.#leading.deadline = this.#armDeadline();
  }

  #armDeadline(): TimerHandle {
    return this.#clock.setTimeout(() => this.#lose(`could not renew the lease within ${this.#renewDeadlineMs} ms`), this.#renewDeadlineMs);
  }

  #lose(reason: string, lost = true): void {
    const leading = this.#leading;
    if (leading === undefined) return;
    this.#leading = undefined;
    this.#clock.clearTimeout(leading.deadline);
    if (lost) this.#log.warn({ reason }, 'lost leadership');
    else this.#log.info({ reason }, 'stopped leading');
    leading.abort.abort(new Error(reason));
    this.#stoppedLeading = Promise.resolve()
      .then(() => this.#callbacks.onStoppedLeading({ lost, reason }))
      .catch((error: unknown) => this.#log.error({ err: messageOf(error) }, 'onStoppedLeading failed'));
  }

  /** Clears holderIdentity (with our resourceVersion, so a newer holder is never touched). */
  async #release(): Promise<void> {
    const lease = this.#lease;
    if (lease?.spec?.holderIdentity !== this.#config.identity) return;
    const now = microTime(this.#clock.now());
    const released: Lease = { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now } };
    try {
      await this.#write(released, AbortSignal.timeout(this.#renewDeadlineMs));
      this.#log.info({}, 'released the lease');
    } catch (error) {
      this.#log.warn({ err: messageOf(error) }, 'could not release the lease: a successor takes over when it expires');
    }
  }
}

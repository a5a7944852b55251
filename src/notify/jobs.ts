// Deliveries waiting, in flight or done in this process, by queue key. The object's record is
// the memory that survives a restart; this one covers the moments before our own record write
// shows in the informer's copy (another status update of the object must not send it again).
import type { Clock } from '../kube/clock.ts';
import { keyOf, refOf, type KubeObject, type ObjectRef } from '../kube/object.ts';
import type { DeliveryPolicy } from './config.ts';
import { buildRequest, mergeTemplates, type NotificationEvent, type OutgoingRequest } from './messages.ts';
import type { PlannedDelivery } from './plan.ts';
import { summaryOf, type Subject } from './subjects.ts';

export interface Job {
  /** `<kind>/<namespace>/<name>`: the object whose record this delivery goes into. */
  readonly objectKey: string;
  readonly ref: ObjectRef;
  readonly recordKey: string;
  readonly service: string;
  readonly trigger: string;
  readonly policy: DeliveryPolicy;
  /** Undefined when it could not be built (a template's blocks are not JSON): fails at once. */
  readonly request: OutgoingRequest | undefined;
  readonly problem?: string;
  /** Safe to log: no URL, header or body. */
  readonly logFields: Readonly<Record<string, unknown>>;
  attempts: number;
}

export interface Jobs {
  /** The queue key of a new job, or undefined when this delivery is already known. */
  add(subject: Subject, delivery: PlannedDelivery): string | undefined;
  get(key: string): Job | undefined;
  /** The job is over; its key stays known until the record shows it. */
  done(key: string): void;
  forgetRecorded(kind: string, object: KubeObject, recorded: ReadonlySet<string>): void;
  forgetObject(kind: string, object: KubeObject): void;
}

export function makeJobs(clock: Clock): Jobs {
  const jobs = new Map<string, Job>();
  /** objectKey → record keys queued, in flight or done. */
  const known = new Map<string, Set<string>>();
  const objectKeyOf = (kind: string, object: KubeObject): string => `${kind}/${keyOf(object)}`;
  return {
    add(subject, delivery) {
      const objectKey = objectKeyOf(subject.kind, subject.object);
      const keys = known.get(objectKey) ?? new Set<string>();
      if (keys.has(delivery.key)) return undefined;
      keys.add(delivery.key);
      known.set(objectKey, keys);
      const key = `${objectKey}/${delivery.key}`;
      jobs.set(key, makeJob(subject, delivery, objectKey, clock));
      return key;
    },
    get: (key) => jobs.get(key),
    done: (key) => void jobs.delete(key),
    forgetRecorded(kind, object, recorded) {
      const keys = known.get(objectKeyOf(kind, object));
      if (keys === undefined) return;
      for (const k of recorded) keys.delete(k);
    },
    forgetObject(kind, object) {
      const objectKey = objectKeyOf(kind, object);
      known.delete(objectKey);
      for (const key of jobs.keys()) if (key.startsWith(`${objectKey}/`)) jobs.delete(key);
    },
  };
}

function makeJob(subject: Subject, delivery: PlannedDelivery, objectKey: string, clock: Clock): Job {
  const { object } = subject;
  const event: NotificationEvent = {
    id: delivery.eventId,
    trigger: delivery.hit.trigger,
    oncePer: delivery.hit.oncePer,
    recipient: delivery.recipient,
    time: new Date(clock.now()).toISOString(),
    object: summaryOf(object),
    status: object.status ?? {},
  };
  const built = tryBuild(() => buildRequest(delivery.service, mergeTemplates(delivery.templates), subject.vars, event));
  return {
    objectKey,
    ref: refOf(object),
    recordKey: delivery.key,
    service: delivery.service.name,
    trigger: delivery.hit.trigger,
    policy: delivery.service.policy,
    ...built,
    logFields: { service: delivery.service.name, trigger: delivery.hit.trigger, kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name, eventId: event.id },
    attempts: 0,
  };
}

function tryBuild(build: () => OutgoingRequest): { request: OutgoingRequest | undefined; problem?: string } {
  try {
    return { request: build() };
  } catch (error) {
    // Only template errors land here (JSON.parse of rendered blocks): the message has no secrets.
    return { request: undefined, problem: `template: ${error instanceof Error ? error.message : String(error)}` };
  }
}

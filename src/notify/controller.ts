// The notification controller: informers on Rollouts, AnalysisRuns and Applications (and on the
// `sluice-notifications` ConfigMap and Secret, by name, in the controller's namespace) evaluate
// the triggers on every state they deliver; what a state calls for, and the object's record
// says was not delivered yet, goes to a queue of its own with its own workers, so a slow or dead
// receiver delays nothing else. A failed attempt that may succeed later is requeued after a
// backoff (no worker sleeps); the outcome is recorded on the object (record.ts).
// Logs name the service, trigger and object — never a URL, header or body (they carry secrets).
import type { KubeClients } from '../kube/api-clients.ts';
import { systemClock, type Clock } from '../kube/clock.ts';
import type { Informer } from '../kube/informer.ts';
import { unsharedInformers, type InformerFactory } from '../kube/shared-informers.ts';
import type { Logger } from '../kube/logger.ts';
import { keyOf, type KubeObject } from '../kube/object.ts';
import { makeWorkQueue, type ReconcileResult } from '../kube/workqueue.ts';
import { API_VERSION } from '../api/names.ts';
import { CONFIG_MAP_NAME, parseConfig, SECRET_NAME, type NotifyConfig } from './config.ts';
import { sendWithGot, type Send } from './delivery.ts';
import { makeJobs, type Job } from './jobs.ts';
import { planDeliveries } from './plan.ts';
import { recordedKeys } from './record.ts';
import { makeRecordWriter } from './record-writer.ts';
import { classify, describeAttempt, retryDelayMs } from './retry.ts';
import { analysisRunSubject, applicationSubject, ownerRolloutName, rolloutSubject, type StatusObject, type Subject } from './subjects.ts';

export interface DeliveryReport {
  readonly service: string;
  readonly trigger: string;
  readonly result: 'sent' | 'failed';
}

export interface NotificationControllerOptions {
  readonly clients: KubeClients;
  readonly logger: Logger;
  /** Watch one namespace only; all namespaces when undefined. */
  readonly namespace?: string;
  /** Where the sluice-notifications ConfigMap and Secret live (the controller's namespace). */
  readonly configNamespace: string;
  readonly clock?: Clock;
  /** Called once per delivery when it is sent or given up on (metrics). */
  readonly onDelivery?: (o: DeliveryReport) => void;
  /** Concurrent deliveries (default 8). */
  readonly workers?: number;
  /** One HTTP attempt (default: got); tests may script one. */
  readonly send?: Send;
  /** Informers shared with the process's other controllers (cli); its own by default. */
  readonly informers?: InformerFactory;
}

export interface NotificationController {
  /** Starts the informers, waits for their caches, then delivers until stop(). */
  run(): Promise<void>;
  stop(): Promise<void>;
}

interface ConfigObject extends KubeObject {
  readonly data?: Readonly<Record<string, string>>;
}

const scope = (namespace: string | undefined): string => (namespace === undefined ? '' : `/namespaces/${namespace}`);

export function makeNotificationController(options: NotificationControllerOptions): NotificationController {
  const clock = options.clock ?? systemClock;
  const log = options.logger.child({ controller: 'notifications' });
  const queue = makeWorkQueue({ clock, logger: log, name: 'notifications' });
  const jobs = makeJobs(clock);
  const recorder = makeRecordWriter(options.clients, log);
  const send = options.send ?? sendWithGot;
  const state = { ready: false, config: parseConfig(undefined, undefined) };
  const reported = new Set<string>();

  const evaluate = (subject: Subject): void => {
    if (!state.ready) return;
    const { object } = subject;
    if (object.metadata.deletionTimestamp !== undefined || object.metadata.uid === undefined) return;
    const recorded = recordedKeys(object.metadata.annotations);
    jobs.forgetRecorded(subject.kind, object, recorded);
    const plan = planDeliveries({ uid: object.metadata.uid, hits: subject.hits, subscriptions: subject.subscriptions, recorded, config: state.config });
    reportProblems(plan.problems, object);
    for (const delivery of plan.deliveries) {
      const key = jobs.add(subject, delivery);
      if (key !== undefined) queue.add(key);
    }
  };
  const reportProblems = (problems: readonly string[], object: KubeObject): void => {
    for (const problem of problems) {
      const id = `${keyOf(object)}: ${problem}`;
      if (reported.has(id)) continue;
      if (reported.size > 10_000) reported.clear();
      reported.add(id);
      log.warn({ kind: object.kind, namespace: object.metadata.namespace, name: object.metadata.name, problem }, 'notification subscription cannot be served');
    }
  };

  const informers = makeInformers(options, {
    rollout: (r) => {
      evaluate(rolloutSubject(r));
      // The runs of a Rollout read its subscriptions: a new annotation applies to them too.
      for (const run of informers.runs.list(r.metadata.namespace)) if (ownerRolloutName(run)?.uid === r.metadata.uid) evaluate(runSubject(run));
    },
    run: (run) => evaluate(runSubject(run)),
    app: (app) => evaluate(applicationSubject(app)),
    config: () => reloadConfig(),
    deleted: (kind, object) => jobs.forgetObject(kind, object),
  });
  const runSubject = (run: StatusObject): Subject => {
    const owner = ownerRolloutName(run);
    const rollout = owner === undefined ? undefined : informers.rollouts.get(`${run.metadata.namespace}/${owner.name}`);
    return analysisRunSubject(run, rollout?.metadata.uid === owner?.uid ? rollout : undefined);
  };
  const evaluateAll = (): void => {
    for (const r of informers.rollouts.list()) evaluate(rolloutSubject(r));
    for (const run of informers.runs.list()) evaluate(runSubject(run));
    for (const app of informers.apps.list()) evaluate(applicationSubject(app));
  };
  const reloadConfig = (): void => {
    if (!state.ready) return;
    state.config = loadConfig(informers, options.configNamespace);
    for (const problem of state.config.problems) log.warn({ configMap: `${options.configNamespace}/${CONFIG_MAP_NAME}`, problem }, 'notification configuration problem');
    log.info({ services: [...state.config.services.keys()] }, 'notification configuration loaded');
    evaluateAll();
  };

  const deliver = async (key: string, signal: AbortSignal): Promise<ReconcileResult> => {
    const job = jobs.get(key);
    if (job === undefined) return;
    if (job.request === undefined) return finish(key, job, 'failed', job.problem ?? 'could not build the request');
    const attempt = await send(job.request, job.policy.timeoutMs, signal);
    // Stopping aborts the request: not an outcome; a restart evaluates the object again.
    if (signal.aborted) return;
    job.attempts += 1;
    if (classify(attempt) === 'sent') return finish(key, job, 'sent', describeAttempt(attempt));
    const delayMs = retryDelayMs(attempt, job.attempts, job.policy);
    if (delayMs === undefined) return finish(key, job, 'failed', describeAttempt(attempt));
    log.warn({ ...job.logFields, attempt: job.attempts, outcome: describeAttempt(attempt), retryInMs: Math.round(delayMs) }, 'notification not delivered yet: retrying');
    return { requeueAfterMs: delayMs };
  };
  const finish = async (key: string, job: Job, result: 'sent' | 'failed', outcome: string): Promise<undefined> => {
    jobs.done(key);
    const fields = { ...job.logFields, attempts: job.attempts, outcome };
    if (result === 'sent') log.info(fields, 'notification sent');
    else log.error(fields, 'notification failed: giving up');
    options.onDelivery?.({ service: job.service, trigger: job.trigger, result });
    await recorder.add(job.objectKey, job.ref, { key: job.recordKey, outcome: result, at: new Date(clock.now()).toISOString() });
    return undefined;
  };

  return {
    async run() {
      await Promise.all(informers.all.map((i) => i.start()));
      state.ready = true;
      log.info({ namespace: options.namespace ?? '(all)', configNamespace: options.configNamespace }, 'notification controller caches synced');
      reloadConfig();
      await queue.run(options.workers ?? 8, deliver);
    },
    async stop() {
      state.ready = false;
      for (const informer of informers.all) informer.stop();
      await queue.shutDown();
      await recorder.idle();
    },
  };
}

interface Handlers {
  rollout(object: StatusObject): void;
  run(object: StatusObject): void;
  app(object: StatusObject): void;
  config(): void;
  deleted(kind: Subject['kind'], object: KubeObject): void;
}

interface Informers {
  readonly rollouts: Informer<StatusObject>;
  readonly runs: Informer<StatusObject>;
  readonly apps: Informer<StatusObject>;
  readonly configMaps: Informer<ConfigObject>;
  readonly secrets: Informer<ConfigObject>;
  readonly all: readonly Informer<KubeObject>[];
}

function makeInformers(options: NotificationControllerOptions, handlers: Handlers): Informers {
  const { clients, namespace, configNamespace } = options;
  const informerFactory = options.informers ?? unsharedInformers;
  const common = { clock: options.clock, logger: options.logger };
  const watch = (resource: string, kind: Subject['kind'], onChange: (o: StatusObject) => void): Informer<StatusObject> =>
    informerFactory.informer<StatusObject>(clients, { path: `/apis/${API_VERSION}${scope(namespace)}/${resource}`, ...common }, {
      onAdd: onChange,
      onUpdate: (_, o) => onChange(o),
      onDelete: (o) => handlers.deleted(kind, o),
    });
  // One object each, by name: RBAC can then grant exactly these (resourceNames + a name field selector).
  const byName = (resource: string, name: string): Informer<ConfigObject> =>
    informerFactory.informer<ConfigObject>(clients, { path: `/api/v1/namespaces/${configNamespace}/${resource}`, fieldSelector: `metadata.name=${name}`, ...common }, {
      onAdd: () => handlers.config(),
      onUpdate: () => handlers.config(),
      onDelete: () => handlers.config(),
    });
  const rollouts = watch('rollouts', 'Rollout', (o) => handlers.rollout(o));
  const runs = watch('analysisruns', 'AnalysisRun', (o) => handlers.run(o));
  const apps = watch('applications', 'Application', (o) => handlers.app(o));
  const configMaps = byName('configmaps', CONFIG_MAP_NAME);
  const secrets = byName('secrets', SECRET_NAME);
  return { rollouts, runs, apps, configMaps, secrets, all: [rollouts, runs, apps, configMaps, secrets] };
}

function loadConfig(informers: Informers, configNamespace: string): NotifyConfig {
  const configMap = informers.configMaps.get(`${configNamespace}/${CONFIG_MAP_NAME}`);
  const secret = informers.secrets.get(`${configNamespace}/${SECRET_NAME}`);
  const decoded = Object.fromEntries(Object.entries(secret?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  return parseConfig(configMap?.data, decoded);
}


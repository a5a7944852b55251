// The AnalysisRun controller: an informer feeds run keys into a workqueue; a reconcile plans the
// run's metrics, takes the measurements that are due (concurrently, each bounded by its provider's
// timeout), assesses them, writes status once (guarded by resourceVersion) and requeues at the
// next deadline. Job metrics are woken by a Jobs informer. Runs that have ended are left alone.
import type { AnalysisRun, AnalysisRunStatus, JobProvider, Measurement, MetricResult } from '../api/analysis.ts';
import { canonicalJson } from '../api/canonical-json.ts';
import { API_VERSION } from '../api/names.ts';
import type { KubeClients } from '../kube/client.ts';
import { systemClock, type Clock } from '../kube/clock.ts';
import { isConflict, isNotFound } from '../kube/errors.ts';
import type { EventRecorder } from '../kube/events.ts';
import type { Informer } from '../kube/informer.ts';
import { unsharedInformers, type InformerFactory } from '../kube/shared-informers.ts';
import type { Logger } from '../kube/logger.ts';
import { keyOf, refOf, type KubeObject } from '../kube/object.ts';
import { deleteObject, patchStatus } from '../kube/patch.ts';
import { makeWorkQueue, type ReconcileResult, type WorkQueue } from '../kube/workqueue.ts';
import { assessMeasurement, isCompleted } from './assess.ts';
import { ANALYSIS_RUN_LABEL, resumeJob, startJob, type JobObject } from './job-metric.ts';
import { measureMetric, type Args } from './measure.ts';
import { planMetric, type MetricPlan } from './metric-plan.ts';
import { plainArgs, resolveRunArgs } from './run-args.ts';
import { analysisSamples, providerOf, rolloutOf } from './metrics-view.ts';
import { measurementDuration, measurements, observe } from '../metrics/registry.ts';
import { addAnalysisSource, type Unregister } from '../metrics/sources.ts';
import { dueMetrics, nextDeadline, resultOf, withMeasurement, withPendingMetrics, withRunPhase } from './run-status.ts';

export const ANALYSIS_FIELD_MANAGER = 'sluice-analysis';

export type AnalysisRunObject = KubeObject & AnalysisRun & { readonly metadata: KubeObject['metadata'] };

const QUEUE_NAME = 'analysisruns';

export interface AnalysisRunControllerOptions {
  readonly clients: KubeClients;
  readonly events: EventRecorder;
  readonly logger: Logger;
  readonly namespace?: string;
  readonly clock?: Clock;
  readonly workers?: number;
  /** Called after a run's status was written (the Rollout controller reacts through its own informer). */
  readonly onWritten?: (run: AnalysisRunObject) => void;
  /** Informers shared with the process's other controllers (cli); each its own by default. */
  readonly informers?: InformerFactory;
}

export interface AnalysisRunController {
  run(): Promise<void>;
  stop(): Promise<void>;
  readonly queue: WorkQueue;
}

const scope = (namespace: string | undefined): string => (namespace === undefined ? '' : `/namespaces/${namespace}`);
const iso = (ms: number): string => new Date(ms).toISOString();

export function makeAnalysisRunController(options: AnalysisRunControllerOptions): AnalysisRunController {
  const informerFactory = options.informers ?? unsharedInformers;
  const { clients, namespace } = options;
  const clock = options.clock ?? systemClock;
  const queue = makeWorkQueue({ clock, logger: options.logger, name: QUEUE_NAME });
  const informerOptions = { clock, logger: options.logger };
  const enqueue = (object: KubeObject): void => queue.add(keyOf(object));
  const runs = informerFactory.informer<AnalysisRunObject>(clients, { path: `/apis/${API_VERSION}${scope(namespace)}/analysisruns`, ...informerOptions }, {
    onAdd: enqueue,
    onUpdate: (_, o) => enqueue(o),
  });
  const wakeRun = (job: KubeObject): void => {
    const run = job.metadata.labels?.[ANALYSIS_RUN_LABEL];
    if (run !== undefined) queue.add(`${job.metadata.namespace}/${run}`);
  };
  const jobs = informerFactory.informer<JobObject>(
    clients,
    { path: `/apis/batch/v1${scope(namespace)}/jobs`, labelSelector: ANALYSIS_RUN_LABEL, ...informerOptions },
    { onUpdate: (_, o) => wakeRun(o), onDelete: wakeRun },
  );
  const informers: Informer<KubeObject>[] = [runs, jobs];
  const deps: ReconcileDeps = { ...options, clock, jobOf: (ns, name) => jobs.get(`${ns}/${name}`), jobsOfRun: (ns, run) => jobs.list(ns).filter((j) => j.metadata.labels?.[ANALYSIS_RUN_LABEL] === run) };
  const written = new Map<string, string | undefined>();
  const reconcile = async (key: string, signal: AbortSignal): Promise<ReconcileResult> => {
    let run = runs.get(key);
    if (run === undefined || run.metadata.deletionTimestamp !== undefined) return;
    // Read-your-own-writes: a cache still at the version we replaced would measure again.
    const replaced = written.get(key);
    if (replaced !== undefined && run.metadata.resourceVersion === replaced) return { requeueAfterMs: 200 };
    written.delete(key);
    const result = await reconcileRun(deps, run, signal);
    if (result.written !== undefined) {
      written.set(key, run.metadata.resourceVersion);
      run = result.written;
      options.onWritten?.(run);
    }
    return result.requeueAfterMs === undefined ? undefined : { requeueAfterMs: result.requeueAfterMs };
  };
  let unregister: Unregister | undefined;
  return {
    queue,
    async run() {
      await Promise.all(informers.map((i) => i.start()));
      options.logger.info({ namespace: namespace ?? '(all)' }, 'analysis controller caches synced');
      unregister = addAnalysisSource(() => analysisSamples(runs.list()));
      await queue.run(options.workers ?? 8, reconcile);
    },
    async stop() {
      unregister?.();
      await queue.shutDown();
      for (const informer of informers) informer.stop();
    },
  };
}

interface ReconcileDeps extends AnalysisRunControllerOptions {
  readonly clock: Clock;
  readonly jobOf: (namespace: string, name: string) => JobObject | undefined;
  readonly jobsOfRun: (namespace: string, run: string) => JobObject[];
}

interface RunResult {
  readonly written?: AnalysisRunObject;
  readonly requeueAfterMs?: number;
}

async function reconcileRun(deps: ReconcileDeps, run: AnalysisRunObject, signal: AbortSignal): Promise<RunResult> {
  const before: AnalysisRunStatus = run.status ?? {};
  if (isCompleted(before.phase)) {
    await deleteJobs(deps, run); // Jobs of metrics the run no longer waits for
    return {};
  }
  const now = deps.clock.now();
  const startedAt = before.startedAt === undefined ? now : Date.parse(before.startedAt);
  const planned = planRun(run);
  if (!planned.ok) {
    const status: AnalysisRunStatus = { ...before, startedAt: iso(startedAt), phase: 'Error', message: `invalid AnalysisRun: ${planned.message}`, completedAt: iso(now) };
    return { written: await write(deps, run, status) };
  }
  const { plans } = planned;
  const terminating = run.spec.terminate === true;
  let status = withPendingMetrics({ ...before, startedAt: iso(startedAt) }, plans);
  const due = terminating ? [] : dueMetrics(plans, status, startedAt, now);
  const measured = due.length > 0 ? await measureAll(deps, { run, due, status, signal }) : [];
  for (const [plan, measurement] of measured) status = withMeasurement(status, plan, measurement);
  status = withRunPhase(status, plans, deps.clock.now(), terminating);
  const result = await finish(deps, run, { before, status, plans, startedAt });
  if (result.written !== undefined) countMeasurements(run, measured);
  return result;
}

/** sluice_analysis_measurements_total and _duration_seconds, for measurements that reached status. */
function countMeasurements(run: AnalysisRunObject, measured: readonly [MetricPlan, Measurement][]): void {
  const labels = { namespace: run.metadata.namespace ?? '', rollout: rolloutOf(run) };
  for (const [plan, m] of measured) {
    if (m.phase === 'Running' || m.phase === 'Pending') continue;
    const provider = providerOf(plan.provider);
    measurements.inc({ ...labels, metric: plan.name, provider, phase: m.phase });
    if (m.startedAt !== undefined && m.finishedAt !== undefined) observe(measurementDuration, { provider }, (Date.parse(m.finishedAt) - Date.parse(m.startedAt)) / 1000);
  }
}

function planRun(run: AnalysisRunObject): { ok: true; plans: MetricPlan[] } | { ok: false; message: string } {
  const options = { dryRun: run.spec.dryRun ?? [], measurementRetention: run.spec.measurementRetention ?? [], args: plainArgs(run.spec.args) };
  const planned = run.spec.metrics.map((metric) => planMetric(metric, options));
  const problems = planned.flatMap((p) => (p.ok ? [] : [p.message]));
  return problems.length > 0 ? { ok: false, message: problems.join('; ') } : { ok: true, plans: planned.flatMap((p) => (p.ok ? [p.plan] : [])) };
}

/** Writes status, records the verdict once, cleans up Jobs of a finished run, and says when to look again. */
interface Outcome {
  readonly before: AnalysisRunStatus;
  readonly status: AnalysisRunStatus;
  readonly plans: readonly MetricPlan[];
  readonly startedAt: number;
}

async function finish(deps: ReconcileDeps, run: AnalysisRunObject, { before, status, plans, startedAt }: Outcome): Promise<RunResult> {
  const completed = isCompleted(status.phase);
  if (completed) await deleteJobs(deps, run);
  const written = await write(deps, run, status);
  if (written !== undefined && completed && !isCompleted(before.phase)) recordVerdict(deps, run, status);
  const next = completed ? undefined : nextDeadline(plans, status, startedAt);
  return {
    ...(written === undefined ? {} : { written }),
    ...(next === undefined ? {} : { requeueAfterMs: Math.max(0, next - deps.clock.now()) }),
  };
}

function recordVerdict(deps: ReconcileDeps, run: AnalysisRunObject, status: AnalysisRunStatus): void {
  const phase = status.phase ?? 'Error';
  void deps.events.record(run, phase === 'Successful' ? 'Normal' : 'Warning', `AnalysisRun${phase}`, status.message ?? `AnalysisRun ${phase}`);
}

interface Due {
  readonly run: AnalysisRunObject;
  readonly due: readonly MetricPlan[];
  readonly status: AnalysisRunStatus;
  readonly signal: AbortSignal;
}

async function measureAll(deps: ReconcileDeps, { run, due, status, signal }: Due): Promise<[MetricPlan, Measurement][]> {
  const namespace = run.metadata.namespace ?? 'default';
  const resolved = await resolveRunArgs(deps.clients, namespace, run.spec.args);
  return Promise.all(
    due.map(async (plan): Promise<[MetricPlan, Measurement]> => {
      const started = deps.clock.now();
      if (!resolved.ok) return [plan, { phase: 'Error', message: resolved.message, startedAt: iso(started), finishedAt: iso(started) }];
      if (plan.provider.job !== undefined) return [plan, await measureJob(deps, { run, plan, provider: plan.provider.job, status, args: resolved.args })];
      return [plan, await measureOnce(deps, plan, resolved.args, signal)];
    }),
  );
}

async function measureOnce(deps: ReconcileDeps, plan: MetricPlan, args: Args, signal: AbortSignal): Promise<Measurement> {
  const started = deps.clock.now();
  const assessed = assessMeasurement(plan, await measureMetric(plan.provider, args, { signal }));
  return {
    phase: assessed.phase,
    startedAt: iso(started),
    finishedAt: iso(deps.clock.now()),
    ...(assessed.value === undefined ? {} : { value: assessed.value }),
    ...(assessed.message === undefined ? {} : { message: assessed.message }),
  };
}

interface JobMeasure {
  readonly run: AnalysisRunObject;
  readonly plan: MetricPlan;
  readonly provider: JobProvider;
  readonly status: AnalysisRunStatus;
  readonly args: Args;
}

/** A Job metric: start its Job, or look again at the one under way. */
async function measureJob(deps: ReconcileDeps, { run, plan, provider, status, args }: JobMeasure): Promise<Measurement> {
  const namespace = run.metadata.namespace ?? 'default';
  const result = resultOf(status, plan.name);
  const last = result?.measurements?.at(-1);
  if (last?.phase === 'Running') return resumeRunningJob(deps, namespace, last);
  const n = measurementsTaken(result) + 1;
  const runRef = { name: run.metadata.name, namespace, uid: run.metadata.uid ?? '' };
  return startJob(deps.clients, { run: runRef, metric: plan.name, provider, args, n, now: deps.clock.now() });
}

function measurementsTaken(result: MetricResult | undefined): number {
  return (result?.count ?? 0) + (result?.error ?? 0);
}

async function resumeRunningJob(deps: ReconcileDeps, namespace: string, last: Measurement): Promise<Measurement> {
  const jobName = last.metadata?.['job-name'] ?? '';
  return resumeJob(last, deps.jobOf(namespace, jobName) ?? (await freshJob(deps, namespace, jobName)), deps.clock.now());
}

/** A Job just created may not be in the informer yet: ask the API server before calling it gone. */
async function freshJob(deps: ReconcileDeps, namespace: string, name: string): Promise<JobObject | undefined> {
  try {
    return await deps.clients.request<JobObject>({ method: 'GET', path: `/apis/batch/v1/namespaces/${namespace}/jobs/${name}` });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function deleteJobs(deps: ReconcileDeps, run: AnalysisRunObject): Promise<void> {
  const namespace = run.metadata.namespace ?? 'default';
  for (const job of deps.jobsOfRun(namespace, run.metadata.name)) {
    const done = job.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    if (!done) await deleteObject(deps.clients, { apiVersion: 'batch/v1', kind: 'Job', namespace, name: job.metadata.name }, { propagationPolicy: 'Background' });
  }
}

/** Writes status when it changed, guarded by the resourceVersion it was computed from. */
async function write(deps: ReconcileDeps, run: AnalysisRunObject, status: AnalysisRunStatus): Promise<AnalysisRunObject | undefined> {
  if (canonicalJson(status) === canonicalJson(run.status ?? {})) return undefined;
  try {
    return await patchStatus<AnalysisRunObject>(deps.clients, refOf(run), [{ op: 'add', path: '/status', value: JSON.parse(JSON.stringify(status)) as unknown }], {
      fieldManager: ANALYSIS_FIELD_MANAGER,
      resourceVersion: run.metadata.resourceVersion,
    });
  } catch (error) {
    // Terminated meanwhile (spec.terminate) or deleted: the next reconcile starts from what is.
    if (isConflict(error) || isNotFound(error)) return undefined;
    throw error;
  }
}

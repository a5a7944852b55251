// Health of live objects, as Argo CD's gitops-engine assesses it (observedGeneration first, then
// each kind's own rollout signals), and of an Application as the worst of its objects. Pure.
import type { KubeObject } from '../kube/object.ts';

export type HealthStatus = 'Healthy' | 'Progressing' | 'Suspended' | 'Degraded' | 'Missing' | 'Unknown';

export interface Health {
  readonly status: HealthStatus;
  readonly message?: string;
}

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

interface Live extends KubeObject {
  readonly spec?: Record<string, unknown>;
  readonly status?: Record<string, unknown> & { readonly conditions?: readonly Condition[]; readonly observedGeneration?: number };
}

type Check = (o: Live) => Health;

const HEALTHY: Health = { status: 'Healthy' };

const CHECKS: Readonly<Record<string, Check>> = {
  'apps/Deployment': deployment,
  'apps/ReplicaSet': replicaSet,
  'apps/StatefulSet': statefulSet,
  'apps/DaemonSet': daemonSet,
  '/Service': service,
  'batch/Job': job,
  '/PersistentVolumeClaim': pvc,
  '/Pod': pod,
  'sluice.dev/Rollout': rollout,
  'sluice.dev/AnalysisRun': analysisRun,
  'sluice.dev/Application': application,
  'apiextensions.k8s.io/CustomResourceDefinition': crd,
};

export function assessHealth(live: KubeObject | undefined): Health {
  if (live === undefined) return { status: 'Missing', message: 'not found in the cluster' };
  const group = live.apiVersion.includes('/') ? live.apiVersion.slice(0, live.apiVersion.indexOf('/')) : '';
  const check = CHECKS[`${group}/${live.kind}`] ?? genericConditions;
  return check(live);
}

/** Argo CD's order: Healthy < Suspended < Progressing < Missing < Degraded; Unknown counts as Healthy. */
const ORDER: readonly HealthStatus[] = ['Healthy', 'Unknown', 'Suspended', 'Progressing', 'Missing', 'Degraded'];

export function worstHealth(healths: readonly Health[]): Health {
  let worst: Health = HEALTHY;
  for (const h of healths) if (ORDER.indexOf(h.status) > ORDER.indexOf(worst.status)) worst = h;
  return worst.status === 'Unknown' ? HEALTHY : worst;
}

const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
const text = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);

function condition(o: Live, type: string): Condition | undefined {
  return o.status?.conditions?.find((c) => c.type === type);
}

function behind(o: Live): Health | undefined {
  const generation = o.metadata.generation;
  const observed = o.status?.observedGeneration;
  return generation !== undefined && (observed === undefined || observed < generation) ? { status: 'Progressing', message: 'waiting for the controller to observe the latest spec' } : undefined;
}

function deployment(o: Live): Health {
  if (o.spec?.paused === true) return { status: 'Suspended', message: 'the Deployment is paused' };
  const waiting = behind(o);
  if (waiting !== undefined) return waiting;
  const progressing = condition(o, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return { status: 'Degraded', message: progressing.message ?? 'progress deadline exceeded' };
  return replicas(o, num(o.spec?.replicas ?? 1));
}

/** kubectl rollout status's messages: updated, then all old replicas gone, then available. */
function replicas(o: Live, desired: number): Health {
  const s = o.status ?? {};
  const updated = num(s.updatedReplicas);
  if (updated < desired) return { status: 'Progressing', message: `${updated} of ${desired} updated replicas` };
  if (num(s.replicas) > updated) return { status: 'Progressing', message: `${num(s.replicas) - updated} old replicas are pending termination` };
  if (num(s.availableReplicas) < updated) return { status: 'Progressing', message: `${num(s.availableReplicas)} of ${updated} updated replicas are available` };
  return HEALTHY;
}

function replicaSet(o: Live): Health {
  const waiting = behind(o);
  if (waiting !== undefined) return waiting;
  const failure = condition(o, 'ReplicaFailure');
  if (failure?.status === 'True') return { status: 'Degraded', message: failure.message ?? 'replica failure' };
  const desired = num(o.spec?.replicas ?? 1);
  const available = num(o.status?.availableReplicas);
  return available < desired ? { status: 'Progressing', message: `${available} of ${desired} replicas available` } : HEALTHY;
}

function statefulSet(o: Live): Health {
  const waiting = behind(o);
  if (waiting !== undefined) return waiting;
  const desired = num(o.spec?.replicas ?? 1);
  const ready = num(o.status?.readyReplicas);
  if (ready < desired) return { status: 'Progressing', message: `${ready} of ${desired} pods ready` };
  return statefulSetUpdate(o, desired);
}

/** Rolling updates honour the partition; OnDelete updates wait for someone to delete pods. */
function statefulSetUpdate(o: Live, desired: number): Health {
  const s = o.status ?? {};
  const strategy = (o.spec?.updateStrategy ?? {}) as { type?: string; rollingUpdate?: { partition?: number } };
  if (strategy.type === 'OnDelete') return HEALTHY;
  const partition = num(strategy.rollingUpdate?.partition);
  if (num(s.updatedReplicas) < desired - partition) return { status: 'Progressing', message: `${num(s.updatedReplicas)} of ${desired - partition} pods updated` };
  const pending = s.updateRevision !== undefined && s.currentRevision !== s.updateRevision;
  if (partition === 0 && pending) return { status: 'Progressing', message: 'waiting for the update to finish' };
  return HEALTHY;
}

function daemonSet(o: Live): Health {
  const waiting = behind(o);
  if (waiting !== undefined) return waiting;
  const s = o.status ?? {};
  const desired = num(s.desiredNumberScheduled);
  if (num(s.updatedNumberScheduled) < desired) return { status: 'Progressing', message: `${num(s.updatedNumberScheduled)} of ${desired} pods updated` };
  if (num(s.numberAvailable) < desired) return { status: 'Progressing', message: `${num(s.numberAvailable)} of ${desired} pods available` };
  return HEALTHY;
}

function service(o: Live): Health {
  if (o.spec?.type !== 'LoadBalancer') return HEALTHY;
  const ingress = (o.status?.loadBalancer as { ingress?: unknown[] } | undefined)?.ingress ?? [];
  return ingress.length > 0 ? HEALTHY : { status: 'Progressing', message: 'waiting for the load balancer' };
}

function job(o: Live): Health {
  if (o.spec?.suspend === true) return { status: 'Suspended', message: 'the Job is suspended' };
  const failed = condition(o, 'Failed');
  if (failed?.status === 'True') return { status: 'Degraded', message: failed.message ?? failed.reason ?? 'the Job failed' };
  if (condition(o, 'Complete')?.status === 'True') return HEALTHY;
  return { status: 'Progressing', message: 'the Job is running' };
}

function pvc(o: Live): Health {
  const phase = o.status?.phase;
  if (phase === 'Lost') return { status: 'Degraded', message: 'the volume is lost' };
  return phase === 'Bound' ? HEALTHY : { status: 'Progressing', message: `phase ${text(phase, 'Pending')}` };
}

function pod(o: Live): Health {
  const phase = o.status?.phase;
  if (phase === 'Failed') return { status: 'Degraded', message: text(o.status?.message, 'the pod failed') };
  if (phase === 'Succeeded') return HEALTHY;
  return condition(o, 'Ready')?.status === 'True' ? HEALTHY : { status: 'Progressing', message: 'the pod is not ready' };
}

function rollout(o: Live): Health {
  const waiting = behind(o);
  if (waiting !== undefined) return { ...waiting, message: 'waiting for the rollout controller to observe the latest spec' };
  const phase = o.status?.phase;
  const message = typeof o.status?.message === 'string' ? o.status.message : undefined;
  const withMessage = (status: HealthStatus): Health => (message === undefined ? { status } : { status, message });
  if (phase === 'Healthy') return HEALTHY;
  if (phase === 'Paused') return withMessage('Suspended');
  if (phase === 'Degraded') return withMessage('Degraded');
  return withMessage('Progressing');
}

function analysisRun(o: Live): Health {
  const phase = o.status?.phase;
  const message = typeof o.status?.message === 'string' ? o.status.message : `phase ${text(phase, 'Pending')}`;
  if (phase === 'Successful') return HEALTHY;
  if (phase === 'Failed' || phase === 'Error') return { status: 'Degraded', message };
  // Inconclusive waits for a human, as a paused rollout does.
  if (phase === 'Inconclusive') return { status: 'Suspended', message };
  return { status: 'Progressing', message };
}

function application(o: Live): Health {
  const health = o.status?.health as { status?: HealthStatus; message?: string } | undefined;
  if (health?.status === undefined) return { status: 'Progressing', message: 'not yet reconciled' };
  return health.message === undefined ? { status: health.status } : { status: health.status, message: health.message };
}

function crd(o: Live): Health {
  return condition(o, 'Established')?.status === 'True' ? HEALTHY : { status: 'Progressing', message: 'not Established yet' };
}

/** kstatus' convention for other kinds: a Ready condition, when there is one, says it. */
function genericConditions(o: Live): Health {
  const ready = condition(o, 'Ready');
  if (ready === undefined || ready.status === 'True') return HEALTHY;
  const stalled = condition(o, 'Stalled')?.status === 'True';
  return { status: stalled ? 'Degraded' : 'Progressing', message: ready.message ?? ready.reason ?? 'not ready' };
}

// The Kubernetes Job provider: a measurement runs one Job, owned by the AnalysisRun. It is
// Running until the Job completes: Successful when the Job succeeds, Failed when it fails. The
// Job's name is in the measurement's metadata, so a restarted controller picks the same Job up.
import type { Measurement } from '../api/analysis.ts';
import type { JobProvider } from '../api/analysis.ts';
import { API_VERSION } from '../api/names.ts';
import type { KubeClients } from '../kube/client.ts';
import { isAlreadyExists, messageOf } from '../kube/errors.ts';
import type { KubeObject } from '../kube/object.ts';
import { createObject } from '../kube/patch.ts';
import { createHash } from 'node:crypto';
import { substituteText, type ArgValue } from './args.ts';

export const ANALYSIS_RUN_LABEL = 'sluice.dev/analysis-run';
export const METRIC_LABEL = 'sluice.dev/metric';
const JOB_FIELD_MANAGER = 'sluice-analysis';
/** How long before a Running Job measurement is looked at again without a watch event. */
const RESUME_MS = 30_000;

export interface JobObject extends KubeObject {
  readonly status?: {
    readonly succeeded?: number;
    readonly failed?: number;
    readonly conditions?: readonly { readonly type: string; readonly status: string; readonly reason?: string; readonly message?: string }[];
  };
}

export interface JobRun {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** A DNS-1123 name, unique per run, metric and measurement number, within 63 characters. */
export function jobName(run: JobRun, metric: string, n: number): string {
  const digest = createHash('sha256').update(`${run.uid}/${metric}/${n}`).digest('hex').slice(0, 8);
  const base = `${run.name}-${metric}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '').slice(0, 40).replace(/-+$/, '');
  return `${base}-${digest}-${n}`;
}

export interface JobStart {
  readonly run: JobRun;
  readonly metric: string;
  readonly provider: JobProvider;
  readonly args: Readonly<Record<string, ArgValue>>;
  /** The measurement's number (1, 2, …): part of the Job's name, so a retry adopts the same Job. */
  readonly n: number;
  readonly now: number;
}

/** Starts a measurement: creates the Job (adopting it if a previous attempt already did). */
export async function startJob(clients: KubeClients, start: JobStart): Promise<Measurement> {
  const { run, metric, provider, args, now } = start;
  const name = jobName(run, metric, start.n);
  // A secret value written into a Job spec would be stored in the API for anyone who can read
  // Jobs: refused (a Job reads secrets itself, with env valueFrom.secretKeyRef).
  const secret = Object.keys(args).find((arg) => args[arg]?.secret === true && new RegExp(`\\{\\{\\s*args\\.${escapeRegExp(arg)}\\s*\\}\\}`).test(JSON.stringify(provider.spec)));
  if (secret !== undefined) {
    const message = `secret argument ${secret} cannot be used in a Job spec (it would be stored in the Job); read the Secret with env valueFrom.secretKeyRef`;
    return { phase: 'Error', message, startedAt: iso(now), finishedAt: iso(now) };
  }
  const spec = substituteDeep(provider.spec, args);
  if (!spec.ok) return { phase: 'Error', message: spec.message, startedAt: iso(now), finishedAt: iso(now) };
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: run.namespace,
      labels: { ...provider.metadata?.labels, [ANALYSIS_RUN_LABEL]: run.name, [METRIC_LABEL]: metric.slice(0, 63) },
      ...(provider.metadata?.annotations === undefined ? {} : { annotations: provider.metadata.annotations }),
      ownerReferences: [{ apiVersion: API_VERSION, kind: 'AnalysisRun', name: run.name, uid: run.uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: spec.value,
  };
  try {
    await createObject(clients, job, { fieldManager: JOB_FIELD_MANAGER });
  } catch (error) {
    if (!isAlreadyExists(error)) return { phase: 'Error', message: `creating Job ${name}: ${messageOf(error)}`, startedAt: iso(now), finishedAt: iso(now) };
  }
  return { phase: 'Running', startedAt: iso(now), metadata: { 'job-name': name }, resumeAt: iso(now + RESUME_MS) };
}

/** A Running measurement looked at again: the Job's outcome, or still Running. */
export function resumeJob(measurement: Measurement, job: JobObject | undefined, now: number): Measurement {
  const name = measurement.metadata?.['job-name'] ?? '';
  if (job === undefined) return { ...withoutResume(measurement), phase: 'Error', message: `Job ${name} is gone`, finishedAt: iso(now) };
  const failed = conditionOf(job, 'Failed');
  if (failed !== undefined) {
    const why = [failed.reason, failed.message].filter((s) => s !== undefined && s !== '').join(': ');
    return { ...withoutResume(measurement), phase: 'Failed', message: `Job ${name} failed${why === '' ? '' : `: ${why}`}`, finishedAt: iso(now) };
  }
  if (conditionOf(job, 'Complete') !== undefined) {
    return { ...withoutResume(measurement), phase: 'Successful', message: `Job ${name} succeeded`, finishedAt: iso(now) };
  }
  return { ...measurement, resumeAt: iso(now + RESUME_MS) };
}

function conditionOf(job: JobObject, type: 'Complete' | 'Failed'): NonNullable<NonNullable<JobObject['status']>['conditions']>[number] | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function withoutResume(measurement: Measurement): Measurement {
  const copy = { ...measurement };
  delete copy.resumeAt;
  return copy;
}

/** {{args.x}} in every string of a JSON value (the Job spec), values inserted as they are. */
function substituteDeep(value: unknown, args: Readonly<Record<string, ArgValue>>): { ok: true; value: unknown } | { ok: false; message: string } {
  if (typeof value === 'string') {
    const s = substituteText(value, args);
    return s.ok ? { ok: true, value: s.text } : s;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const s = substituteDeep(item, args);
      if (!s.ok) return s;
      out.push(s.value);
    }
    return { ok: true, value: out };
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const s = substituteDeep(item, args);
      if (!s.ok) return s;
      out[key] = s.value;
    }
    return { ok: true, value: out };
  }
  return { ok: true, value };
}

// `kubectl sluice status NAME`: waits on a watch of the one Rollout (never polling) until it is
// Healthy (exit 0) or Degraded (exit 1), printing each phase it passes through, or gives up at the
// timeout (exit 1). A phase counts only once the controller has observed the current spec
// (status.observedGeneration), so a `set image` just sent is not reported by the old Healthy.
// `--watch=false` prints the phase once: exit 0 unless Degraded.
import { API_VERSION } from '../api/names.ts';
import { parseDurationSeconds } from '../api/duration.ts';
import type { KubeClients } from '../kube/api-clients.ts';
import { makeInformer } from '../kube/informer.ts';
import { silentLogger } from '../kube/logger.ts';
import { UserError } from './errors.ts';
import { readRollout } from './operations.ts';
import { phaseOf, stepText, type RolloutView } from './render.ts';

export interface StatusOptions {
  readonly watch: boolean;
  readonly timeout: string;
  readonly print: (line: string) => void;
}

type Observed = RolloutView & { readonly status?: RolloutView['status'] & { readonly observedGeneration?: number } };

function line(r: Observed): string {
  const message = r.status?.message;
  return `${phaseOf(r)}${stepText(r) === '-' ? '' : ` (step ${stepText(r)})`}${message === undefined || message === '' ? '' : `: ${message}`}`;
}

function current(r: Observed): boolean {
  return r.status?.observedGeneration === r.metadata.generation;
}

export async function waitForStatus(clients: KubeClients, namespace: string, name: string, options: StatusOptions): Promise<number> {
  const seconds = parseDurationSeconds(options.timeout);
  if (seconds === undefined) throw new UserError(`--timeout: "${options.timeout}" is not a duration (e.g. 30s, 5m, 1h; 0 = never)`);
  const first = await readRollout(clients, namespace, name);
  if (!options.watch) {
    options.print(line(first));
    return phaseOf(first) === 'Degraded' ? 1 : 0;
  }
  return new Promise<number>((resolve, reject) => {
    let last = '';
    let timer: NodeJS.Timeout | undefined;
    const informer = makeInformer<Observed>(clients, { path: `/apis/${API_VERSION}/namespaces/${namespace}/rollouts`, fieldSelector: `metadata.name=${name}`, logger: silentLogger }, {
      onAdd: (r) => seen(r),
      onUpdate: (_, r) => seen(r),
      onDelete: () => done(1, `rollout "${name}" was deleted`),
    });
    const done = (code: number, message?: string): void => {
      clearTimeout(timer);
      informer.stop();
      if (message !== undefined) options.print(message);
      resolve(code);
    };
    const seen = (r: Observed): void => {
      if (!current(r)) return;
      const text = line(r);
      if (text !== last) options.print(text);
      last = text;
      if (phaseOf(r) === 'Healthy') done(0);
      else if (phaseOf(r) === 'Degraded') done(1);
    };
    if (seconds > 0) timer = setTimeout(() => done(1, `timed out after ${options.timeout} waiting for rollout "${name}" (last: ${last || 'not yet observed'})`), seconds * 1000);
    informer.start().catch((error: unknown) => {
      clearTimeout(timer);
      reject(error instanceof Error ? error : new Error(String(error)));
    });
  });
}

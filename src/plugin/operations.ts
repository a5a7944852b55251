// The plugin's operations on a Rollout: the patches the controller understands (docs/rollouts.md,
// ADR 003), each decided on the Rollout just read and sent with its resourceVersion, so a
// concurrent change (the controller writing status) makes it re-read and decide again — never
// skip two steps. `decide` is pure; `operate` reads, patches and retries on conflict.
import { API_VERSION } from '../api/names.ts';
import type { KubeClients } from '../kube/api-clients.ts';
import { isConflict } from '../kube/errors.ts';
import { getObject, patchObject, patchStatus, type JsonPatchOperation } from '../kube/patch.ts';
import { PLUGIN_FIELD_MANAGER, UserError } from './errors.ts';
import type { RolloutView } from './render.ts';

export type Operation =
  | { readonly kind: 'promote'; readonly full: boolean }
  | { readonly kind: 'abort' | 'retry' | 'pause' | 'resume' }
  | { readonly kind: 'restart'; readonly at: string }
  | { readonly kind: 'set-image'; readonly container: string; readonly image: string };

export type Decision =
  | { readonly patch: readonly JsonPatchOperation[]; readonly subresource: 'status' | 'spec'; readonly message: string }
  | { readonly nothing: string };

interface Readable extends RolloutView {
  readonly status?: RolloutView['status'] & { readonly pauseConditions?: readonly unknown[]; readonly controllerPause?: boolean };
}

export function decide(r: Readable, op: Operation): Decision {
  switch (op.kind) {
    case 'promote':
      return op.full ? promoteFull(r) : promote(r);
    case 'restart':
      return { patch: [{ op: 'add', path: '/spec/restartAt', value: op.at }], subresource: 'spec', message: `${label(r)} restarts its pods at ${op.at}` };
    case 'set-image':
      return setImage(r, op.container, op.image);
    default:
      return TOGGLES[op.kind](r);
  }
}

const label = (r: Readable): string => `rollout "${r.metadata.name}"`;

const TOGGLES: Readonly<Record<'abort' | 'retry' | 'pause' | 'resume', (r: Readable) => Decision>> = {
  abort: (r) => {
    if (settled(r)) return { nothing: `${label(r)} is Healthy on its stable revision: nothing to abort` };
    if (r.status?.abort === true) return { nothing: `${label(r)} is already aborted` };
    return { patch: [{ op: 'add', path: '/status/abort', value: true }], subresource: 'status', message: `${label(r)} aborted` };
  },
  retry: (r) =>
    r.status?.abort !== true
      ? { nothing: `${label(r)} is not aborted: nothing to retry` }
      : { patch: [{ op: 'add', path: '/status/abort', value: false }], subresource: 'status', message: `${label(r)} retried from its first step` },
  pause: (r) =>
    r.spec?.paused === true ? { nothing: `${label(r)} is already paused` } : { patch: [{ op: 'add', path: '/spec/paused', value: true }], subresource: 'spec', message: `${label(r)} paused` },
  resume: (r) =>
    r.spec?.paused !== true
      ? { nothing: `${label(r)} is not paused by spec.paused (use promote to end a pause step)` }
      : { patch: [{ op: 'add', path: '/spec/paused', value: false }], subresource: 'spec', message: `${label(r)} resumed` },
};

function settled(r: Readable): boolean {
  return r.status?.phase === 'Healthy' && r.status.currentPodHash === r.status.stableRS;
}

function progressOf(r: Readable): { steps: number; index: number; paused: boolean } {
  const { currentStepIndex = 0, pauseConditions = [] } = { ...r.status };
  return { steps: r.spec?.strategy?.canary?.steps?.length ?? 0, index: currentStepIndex, paused: pauseConditions.length > 0 };
}

/** Why there is nothing to promote, if so. */
function cannotPromote(r: Readable): Decision | undefined {
  if (settled(r)) return { nothing: `${label(r)} is Healthy: nothing to promote` };
  if (r.status?.abort === true) return { nothing: `${label(r)} is aborted: use retry to start it again` };
  return undefined;
}

function promoteFull(r: Readable): Decision {
  return cannotPromote(r) ?? { patch: [{ op: 'add', path: '/status/promoteFull', value: true }], subresource: 'status', message: `${label(r)} fully promoted: the remaining steps are skipped` };
}

function promote(r: Readable): Decision {
  const refused = cannotPromote(r);
  if (refused !== undefined) return refused;
  const { steps, index, paused } = progressOf(r);
  if (paused) return { patch: [{ op: 'add', path: '/status/pauseConditions', value: [] }], subresource: 'status', message: `${label(r)} promoted: step ${index + 1}/${steps} ends` };
  if (index >= steps) return { nothing: `${label(r)} has no step left to promote` };
  return { patch: [{ op: 'add', path: '/status/currentStepIndex', value: index + 1 }], subresource: 'status', message: `${label(r)} promoted: step ${index + 1}/${steps} skipped` };
}

function setImage(r: Readable, container: string, image: string): Decision {
  const containers = r.spec?.template?.spec?.containers ?? [];
  const index = containers.findIndex((c) => c.name === container);
  if (index < 0) throw new UserError(`rollout "${r.metadata.name}" has no container "${container}" (it has ${containers.map((c) => c.name).join(', ') || 'none'})`);
  if (containers[index]?.image === image) return { nothing: `container "${container}" of rollout "${r.metadata.name}" already runs ${image}` };
  return { patch: [{ op: 'add', path: `/spec/template/spec/containers/${index}/image`, value: image }], subresource: 'spec', message: `rollout "${r.metadata.name}" container "${container}" set to ${image}` };
}

const ATTEMPTS = 5;

export async function readRollout(clients: KubeClients, namespace: string, name: string): Promise<Readable> {
  const rollout = await getObject<Readable>(clients, { apiVersion: API_VERSION, kind: 'Rollout', namespace, name });
  if (rollout === undefined) throw new UserError(`rollout "${name}" not found in namespace "${namespace}"`);
  return rollout;
}

/** Reads, decides and patches with the resourceVersion read; on a conflict, reads again. */
export async function operate(clients: KubeClients, namespace: string, name: string, op: Operation): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const rollout = await readRollout(clients, namespace, name);
    const decision = decide(rollout, op);
    if ('nothing' in decision) return decision.nothing;
    const ref = { apiVersion: API_VERSION, kind: 'Rollout', namespace, name };
    const options = { fieldManager: PLUGIN_FIELD_MANAGER, ...(rollout.metadata.resourceVersion === undefined ? {} : { resourceVersion: rollout.metadata.resourceVersion }) };
    try {
      if (decision.subresource === 'status') await patchStatus(clients, ref, decision.patch, options);
      else await patchObject(clients, ref, decision.patch, options);
      return decision.message;
    } catch (error) {
      if (!isConflict(error) || attempt >= ATTEMPTS) throw error;
    }
  }
}

// Writes a Rollout's status only when it changed, as one JSON Patch on /status guarded by the
// resourceVersion it was computed from: an operation patched meanwhile (promote, abort) makes
// the write fail with a conflict and the reconcile runs again on fresh state, so a stale read
// can never skip a step or undo an abort.
import { ROLLOUT_FIELD_MANAGER } from '../api/names.ts';
import type { KubeClients } from '../kube/client.ts';
import { patchStatus } from '../kube/patch.ts';
import { refOf } from '../kube/object.ts';
import { canonicalJson } from './hash.ts';
import type { RolloutObject } from './rollout-object.ts';
import type { MachineStatus } from './status.ts';

/** Returns the Rollout as written, or undefined when nothing changed. */
export async function writeStatus(clients: KubeClients, rollout: RolloutObject, next: MachineStatus): Promise<RolloutObject | undefined> {
  const status = {
    ...next,
    observedGeneration: rollout.metadata.generation,
    selector: selectorString(rollout.spec.selector.matchLabels ?? {}),
  };
  if (canonicalJson(status) === canonicalJson(rollout.status ?? {})) return undefined;
  return patchStatus<RolloutObject>(clients, refOf(rollout), [{ op: 'add', path: '/status', value: JSON.parse(JSON.stringify(status)) as unknown }], {
    fieldManager: ROLLOUT_FIELD_MANAGER,
    resourceVersion: rollout.metadata.resourceVersion,
  });
}

function selectorString(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

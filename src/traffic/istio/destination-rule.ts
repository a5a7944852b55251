// Subset-level routing: the canary and stable subsets of the user's DestinationRule carry the
// pod-template-hash label. As for VirtualServices (ARCHITECTURE §5): a JSON Patch of that one label
// behind a test of the resourceVersion it was computed from, re-read and retried on conflict,
// never server-side applied (Istio's CRDs declare no list types: `subsets` would be one atomic
// field). Every other subset and field stays as the user wrote it.
import { MANAGED_BY_ROLLOUT_ANNOTATION, POD_TEMPLATE_HASH_LABEL, ROLLOUT_FIELD_MANAGER } from '../../api/names.ts';
import type { KubeClients } from '../../kube/client.ts';
import { isConflict } from '../../kube/errors.ts';
import type { KubeObject } from '../../kube/object.ts';
import { getObject, jsonPointer, patchObject, type JsonPatchOperation } from '../../kube/patch.ts';
import { RoutingError } from '../router.ts';

export interface Subset {
  readonly name?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface DestinationRuleLike extends KubeObject {
  readonly spec?: { readonly host?: string; readonly subsets?: readonly Subset[] };
}

/** The hash a subset selects, or an error naming what is missing. */
export function subsetHash(dr: DestinationRuleLike, subset: string): { hash: string | undefined } | { error: string } {
  const found = dr.spec?.subsets?.find((s) => s.name === subset);
  if (found === undefined) return { error: `subset "${subset}" not found in DestinationRule "${dr.metadata.name}"` };
  return { hash: found.labels?.[POD_TEMPLATE_HASH_LABEL] };
}

/** JSON Patch operations that point `subset` at `hash` and mark the DestinationRule as managed. */
export function subsetLabelPatch(dr: DestinationRuleLike, subset: string, hash: string, rollout: string): JsonPatchOperation[] {
  const index = dr.spec?.subsets?.findIndex((s) => s.name === subset) ?? -1;
  if (index < 0) return [];
  const labels: JsonPatchOperation[] =
    dr.spec?.subsets?.[index]?.labels === undefined ? [{ op: 'add', path: jsonPointer('spec', 'subsets', index, 'labels'), value: {} }] : [];
  return [
    ...labels,
    { op: 'add', path: jsonPointer('spec', 'subsets', index, 'labels', POD_TEMPLATE_HASH_LABEL), value: hash },
    ...managedAnnotation(dr, rollout),
  ];
}

function managedAnnotation(dr: DestinationRuleLike, rollout: string): JsonPatchOperation[] {
  const annotations = dr.metadata.annotations;
  if (annotations?.[MANAGED_BY_ROLLOUT_ANNOTATION] === rollout) return [];
  const set: JsonPatchOperation = { op: 'add', path: jsonPointer('metadata', 'annotations', MANAGED_BY_ROLLOUT_ANNOTATION), value: rollout };
  return annotations === undefined ? [{ op: 'add', path: '/metadata/annotations', value: {} }, set] : [set];
}

const MAX_ATTEMPTS = 5;

export interface SubsetTarget {
  readonly namespace: string;
  readonly name: string;
  readonly subset: string;
  readonly field: string;
}

export async function setSubsetHash(clients: KubeClients, target: SubsetTarget, hash: string, rollout: string): Promise<void> {
  const ref = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', namespace: target.namespace, name: target.name };
  for (let attempt = 1; ; attempt++) {
    const dr = await getObject<DestinationRuleLike>(clients, ref);
    if (dr === undefined) throw new RoutingError(target.field, `DestinationRule "${target.name}" not found in namespace ${target.namespace}`);
    const ops = subsetLabelPatch(dr, target.subset, hash, rollout);
    if (ops.length === 0) throw new RoutingError(target.field, `subset "${target.subset}" not found in DestinationRule "${target.name}"`);
    try {
      await patchObject(clients, ref, ops, { fieldManager: ROLLOUT_FIELD_MANAGER, resourceVersion: dr.metadata.resourceVersion });
      return;
    } catch (error) {
      if (!isConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

// Subset-level routing: the canary and stable subsets of the user's DestinationRule carry the
// pod-template-hash label. As for VirtualServices (ARCHITECTURE §5): a JSON Patch of that one label
// behind a test of the resourceVersion it was computed from, re-read and retried on conflict,
// never server-side applied (Istio's CRDs declare no list types: `subsets` would be one atomic
// field). Every other subset and field stays as the user wrote it.
import { MANAGED_BY_ROLLOUT_ANNOTATION, POD_TEMPLATE_HASH_LABEL, ROLLOUT_FIELD_MANAGER } from '../../api/names.ts';
import type { KubeClients } from '../../kube/client.ts';
import type { KubeObject } from '../../kube/object.ts';
import { guardedPatch, jsonPointer, type JsonPatchOperation } from '../../kube/patch.ts';
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

/** JSON Patch operations that point `subset` at `hash` and mark the DestinationRule as managed; [] when it already is (or has no such subset). */
export function subsetLabelPatch(dr: DestinationRuleLike, subset: string, hash: string, rollout: string): JsonPatchOperation[] {
  const subsets = dr.spec?.subsets ?? [];
  const index = subsets.findIndex((s) => s.name === subset);
  const found = subsets[index];
  if (found === undefined) return [];
  const annotation = managedAnnotation(dr, rollout);
  if (found.labels?.[POD_TEMPLATE_HASH_LABEL] === hash && annotation.length === 0) return [];
  const labels: JsonPatchOperation[] = found.labels === undefined ? [{ op: 'add', path: jsonPointer('spec', 'subsets', index, 'labels'), value: {} }] : [];
  return [
    ...labels,
    { op: 'add', path: jsonPointer('spec', 'subsets', index, 'labels', POD_TEMPLATE_HASH_LABEL), value: hash },
    ...annotation,
  ];
}

function managedAnnotation(dr: DestinationRuleLike, rollout: string): JsonPatchOperation[] {
  const annotations = dr.metadata.annotations;
  if (annotations?.[MANAGED_BY_ROLLOUT_ANNOTATION] === rollout) return [];
  const set: JsonPatchOperation = { op: 'add', path: jsonPointer('metadata', 'annotations', MANAGED_BY_ROLLOUT_ANNOTATION), value: rollout };
  return annotations === undefined ? [{ op: 'add', path: '/metadata/annotations', value: {} }, set] : [set];
}

export interface SubsetTarget {
  readonly namespace: string;
  readonly name: string;
  readonly subset: string;
  readonly field: string;
}

export async function setSubsetHash(clients: KubeClients, target: SubsetTarget, hash: string, rollout: string): Promise<void> {
  const ref = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', namespace: target.namespace, name: target.name };
  const decide = (dr: DestinationRuleLike | undefined): JsonPatchOperation[] => {
    if (dr === undefined) throw new RoutingError(target.field, `DestinationRule "${target.name}" not found in namespace ${target.namespace}`);
    if (!dr.spec?.subsets?.some((s) => s.name === target.subset)) {
      throw new RoutingError(target.field, `subset "${target.subset}" not found in DestinationRule "${target.name}"`);
    }
    return subsetLabelPatch(dr, target.subset, hash, rollout);
  };
  await guardedPatch(clients, ref, decide, { fieldManager: ROLLOUT_FIELD_MANAGER });
}

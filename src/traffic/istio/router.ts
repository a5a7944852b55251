// Sets canary/stable weights on a Rollout's VirtualServices through the API server, as
// ARCHITECTURE §5 requires: a JSON Patch that only replaces weights, guarded by a test of the
// resourceVersion it was computed from. A concurrent edit makes the patch fail (422/409); the
// VirtualService is read again and the patch recomputed, never a blind overwrite. Never SSA:
// Istio's CRDs mark no list types, so applying spec.http would take ownership of every route.
import { MANAGED_BY_ROLLOUT_ANNOTATION, ROLLOUT_FIELD_MANAGER } from '../../api/names.ts';
import type { KubeClients } from '../../kube/client.ts';
import { guardedPatch } from '../../kube/patch.ts';
import { RoutingError } from '../router.ts';
import { findManagedRoutes, weightPatch, type Destinations, type JsonPatchOp, type RouteSelection, type VirtualServiceLike } from './virtual-service.ts';

type VirtualServiceObject = VirtualServiceLike & { apiVersion: string; kind: string; metadata: { name: string } };

export interface WeightScope {
  readonly rollout: { readonly metadata: { readonly name: string } };
  readonly destinations: Destinations;
  /** The informer's copy, tried first: a stale one only costs a refused patch and a fresh read. */
  readonly cachedVirtualService?: (namespace: string, name: string) => VirtualServiceObject | undefined;
  readonly virtualServices: readonly (RouteSelection & { readonly namespace: string; readonly name: string; readonly field: string })[];
}

export async function setVirtualServiceWeights(clients: KubeClients, scope: WeightScope, canaryWeight: number): Promise<void> {
  for (const target of scope.virtualServices) await setOne(clients, scope, target, canaryWeight);
}

async function setOne(clients: KubeClients, scope: WeightScope, target: WeightScope['virtualServices'][number], canaryWeight: number): Promise<void> {
  const ref = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: target.namespace, name: target.name };
  const decide = (vs: VirtualServiceObject | undefined): JsonPatchOp[] => {
    if (vs === undefined) throw new RoutingError(target.field, `VirtualService "${target.name}" not found in namespace ${target.namespace}`);
    const found = findManagedRoutes(vs, target, scope.destinations);
    if ('error' in found) throw new RoutingError(target.field, found.error);
    return [...weightPatch(found.routes, canaryWeight), ...annotationOps(vs, scope.rollout.metadata.name)];
  };
  const cached = scope.cachedVirtualService?.(target.namespace, target.name);
  await guardedPatch(clients, ref, decide, { fieldManager: ROLLOUT_FIELD_MANAGER, ...(cached === undefined ? {} : { cached }) });
}

function annotationOps(vs: VirtualServiceLike, rollout: string): JsonPatchOp[] {
  const annotations = vs.metadata?.annotations;
  if (annotations?.[MANAGED_BY_ROLLOUT_ANNOTATION] === rollout) return [];
  const key = MANAGED_BY_ROLLOUT_ANNOTATION.replace('~', '~0').replace('/', '~1');
  return annotations === undefined
    ? [{ op: 'add', path: '/metadata/annotations', value: { [MANAGED_BY_ROLLOUT_ANNOTATION]: rollout } }]
    : [{ op: 'add', path: `/metadata/annotations/${key}`, value: rollout }];
}

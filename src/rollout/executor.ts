// Runs the machine's effects against the cluster, in order, each idempotent: a retry after a
// partial failure re-runs the reconcile, which emits only what still differs.
import {
  MANAGED_BY_ROLLOUT_ANNOTATION,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  ROLLOUT_FIELD_MANAGER,
  SCALE_DOWN_DEADLINE_ANNOTATION,
} from '../api/names.ts';
import type { KubeClients } from '../kube/client.ts';
import { isAlreadyExists } from '../kube/errors.ts';
import type { EventRecorder } from '../kube/events.ts';
import { createObject, deleteObject, mergePatchObject } from '../kube/patch.ts';
import type { Effect } from './effects.ts';
import { destinationsOf, type VirtualServiceTarget } from './observe.ts';
import { setSubsetHash } from '../traffic/istio/destination-rule.ts';
import { buildReplicaSet, replicaSetName } from './replicaset.ts';
import type { RolloutObject } from './rollout-object.ts';
import { setVirtualServiceWeights, type WeightScope } from '../traffic/istio/router.ts';
import type { RolloutPlan } from './plan.ts';

export interface ExecutorDeps {
  readonly clients: KubeClients;
  /** Events are written in the background (their own rate limit): a reconcile never waits on them. */
  readonly events: EventRecorder;
}

export interface EffectScope {
  readonly rollout: RolloutObject;
  readonly plan: RolloutPlan;
  readonly virtualServices: readonly VirtualServiceTarget[];
  readonly cachedVirtualService?: WeightScope['cachedVirtualService'];
}

const manager = { fieldManager: ROLLOUT_FIELD_MANAGER };

export async function execute(deps: ExecutorDeps, scope: EffectScope, effects: readonly Effect[]): Promise<void> {
  for (const effect of effects) await executeOne(deps, scope, effect);
}

async function executeOne(deps: ExecutorDeps, scope: EffectScope, effect: Effect): Promise<void> {
  switch (effect.type) {
    case 'ensureReplicaSet':
      return ensureReplicaSet(deps, scope, effect.params);
    case 'deletePod':
      return deleteObject(deps.clients, { apiVersion: 'v1', kind: 'Pod', namespace: scope.rollout.metadata.namespace ?? 'default', name: effect.params.name }).then(() => undefined);
    case 'deleteReplicaSet':
      return deleteReplicaSet(deps, scope, effect.params.hash);
    case 'scaleReplicaSet':
      return scaleReplicaSet(deps, scope, effect.params.hash, effect.params.replicas);
    case 'setScaleDownDeadline':
      return mergePatchObject(deps.clients, replicaSetRef(scope, effect.params.hash), {
        metadata: { annotations: { [SCALE_DOWN_DEADLINE_ANNOTATION]: effect.params.deadline } },
      }, manager).then(() => undefined);
    case 'setServiceSelector':
      return setServiceSelector(deps, scope, effect.params.role, effect.params.hash);
    case 'setCanaryWeight':
      return setVirtualServiceWeights(deps.clients, { ...scope, destinations: destinationsOf(scope.plan) }, effect.params.canaryWeight);
    case 'recordEvent':
      return void deps.events.record(scope.rollout, effect.params.eventType, effect.params.reason, effect.params.message);
  }
}

function replicaSetRef(scope: EffectScope, hash: string): { apiVersion: string; kind: string; namespace: string; name: string } {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', namespace: scope.rollout.metadata.namespace ?? 'default', name: replicaSetName(scope.rollout, hash) };
}

async function ensureReplicaSet(deps: ExecutorDeps, scope: EffectScope, params: { hash: string; replicas: number; revision: number }): Promise<void> {
  const name = replicaSetName(scope.rollout, params.hash);
  try {
    await createObject(deps.clients, buildReplicaSet(scope.rollout, params.hash, params.replicas, params.revision), manager);
    void deps.events.record(scope.rollout, 'Normal', 'ScalingReplicaSet', `Created ReplicaSet ${name} (revision ${params.revision}) with ${params.replicas} replicas`);
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    await mergePatchObject(deps.clients, replicaSetRef(scope, params.hash), {
      metadata: { annotations: { [REVISION_ANNOTATION]: String(params.revision) } },
      spec: { replicas: params.replicas },
    }, manager);
    void deps.events.record(scope.rollout, 'Normal', 'ScalingReplicaSet', `Scaled ReplicaSet ${name} to ${params.replicas}`);
  }
}

async function deleteReplicaSet(deps: ExecutorDeps, scope: EffectScope, hash: string): Promise<void> {
  await deleteObject(deps.clients, replicaSetRef(scope, hash), { propagationPolicy: 'Background' });
  void deps.events.record(scope.rollout, 'Normal', 'ScalingReplicaSet', `Deleted old ReplicaSet ${replicaSetName(scope.rollout, hash)} (revisionHistoryLimit)`);
}

async function scaleReplicaSet(deps: ExecutorDeps, scope: EffectScope, hash: string, replicas: number): Promise<void> {
  await mergePatchObject(deps.clients, replicaSetRef(scope, hash), { spec: { replicas } }, manager);
  void deps.events.record(scope.rollout, 'Normal', 'ScalingReplicaSet', `Scaled ReplicaSet ${replicaSetName(scope.rollout, hash)} to ${replicas}`);
}

/** Points the role's routing target at `hash`: a Service selector, or a DestinationRule subset. */
async function setServiceSelector(deps: ExecutorDeps, scope: EffectScope, role: 'canary' | 'stable', hash: string): Promise<void> {
  const dr = scope.plan.destinationRule;
  if (dr !== undefined) {
    const subset = role === 'canary' ? dr.canarySubsetName : dr.stableSubsetName;
    const target = { namespace: dr.namespace, name: dr.name, subset, field: 'spec.strategy.canary.trafficRouting.istio.destinationRule' };
    return setSubsetHash(deps.clients, target, hash, scope.rollout.metadata.name);
  }
  const name = role === 'canary' ? scope.plan.canaryService : scope.plan.stableService;
  const ref = { apiVersion: 'v1', kind: 'Service', namespace: scope.rollout.metadata.namespace ?? 'default', name };
  // A merge patch of one selector key: other selector keys and fields stay as they are.
  await mergePatchObject(deps.clients, ref, {
    metadata: { annotations: { [MANAGED_BY_ROLLOUT_ANNOTATION]: scope.rollout.metadata.name } },
    spec: { selector: { [POD_TEMPLATE_HASH_LABEL]: hash } },
  }, manager);
}

// What the controller sees for one Rollout: its ReplicaSets, the hash each Service selects and
// the canary weight its VirtualServices hold, read from the informers' caches (no requests).
// Routing objects that are missing or do not fit are spec problems (InvalidSpec), found
// before anything is changed.
import { POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION, GIT_REVISION_ANNOTATION, SCALE_DOWN_DEADLINE_ANNOTATION } from '../api/names.ts';
import { subsetHash, type DestinationRuleLike } from '../traffic/istio/destination-rule.ts';
import { canaryWeightOf, findManagedRoutes, type Destinations, type RouteSelection, type VirtualServiceLike } from '../traffic/istio/virtual-service.ts';
import type { KubeObject } from '../kube/object.ts';
import { analysisRunViews, analysisSpecs, type AnalysisCache, type AnalysisSpecs } from './analysis-observe.ts';
import type { SpecProblem } from './context.ts';
import type { Observations, ReplicaSetView } from './observations.ts';
import type { RolloutPlan } from './plan.ts';
import type { ReplicaSetObject, RolloutObject, ServiceObject } from './rollout-object.ts';

export interface ObjectCache extends AnalysisCache {
  replicaSetsOf(rollout: RolloutObject): readonly ReplicaSetObject[];
  service(namespace: string, name: string): ServiceObject | undefined;
  virtualService(namespace: string, name: string): (VirtualServiceLike & KubeObject) | undefined;
  destinationRule(namespace: string, name: string): DestinationRuleLike | undefined;
  /** Pods of the namespace carrying this pod-template-hash (only read when spec.restartAt is set). */
  /** undefined while the pods are not known yet (their informer has not listed them). */
  podsWithHash(namespace: string, hash: string): readonly KubeObject[] | undefined;
}

/** How VirtualService destinations are told apart: by Service host, or by DestinationRule subset. */
export function destinationsOf(plan: RolloutPlan): Destinations {
  const dr = plan.destinationRule;
  const base = { canaryService: plan.canaryService, stableService: plan.stableService };
  return dr === undefined ? base : { ...base, subsets: { canary: dr.canarySubsetName, stable: dr.stableSubsetName } };
}

const DR_FIELD = 'spec.strategy.canary.trafficRouting.istio.destinationRule';

type TargetHashes = { canaryServiceHash?: string; stableServiceHash?: string };

/** The hash each routing target (Service selector, or DestinationRule subset) selects now. */
function targetHashes(rollout: RolloutObject, plan: RolloutPlan, cache: ObjectCache, problems: SpecProblem[]): TargetHashes {
  const namespace = rollout.metadata.namespace ?? 'default';
  const dr = plan.destinationRule;
  if (dr !== undefined) {
    const object = cache.destinationRule(dr.namespace, dr.name);
    if (object === undefined) {
      problems.push({ field: DR_FIELD, message: `DestinationRule "${dr.name}" not found in namespace ${dr.namespace}` });
      return {};
    }
    const canary = subsetHash(object, dr.canarySubsetName);
    const stable = subsetHash(object, dr.stableSubsetName);
    for (const found of [canary, stable]) if ('error' in found) problems.push({ field: DR_FIELD, message: found.error });
    return withDefined({ canaryServiceHash: 'hash' in canary ? canary.hash : undefined, stableServiceHash: 'hash' in stable ? stable.hash : undefined });
  }
  const serviceHash = (role: 'canary' | 'stable', name: string): string | undefined => {
    const service = cache.service(namespace, name);
    if (service === undefined) problems.push({ field: `spec.strategy.canary.${role}Service`, message: `Service "${name}" not found in namespace ${namespace}` });
    return service?.spec?.selector?.[POD_TEMPLATE_HASH_LABEL];
  };
  return withDefined({ canaryServiceHash: serviceHash('canary', plan.canaryService), stableServiceHash: serviceHash('stable', plan.stableService) });
}

function withDefined(hashes: { canaryServiceHash: string | undefined; stableServiceHash: string | undefined }): TargetHashes {
  return {
    ...(hashes.canaryServiceHash === undefined ? {} : { canaryServiceHash: hashes.canaryServiceHash }),
    ...(hashes.stableServiceHash === undefined ? {} : { stableServiceHash: hashes.stableServiceHash }),
  };
}

/** A VirtualService the Rollout manages, and which of its routes. */
export interface VirtualServiceTarget extends RouteSelection {
  readonly namespace: string;
  readonly name: string;
  /** field path in the Rollout, for messages */
  readonly field: string;
}

export interface Observed {
  readonly observations: Observations;
  readonly problems: readonly SpecProblem[];
  readonly virtualServices: readonly VirtualServiceTarget[];
  /** The AnalysisRun spec of each analysis step and of the background analysis. */
  readonly analysis: AnalysisSpecs;
}

export function virtualServiceTargets(rollout: RolloutObject): VirtualServiceTarget[] {
  const istio = rollout.spec.strategy?.canary?.trafficRouting?.istio;
  const namespace = rollout.metadata.namespace ?? 'default';
  const single = istio?.virtualService === undefined ? [] : [{ ref: istio.virtualService, field: 'spec.strategy.canary.trafficRouting.istio.virtualService' }];
  const many = (istio?.virtualServices ?? []).map((ref, i) => ({ ref, field: `spec.strategy.canary.trafficRouting.istio.virtualServices[${i}]` }));
  return [...single, ...many].map(({ ref, field }) => {
    // Argo accepts "name" or "name.namespace".
    const [name = '', ns] = ref.name.split('.');
    return { namespace: ns ?? namespace, name, field, routes: ref.routes, tlsRoutes: ref.tlsRoutes, tcpRoutes: ref.tcpRoutes };
  });
}

export function observe(rollout: RolloutObject, plan: RolloutPlan, cache: ObjectCache): Observed {
  const problems: SpecProblem[] = [];
  const hashes = targetHashes(rollout, plan, cache, problems);
  const targets = virtualServiceTargets(rollout);
  const weights: (number | undefined)[] = [];
  for (const target of targets) {
    const vs = cache.virtualService(target.namespace, target.name);
    if (vs === undefined) {
      problems.push({ field: target.field, message: `VirtualService "${target.name}" not found in namespace ${target.namespace}` });
      continue;
    }
    const found = findManagedRoutes(vs, target, destinationsOf(plan));
    if ('error' in found) problems.push({ field: target.field, message: found.error });
    else weights.push(canaryWeightOf(found.routes));
  }
  const canaryWeight = weights.length > 0 && weights.every((w) => w === weights[0]) ? weights[0] : undefined;
  const analysis = analysisSpecs({ rollout, podHash: plan.podHash, stableHash: rollout.status?.stableRS, cache }, problems);
  const runs = cache.analysisRunsOf(rollout);
  const usesAnalysis = runs.length > 0 || analysis.metadata.size > 0;
  const observations: Observations = {
    replicaSets: cache.replicaSetsOf(rollout).map((rs) => replicaSetView(rs, plan.restartAt === undefined ? undefined : cache)).filter((v) => v !== undefined),
    ...hashes,
    ...(canaryWeight === undefined ? {} : { canaryWeight }),
    ...(usesAnalysis ? { analysisRuns: analysisRunViews(runs) } : {}),
  };
  return { observations, problems, virtualServices: targets, analysis };
}

function replicaSetView(rs: ReplicaSetObject, podCache: ObjectCache | undefined): ReplicaSetView | undefined {
  const hash = rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL];
  if (hash === undefined) return undefined;
  const annotations = rs.metadata.annotations ?? {};
  return {
    hash,
    revision: Number.parseInt(annotations[REVISION_ANNOTATION] ?? '0', 10) || 0,
    replicas: rs.spec?.replicas ?? 0,
    ...readiness(rs),
    ...optionalAnnotations(annotations),
    ...podsField(podCache, rs.metadata.namespace ?? 'default', hash),
  };
}

function optionalAnnotations(annotations: Readonly<Record<string, string>>): Pick<ReplicaSetView, 'scaleDownDeadline' | 'gitRevision'> {
  const deadline = annotations[SCALE_DOWN_DEADLINE_ANNOTATION];
  const git = annotations[GIT_REVISION_ANNOTATION];
  return { ...(deadline === undefined ? {} : { scaleDownDeadline: deadline }), ...(git === undefined ? {} : { gitRevision: git }) };
}

/** The pods of a ReplicaSet when a restart needs them and they are known; no field otherwise. */
function podsField(cache: ObjectCache | undefined, namespace: string, hash: string): Pick<ReplicaSetView, 'pods'> {
  const pods = cache?.podsWithHash(namespace, hash);
  if (pods === undefined) return {};
  return {
    pods: pods
      .filter((p) => p.metadata.deletionTimestamp === undefined)
      .map((p) => ({ name: p.metadata.name, createdAt: Date.parse(p.metadata.creationTimestamp ?? ''), ready: isReady(p) })),
  };
}

function isReady(pod: KubeObject & { status?: { conditions?: { type: string; status: string }[] } }): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

function readiness(rs: ReplicaSetObject): Pick<ReplicaSetView, 'readyReplicas' | 'availableReplicas'> {
  return { readyReplicas: rs.status?.readyReplicas ?? 0, availableReplicas: rs.status?.availableReplicas ?? 0 };
}

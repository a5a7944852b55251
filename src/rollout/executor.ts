// Runs the machine's effects against the cluster, in order, each idempotent: a retry after a
// partial failure re-runs the reconcile, which emits only what still differs.
import {
  API_VERSION,
  GIT_REVISION_ANNOTATION,
  MANAGED_BY_ROLLOUT_ANNOTATION,
  POD_TEMPLATE_HASH_LABEL,
  ROLLOUT_TYPE_LABEL,
  STEP_INDEX_LABEL,
  REVISION_ANNOTATION,
  ROLLOUT_FIELD_MANAGER,
  SCALE_DOWN_DEADLINE_ANNOTATION,
} from '../api/names.ts';
import type { KubeClients } from '../kube/client.ts';
import { isAlreadyExists, isNotFound } from '../kube/errors.ts';
import type { EventRecorder } from '../kube/events.ts';
import { createObject, deleteObject, mergePatchObject } from '../kube/patch.ts';
import type { Effect } from './effects.ts';
import { destinationsOf, type VirtualServiceTarget } from './observe.ts';
import { setSubsetHash } from '../traffic/istio/destination-rule.ts';
import { buildReplicaSet, replicaSetName } from './replicaset.ts';
import type { RolloutObject } from './rollout-object.ts';
import { setVirtualServiceWeights, type WeightScope } from '../traffic/istio/router.ts';
import type { RolloutPlan } from './plan.ts';
import type { AnalysisSpecs } from './analysis-observe.ts';
import type { AnalysisRunSpec } from '../api/analysis.ts';
import type { KubeObject } from '../kube/object.ts';

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
  readonly analysis?: AnalysisSpecs;
}

const manager = { fieldManager: ROLLOUT_FIELD_MANAGER };

export async function execute(deps: ExecutorDeps, scope: EffectScope, effects: readonly Effect[]): Promise<void> {
  for (const effect of effects) await executeOne(deps, scope, effect);
}

type Handlers = { readonly [K in Effect['type']]: (deps: ExecutorDeps, scope: EffectScope, params: Extract<Effect, { type: K }>['params']) => Promise<void> };

const HANDLERS: Handlers = {
  ensureReplicaSet: ensureReplicaSet,
  deletePod: async (deps, scope, p) => {
    await deleteObject(deps.clients, { apiVersion: 'v1', kind: 'Pod', namespace: scope.rollout.metadata.namespace ?? 'default', name: p.name });
  },
  deleteReplicaSet: (deps, scope, p) => deleteReplicaSet(deps, scope, p.hash),
  scaleReplicaSet: (deps, scope, p) => scaleReplicaSet(deps, scope, p.hash, p.replicas),
  setScaleDownDeadline: async (deps, scope, p) => {
    await mergePatchObject(deps.clients, replicaSetRef(scope, p.hash), { metadata: { annotations: { [SCALE_DOWN_DEADLINE_ANNOTATION]: p.deadline } } }, manager);
  },
  setServiceSelector: (deps, scope, p) => setServiceSelector(deps, scope, p.role, p.hash),
  setCanaryWeight: (deps, scope, p) => setVirtualServiceWeights(deps.clients, { ...scope, destinations: destinationsOf(scope.plan) }, p.canaryWeight),
  createAnalysisRun: createAnalysisRun,
  terminateAnalysisRun: async (deps, scope, p) => {
    try {
      await mergePatchObject(deps.clients, analysisRunRef(scope, p.name), { spec: { terminate: true } }, manager);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  },
  deleteAnalysisRun: async (deps, scope, p) => {
    await deleteObject(deps.clients, analysisRunRef(scope, p.name));
  },
  recordEvent: async (deps, scope, p) => {
    void deps.events.record(scope.rollout, p.eventType, p.reason, p.message);
    return Promise.resolve();
  },
};

async function executeOne(deps: ExecutorDeps, scope: EffectScope, effect: Effect): Promise<void> {
  const handler = HANDLERS[effect.type] as (deps: ExecutorDeps, scope: EffectScope, params: Effect['params']) => Promise<void>;
  return handler(deps, scope, effect.params);
}

function analysisRunRef(scope: EffectScope, name: string): { apiVersion: string; kind: string; namespace: string; name: string } {
  return { apiVersion: API_VERSION, kind: 'AnalysisRun', namespace: scope.rollout.metadata.namespace ?? 'default', name };
}

/** Creates the run (adopting one an interrupted reconcile already created), labelled as Argo's. */
async function createAnalysisRun(deps: ExecutorDeps, scope: EffectScope, params: AnalysisRunParams): Promise<void> {
  const run = analysisRunFor(scope, params);
  // observe() reported why there is no spec (InvalidSpec): nothing is created.
  if (run === undefined) return;
  try {
    await createObject(deps.clients, run, manager);
    const what = params.kind === 'Step' ? `step ${(params.stepIndex ?? 0) + 1}` : 'background analysis';
    void deps.events.record(scope.rollout, 'Normal', 'AnalysisRunCreated', `Created AnalysisRun ${params.name} for ${what} of ${params.podHash}`);
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}

type AnalysisRunParams = Extract<Effect, { type: 'createAnalysisRun' }>['params'];

function analysisRunFor(scope: EffectScope, params: AnalysisRunParams): (KubeObject & { spec: AnalysisRunSpec }) | undefined {
  const key = params.kind === 'Background' ? 'background' : (params.stepIndex ?? -1);
  const spec = specOf(scope.analysis, key);
  if (spec === undefined) return undefined;
  const { rollout } = scope;
  return {
    apiVersion: API_VERSION,
    kind: 'AnalysisRun',
    metadata: {
      name: params.name,
      namespace: rollout.metadata.namespace ?? 'default',
      ...runLabels(scope.analysis?.metadata.get(key), params, rollout.metadata.annotations?.[GIT_REVISION_ANNOTATION]),
      ownerReferences: [{ apiVersion: rollout.apiVersion, kind: rollout.kind, name: rollout.metadata.name, uid: rollout.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    spec,
  };
}

function specOf(analysis: AnalysisSpecs | undefined, key: number | 'background'): AnalysisRunSpec | undefined {
  return key === 'background' ? analysis?.background : analysis?.steps.get(key);
}

/** Argo's labels (hash, rollout-type, step-index) over analysisRunMetadata; the Git commit as an annotation. */
function runLabels(
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined,
  params: AnalysisRunParams,
  git: string | undefined,
): { labels: Record<string, string>; annotations: Record<string, string> } {
  const step: Record<string, string> = params.stepIndex === undefined ? {} : { [STEP_INDEX_LABEL]: String(params.stepIndex) };
  return {
    labels: { ...metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: params.podHash, [ROLLOUT_TYPE_LABEL]: params.kind, ...step },
    annotations: { ...metadata?.annotations, ...(git === undefined ? {} : { [GIT_REVISION_ANNOTATION]: git }) },
  };
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

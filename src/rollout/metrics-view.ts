// A Rollout and its ReplicaSets as the metrics' plain sample (metrics/sources.ts), read from the
// controller's caches at scrape time. Pure.
import { POD_TEMPLATE_HASH_LABEL } from '../api/names.ts';
import type { RolloutStatus } from '../api/rollout-status.ts';
import type { RolloutSample } from '../metrics/sources.ts';
import type { ReplicaSetObject, RolloutObject } from './rollout-object.ts';

type Replicas = RolloutSample['replicas'][number];

/** Finds an AnalysisTemplate (namespaced, or cluster-scoped when `cluster`). */
export type TemplateLookup = (namespace: string, name: string, cluster: boolean) => { readonly spec: { readonly metrics?: readonly { readonly name: string; readonly provider: object }[] } } | undefined;

/** The metrics (name, provider) of every template the rollout's analysis uses; unknown templates are skipped. */
export function analysisMetricsOf(rollout: RolloutObject, lookup: TemplateLookup): RolloutSample['analysisMetrics'] {
  const seen = new Map<string, { metric: string; provider: string }>();
  for (const ref of templateRefs(rollout)) {
    const template = lookup(rollout.metadata.namespace ?? '', ref.templateName ?? '', ref.clusterScope === true);
    for (const m of template?.spec.metrics ?? []) seen.set(m.name, { metric: m.name, provider: Object.keys(m.provider)[0] ?? 'unknown' });
  }
  return [...seen.values()];
}

function templateRefs(rollout: RolloutObject): readonly { readonly templateName?: string; readonly clusterScope?: boolean }[] {
  const { analysis, steps = [] } = { ...rollout.spec.strategy?.canary };
  return [...(analysis?.templates ?? []), ...steps.flatMap((s) => s.analysis?.templates ?? [])];
}

export function rolloutSample(rollout: RolloutObject, replicaSets: readonly ReplicaSetObject[], analysisMetrics: RolloutSample['analysisMetrics'] = []): RolloutSample {
  const { stableRS: stableHash = '', currentPodHash: canaryHash = '', phase, currentStepIndex: step, canary: canaryStatus = {} } = { ...rollout.status };
  return {
    ...specPart(rollout),
    stableHash,
    canaryHash,
    phase,
    setWeight: canaryStatus.setWeight,
    actualWeight: canaryStatus.weights?.canary.weight,
    step,
    replicas: [...replicasOf('stable', replicaSets, stableHash), ...replicasOf('canary', replicaSets, canaryHash === stableHash ? '' : canaryHash)],
    analysisMetrics,
  };
}

function specPart(rollout: RolloutObject): Pick<RolloutSample, 'namespace' | 'rollout' | 'strategy' | 'stableService' | 'canaryService' | 'steps'> {
  const { stableService = '', canaryService = '', steps = [] } = { ...rollout.spec.strategy?.canary };
  return {
    namespace: rollout.metadata.namespace ?? '',
    rollout: rollout.metadata.name,
    strategy: Object.keys({ ...rollout.spec.strategy })[0] ?? 'canary',
    stableService,
    canaryService,
    steps: steps.length,
  };
}

/** desired/ready/available of the ReplicaSet with `hash`; zeros when there is none (no canary while stable). */
function replicasOf(role: Replicas['role'], replicaSets: readonly ReplicaSetObject[], hash: string): Replicas[] {
  const rs = hash === '' ? undefined : replicaSets.find((r) => r.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] === hash);
  const { spec = {}, status = {} } = { spec: rs?.spec, status: rs?.status };
  return [
    { role, state: 'desired', value: spec.replicas ?? 0 },
    { role, state: 'ready', value: status.readyReplicas ?? 0 },
    { role, state: 'available', value: status.availableReplicas ?? 0 },
  ];
}

export interface Outcomes {
  readonly aborted?: 'analysis' | 'progress-deadline' | 'manual';
  readonly promoted?: 'completed' | 'full' | 'fast-track';
}

/**
 * What one reconcile's events say happened, for sluice_rollout_aborts_total and
 * sluice_rollout_promotions_total: `before` is the status read, `after` the status decided.
 */
export function outcomesOf(before: RolloutStatus, after: Pick<RolloutStatus, 'currentPodHash' | 'stableRS'>, events: readonly { readonly reason: string; readonly message: string }[]): Outcomes {
  const reasons = new Set(events.map((e) => e.reason));
  const aborted = events.find((e) => e.reason === 'RolloutAborted');
  return {
    ...(aborted === undefined ? {} : { aborted: abortReason(before, aborted.message) }),
    ...(reasons.has('RolloutCompleted') ? { promoted: before.promoteFull === true ? 'full' : 'completed' } : {}),
    ...(reasons.has('RolloutUpdated') && after.currentPodHash === after.stableRS && before.currentPodHash !== before.stableRS ? { promoted: 'fast-track' } : {}),
  };
}

function abortReason(before: RolloutStatus, message: string): NonNullable<Outcomes['aborted']> {
  if (before.conditions?.some((c) => c.reason === 'ProgressDeadlineExceeded') === true) return 'progress-deadline';
  return message.includes(': AnalysisRun ') ? 'analysis' : 'manual';
}

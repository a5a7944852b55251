// From a Rollout object to the machine's plan: validation (schema + semantics), Argo's
// defaults, durations parsed, the pod-template-hash. Pure.
import { parseDurationSeconds } from '../api/duration.ts';
import { GIT_REVISION_ANNOTATION } from '../api/names.ts';
import type { CanaryStep, IstioDestinationRule } from '../api/rollout-strategy.ts';
import { validateRollout } from '../api/rollout-validate.ts';
import { withRolloutDefaults } from '../api/rollout-defaults.ts';
import type { SpecProblem } from './context.ts';
import { canonicalJson, podTemplateHash } from './hash.ts';
import type { DestinationRuleRef, PlanStep, RolloutPlan } from './plan.ts';
import type { RolloutObject } from './rollout-object.ts';

export type PlanResult = { readonly plan: RolloutPlan } | { readonly problems: readonly SpecProblem[] };

export function planFromRollout(rollout: RolloutObject): PlanResult {
  const problems = validateRollout(rollout);
  if (problems.length > 0) return { problems };
  const spec = withRolloutDefaults(rollout.spec);
  // validateRollout has checked that strategy.canary is there.
  const canary = spec.strategy.canary;
  const steps = (canary.steps ?? []).map(toPlanStep);
  const plan: RolloutPlan = {
    name: rollout.metadata.name,
    podHash: podTemplateHash(rollout.spec.template),
    replicas: spec.replicas,
    steps,
    stepsHash: podTemplateHash(canonicalJson(canary.steps ?? [])),
    paused: spec.paused,
    revisionHistoryLimit: spec.revisionHistoryLimit,
    scaleDownDelaySeconds: canary.scaleDownDelaySeconds,
    dynamicStableScale: canary.dynamicStableScale,
    abortScaleDownDelaySeconds: canary.abortScaleDownDelaySeconds,
    progressDeadlineSeconds: spec.progressDeadlineSeconds,
    progressDeadlineAbort: spec.progressDeadlineAbort,
    canaryService: canary.canaryService ?? '',
    stableService: canary.stableService ?? '',
    analysisRunHistory: { successful: spec.analysis.successfulRunHistoryLimit, unsuccessful: spec.analysis.unsuccessfulRunHistoryLimit },
    ...(canary.analysis === undefined ? {} : { backgroundAnalysis: { startingStep: canary.analysis.startingStep ?? 0 } }),
  };
  return { plan: { ...plan, ...optionalParts(rollout, canary.trafficRouting?.istio?.destinationRule) } };
}

function optionalParts(rollout: RolloutObject, dr: IstioDestinationRule | undefined): Pick<RolloutPlan, 'destinationRule' | 'gitRevision' | 'restartAt'> {
  const gitRevision = rollout.metadata.annotations?.[GIT_REVISION_ANNOTATION];
  const restartAt = rollout.spec.restartAt === undefined ? undefined : Date.parse(rollout.spec.restartAt);
  return {
    ...(restartAt === undefined || !Number.isFinite(restartAt) ? {} : { restartAt }),
    ...(dr === undefined ? {} : { destinationRule: destinationRuleRef(dr, rollout.metadata.namespace ?? 'default') }),
    ...(gitRevision === undefined ? {} : { gitRevision }),
  };
}

function destinationRuleRef(dr: IstioDestinationRule, namespace: string): DestinationRuleRef {
  // Argo accepts "name" or "name.namespace", as for VirtualServices.
  const [name = '', ns] = dr.name.split('.');
  return { namespace: ns ?? namespace, name, canarySubsetName: dr.canarySubsetName, stableSubsetName: dr.stableSubsetName };
}

/** Validation guarantees exactly one kind per step and parseable durations. */
function toPlanStep(step: CanaryStep): PlanStep {
  if (step.setWeight !== undefined) return { kind: 'setWeight', weight: step.setWeight };
  if (step.analysis !== undefined) return { kind: 'analysis' };
  if (step.pause !== undefined) {
    const duration = step.pause.duration === undefined ? undefined : parseDurationSeconds(step.pause.duration);
    return duration === undefined ? { kind: 'pause' } : { kind: 'pause', durationSeconds: duration };
  }
  const scale = step.setCanaryScale ?? {};
  if (scale.replicas !== undefined) return { kind: 'setCanaryScale', scale: { replicas: scale.replicas } };
  if (scale.weight !== undefined) return { kind: 'setCanaryScale', scale: { weight: scale.weight } };
  return { kind: 'setCanaryScale', scale: { matchTrafficWeight: true } };
}

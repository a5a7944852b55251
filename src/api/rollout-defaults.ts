// Argo Rollouts' defaults (utils/defaults/defaults.go), applied by the controller when it reads a
// spec rather than by the API server: the CRD schema carries no defaults, so what is stored (and
// what GitOps diffs against) is exactly what the user wrote.
import type { CanaryStep, CanaryStrategy, RolloutSpec } from './rollout.ts';

export const ROLLOUT_DEFAULTS = {
  replicas: 1,
  minReadySeconds: 0,
  revisionHistoryLimit: 10,
  paused: false,
  progressDeadlineSeconds: 600,
  progressDeadlineAbort: false,
  successfulRunHistoryLimit: 5,
  unsuccessfulRunHistoryLimit: 5,
  // Argo's constant is the string "25", which its int-or-percent arithmetic reads as 25%.
  maxSurge: '25%',
  maxUnavailable: '25%',
  // Argo applies these two only with trafficRouting; Sluice always routes traffic (Istio).
  scaleDownDelaySeconds: 30,
  abortScaleDownDelaySeconds: 30,
  dynamicStableScale: false,
} as const;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** T with the fields K made required (their defaults applied). */
type Defaulted<T, K extends keyof T> = Simplify<Omit<T, K> & Required<Pick<T, K>>>;

export type ResolvedCanaryStrategy = Defaulted<
  CanaryStrategy,
  'maxSurge' | 'maxUnavailable' | 'scaleDownDelaySeconds' | 'abortScaleDownDelaySeconds' | 'dynamicStableScale'
> & {
  /** No steps means: promote at once (as in Argo). */
  readonly steps: readonly CanaryStep[];
};

/** A spec with every defaulted field present. `abortScaleDownDelaySeconds: 0` means: keep the canary pods. */
export type ResolvedRolloutSpec = Simplify<
  Omit<
    Defaulted<RolloutSpec, 'replicas' | 'minReadySeconds' | 'revisionHistoryLimit' | 'paused' | 'progressDeadlineSeconds' | 'progressDeadlineAbort'>,
    'analysis' | 'strategy'
  > & {
    analysis: Required<NonNullable<RolloutSpec['analysis']>>;
    /** `canary` is always present: a spec without it is invalid (validateRollout) and gets an empty canary here. */
    strategy: Omit<RolloutSpec['strategy'] & {}, 'canary'> & { canary: ResolvedCanaryStrategy };
  }
>;

/** The spec with Argo's defaults applied. Pure: the input is not changed. */
export function withRolloutDefaults(spec: RolloutSpec): ResolvedRolloutSpec {
  const d = ROLLOUT_DEFAULTS;
  return {
    ...spec,
    replicas: spec.replicas ?? d.replicas,
    minReadySeconds: spec.minReadySeconds ?? d.minReadySeconds,
    revisionHistoryLimit: spec.revisionHistoryLimit ?? d.revisionHistoryLimit,
    paused: spec.paused ?? d.paused,
    progressDeadlineSeconds: spec.progressDeadlineSeconds ?? d.progressDeadlineSeconds,
    progressDeadlineAbort: spec.progressDeadlineAbort ?? d.progressDeadlineAbort,
    analysis: withAnalysisDefaults(spec.analysis),
    strategy: { ...spec.strategy, canary: withCanaryDefaults(spec.strategy?.canary ?? {}) },
  };
}

function withAnalysisDefaults(analysis: RolloutSpec['analysis']): ResolvedRolloutSpec['analysis'] {
  return {
    successfulRunHistoryLimit: analysis?.successfulRunHistoryLimit ?? ROLLOUT_DEFAULTS.successfulRunHistoryLimit,
    unsuccessfulRunHistoryLimit: analysis?.unsuccessfulRunHistoryLimit ?? ROLLOUT_DEFAULTS.unsuccessfulRunHistoryLimit,
  };
}

export function withCanaryDefaults(canary: CanaryStrategy): ResolvedCanaryStrategy {
  const d = ROLLOUT_DEFAULTS;
  return {
    ...canary,
    steps: canary.steps ?? [],
    maxSurge: canary.maxSurge ?? d.maxSurge,
    maxUnavailable: canary.maxUnavailable ?? d.maxUnavailable,
    scaleDownDelaySeconds: canary.scaleDownDelaySeconds ?? d.scaleDownDelaySeconds,
    abortScaleDownDelaySeconds: canary.abortScaleDownDelaySeconds ?? d.abortScaleDownDelaySeconds,
    dynamicStableScale: canary.dynamicStableScale ?? d.dynamicStableScale,
  };
}

// What the rollout machine needs to know about a Rollout's spec: defaults applied, durations
// parsed, validated. Built by the controller from the resolved spec; plain data only.

export type PlanStep =
  | { readonly kind: 'setWeight'; readonly weight: number }
  | { readonly kind: 'pause'; readonly durationSeconds?: number }
  | { readonly kind: 'setCanaryScale'; readonly scale: CanaryScale }
  /** Run an AnalysisRun (its spec is built by observe.ts) and wait for its verdict. */
  | { readonly kind: 'analysis' };

export type CanaryScale =
  | { readonly weight: number }
  | { readonly replicas: number }
  | { readonly matchTrafficWeight: true };

export interface DestinationRuleRef {
  readonly namespace: string;
  readonly name: string;
  readonly canarySubsetName: string;
  readonly stableSubsetName: string;
}

export interface RolloutPlan {
  /** metadata.name of the Rollout (names its AnalysisRuns). */
  readonly name: string;
  /** pod-template-hash of spec.template */
  readonly podHash: string;
  readonly replicas: number;
  readonly steps: readonly PlanStep[];
  /** hash of the steps list, to notice a steps edit (status.currentStepHash) */
  readonly stepsHash: string;
  readonly paused: boolean;
  /** Old, scaled-down ReplicaSets kept for undo. */
  readonly revisionHistoryLimit: number;
  readonly scaleDownDelaySeconds: number;
  /** The stable shrinks as traffic leaves it (and grows back before traffic returns on abort). */
  readonly dynamicStableScale: boolean;
  readonly abortScaleDownDelaySeconds: number;
  /** Host-level routing: the Services whose selectors get the hashes ('' in subset-level mode). */
  readonly canaryService: string;
  readonly stableService: string;
  /** Subset-level routing: the DestinationRule whose two subsets get the hashes. */
  readonly destinationRule?: DestinationRuleRef;
  /** A canary making no progress this long is Degraded (ProgressDeadlineExceeded); paused time does not count. */
  readonly progressDeadlineSeconds: number;
  /** ... and aborted too. */
  readonly progressDeadlineAbort: boolean;
  /** spec.restartAt (ms): pods of the stable ReplicaSet created before it are recreated, one at a time. */
  readonly restartAt?: number;
  /** Background analysis from this step index to the end of the update. */
  readonly backgroundAnalysis?: { readonly startingStep: number };
  /** Completed AnalysisRuns kept: successful ones, and failed/errored/inconclusive ones. */
  readonly analysisRunHistory: { readonly successful: number; readonly unsuccessful: number };
  /** Git commit of the Rollout (sluice.dev/git-revision), if synced from Git. */
  readonly gitRevision?: string;
}

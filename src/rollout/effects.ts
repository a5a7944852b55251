// The named effects the rollout machine asks for. The controller executes them, in order,
// idempotently (executor.ts); the machine itself never does I/O.

export type Effect =
  /** Create the ReplicaSet for `hash` from the Rollout's template if missing; set its replicas and revision. */
  | { readonly type: 'ensureReplicaSet'; readonly params: { readonly hash: string; readonly replicas: number; readonly revision: number } }
  /** Delete a pod (restartAt): its ReplicaSet creates a fresh one. */
  | { readonly type: 'deletePod'; readonly params: { readonly name: string } }
  /** Delete an old, scaled-down ReplicaSet beyond revisionHistoryLimit. */
  | { readonly type: 'deleteReplicaSet'; readonly params: { readonly hash: string } }
  /** Scale an existing ReplicaSet (old revisions). */
  | { readonly type: 'scaleReplicaSet'; readonly params: { readonly hash: string; readonly replicas: number } }
  /** Write (or with null, remove) the time after which a ReplicaSet is scaled to zero. */
  | { readonly type: 'setScaleDownDeadline'; readonly params: { readonly hash: string; readonly deadline: string | null } }
  /** Point the canary or stable Service's selector at a pod-template-hash. */
  | { readonly type: 'setServiceSelector'; readonly params: { readonly role: 'canary' | 'stable'; readonly hash: string } }
  /** Route `canaryWeight`% to the canary and the rest to the stable destination on every managed route. */
  | { readonly type: 'setCanaryWeight'; readonly params: { readonly canaryWeight: number } }
  /** Create the AnalysisRun `name` for a step (or the background analysis) of revision `podHash`. */
  | {
      readonly type: 'createAnalysisRun';
      readonly params: { readonly name: string; readonly kind: 'Step' | 'Background'; readonly podHash: string; readonly stepIndex?: number };
    }
  /** Stop a run (spec.terminate: true): its metrics end as they are. */
  | { readonly type: 'terminateAnalysisRun'; readonly params: { readonly name: string } }
  /** Delete a completed run beyond the history limits. */
  | { readonly type: 'deleteAnalysisRun'; readonly params: { readonly name: string } }
  | {
      readonly type: 'recordEvent';
      readonly params: { readonly eventType: 'Normal' | 'Warning'; readonly reason: string; readonly message: string };
    };

export type EffectType = Effect['type'];

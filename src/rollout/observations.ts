// What the controller saw in the cluster this reconcile, as plain data for the machine.

export interface ReplicaSetView {
  readonly hash: string;
  readonly revision: number;
  /** spec.replicas */
  readonly replicas: number;
  readonly readyReplicas: number;
  readonly availableReplicas: number;
  /** sluice.dev/scale-down-deadline, RFC 3339, when set */
  readonly scaleDownDeadline?: string;
  readonly gitRevision?: string;
  /** Its pods (name and creation time, ms), for restartAt. */
  /** Only while a restart is asked for, and only once the pods are known (undefined: not known yet). */
  readonly pods?: readonly { readonly name: string; readonly createdAt: number; readonly ready: boolean }[];
}

/** An AnalysisRun the Rollout owns, as the machine needs it. */
export interface AnalysisRunView {
  readonly name: string;
  readonly type: 'Step' | 'Background';
  readonly podHash: string;
  readonly stepIndex?: number;
  /** Pending when the run controller has not written status yet. */
  readonly phase: 'Pending' | 'Running' | 'Successful' | 'Failed' | 'Error' | 'Inconclusive';
  readonly message?: string;
  readonly terminate: boolean;
  /** ms */
  readonly createdAt: number;
}

export interface Observations {
  readonly replicaSets: readonly ReplicaSetView[];
  /** The Rollout's AnalysisRuns (absent: the Rollout uses no analysis). */
  readonly analysisRuns?: readonly AnalysisRunView[];
  /** The pod-template-hash each Service selects (undefined: no hash in its selector or Service missing). */
  readonly canaryServiceHash?: string;
  readonly stableServiceHash?: string;
  /** The canary weight the VirtualService routes hold now (undefined: not read or not uniform). */
  readonly canaryWeight?: number;
}

export function replicaSetOf(observations: Observations, hash: string | undefined): ReplicaSetView | undefined {
  return hash === undefined ? undefined : observations.replicaSets.find((rs) => rs.hash === hash);
}

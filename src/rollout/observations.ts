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
  readonly pods?: readonly { readonly name: string; readonly createdAt: number; readonly ready: boolean }[];
}

export interface Observations {
  readonly replicaSets: readonly ReplicaSetView[];
  /** The pod-template-hash each Service selects (undefined: no hash in its selector or Service missing). */
  readonly canaryServiceHash?: string;
  readonly stableServiceHash?: string;
  /** The canary weight the VirtualService routes hold now (undefined: not read or not uniform). */
  readonly canaryWeight?: number;
}

export function replicaSetOf(observations: Observations, hash: string | undefined): ReplicaSetView | undefined {
  return hash === undefined ? undefined : observations.replicaSets.find((rs) => rs.hash === hash);
}

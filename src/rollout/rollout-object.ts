// A Rollout as the informer delivers it (raw JSON), with the spec/status types of src/api.
import type { RolloutSpec, RolloutStatus } from '../api/rollout.ts';
import type { KubeObject } from '../kube/object.ts';

export interface RolloutObject extends KubeObject {
  readonly spec: RolloutSpec;
  readonly status?: RolloutStatus;
}

/** The ReplicaSets, Services and VirtualServices as raw objects (only the fields we read). */
export interface ReplicaSetObject extends KubeObject {
  readonly spec?: { readonly replicas?: number };
  readonly status?: { readonly replicas?: number; readonly readyReplicas?: number; readonly availableReplicas?: number };
}

export interface ServiceObject extends KubeObject {
  readonly spec?: { readonly selector?: Readonly<Record<string, string>> };
}

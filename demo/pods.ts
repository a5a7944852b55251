// DEMO COMPONENT — not part of the Sluice controller (nothing under src/ imports demo/).
//
// The slices of Pods, Services and VirtualServices the demo runtime and mesh read, as the API
// server sends them (wire JSON), and the few rules Kubernetes and Istio apply to them.
import type { KubeObject, ObjectMeta } from '../src/kube/object.ts';

export interface DemoPod extends KubeObject {
  readonly metadata: ObjectMeta;
  readonly spec?: {
    readonly containers?: readonly {
      readonly name: string;
      readonly env?: readonly { readonly name: string; readonly value?: string }[];
    }[];
  };
  readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
}

export interface DemoService extends KubeObject {
  readonly spec?: { readonly selector?: Readonly<Record<string, string>> };
}

export interface StringMatch {
  readonly exact?: string;
  readonly prefix?: string;
  readonly regex?: string;
}

export interface HttpMatchRequest {
  readonly uri?: StringMatch;
  readonly method?: StringMatch;
  readonly headers?: Readonly<Record<string, StringMatch>>;
  readonly withoutHeaders?: Readonly<Record<string, StringMatch>>;
  readonly ignoreUriCase?: boolean;
}

export interface RouteDestination {
  readonly destination: { readonly host: string; readonly subset?: string; readonly port?: { readonly number?: number } };
  readonly weight?: number;
}

export interface HttpRoute {
  readonly name?: string;
  readonly match?: readonly HttpMatchRequest[];
  readonly route?: readonly RouteDestination[];
}

export interface VirtualService extends KubeObject {
  readonly spec?: { readonly hosts?: readonly string[]; readonly http?: readonly HttpRoute[] };
}

/** Ready as the kubelet reports it (kwok sets the condition), and not terminating. */
export function isPodReady(pod: DemoPod): boolean {
  if (pod.metadata.deletionTimestamp !== undefined) return false;
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** A Service selector matches a pod when every key/value is among its labels; an empty selector selects nothing (as Endpoints). */
export function selects(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

const HASH_LABELS = ['rollouts-pod-template-hash', 'pod-template-hash'];

/**
 * Istio's destination_workload: the pod's workload, i.e. its ReplicaSet's name without the
 * pod-template hash (so a Rollout's stable and canary pods share one workload, as in Istio);
 * a bare pod is its own workload.
 */
export function workloadOf(pod: DemoPod): string {
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller === true) ?? pod.metadata.ownerReferences?.[0];
  if (owner === undefined) return pod.metadata.name;
  if (owner.kind !== 'ReplicaSet') return owner.name;
  for (const label of HASH_LABELS) {
    const hash = pod.metadata.labels?.[label];
    if (hash !== undefined && owner.name.endsWith(`-${hash}`)) return owner.name.slice(0, -hash.length - 1);
  }
  return owner.name;
}

/** Istio's canonical revision: its label, else app.kubernetes.io/version, else version, else "latest". */
export function revisionOf(pod: DemoPod): string {
  const labels = pod.metadata.labels ?? {};
  return labels['service.istio.io/canonical-revision'] ?? labels['app.kubernetes.io/version'] ?? labels.version ?? 'latest';
}

// The `replicas` of a workload an HorizontalPodAutoscaler scales belong to the autoscaler: the
// engine keeps their live value in what it compares and applies, so a sync never resets a scaled
// Deployment or Rollout to the number written in Git (Argo CD's and Flux's users strip `replicas`
// from Git to avoid that fight; here it needs no edit). The autoscalers are those of the same
// revision (an HPA that is not in Git is not seen). Pure.
import type { KubeObject } from '../kube/object.ts';
import { splitApiVersion, type ObjectRef } from './inventory.ts';

interface ScaleTargetRef {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
}

/** `group/kind/namespace/name` of every workload an HPA of this revision targets. */
export function autoscaledTargets(objects: readonly { readonly ref: ObjectRef; readonly object: KubeObject }[]): Set<string> {
  const targets = new Set<string>();
  for (const { ref, object } of objects) {
    if (ref.group !== 'autoscaling' || ref.kind !== 'HorizontalPodAutoscaler') continue;
    const target = (object as unknown as { spec?: { scaleTargetRef?: ScaleTargetRef } }).spec?.scaleTargetRef;
    if (target?.kind === undefined || target.name === undefined) continue;
    targets.add(targetKey(splitApiVersion(target.apiVersion ?? '').group, target.kind, ref.namespace ?? '', target.name));
  }
  return targets;
}

export function targetKey(group: string, kind: string, namespace: string, name: string): string {
  return `${group}/${kind}/${namespace}/${name}`;
}

/** The desired object with the live `spec.replicas` when an autoscaler targets it. */
export function keepScaledReplicas(desired: KubeObject, ref: ObjectRef, live: KubeObject | undefined, targets: ReadonlySet<string>): KubeObject {
  if (!targets.has(targetKey(ref.group, ref.kind, ref.namespace ?? '', ref.name))) return desired;
  const liveReplicas = (live as { spec?: { replicas?: unknown } } | undefined)?.spec?.replicas;
  const spec = (desired as unknown as { spec?: Record<string, unknown> }).spec;
  if (typeof liveReplicas !== 'number' || spec === undefined) return desired;
  return { ...desired, spec: { ...spec, replicas: liveReplicas } } as KubeObject;
}

// Informer transforms (InformerOptions.transform) for kinds a controller watches in bulk but reads
// little of: the cache keeps what the controller's decisions use, not the whole object.
import type { KubeObject, ObjectMeta } from './object.ts';

/** The metadata an owner-tracking controller reads: identity, labels, owners, lifecycle. */
function slimMetadata(m: ObjectMeta): ObjectMeta {
  const keep: Partial<Record<keyof ObjectMeta, unknown>> = {
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    generation: m.generation,
    labels: m.labels,
    annotations: m.annotations,
    ownerReferences: m.ownerReferences,
    creationTimestamp: m.creationTimestamp,
    deletionTimestamp: m.deletionTimestamp,
  };
  for (const key of Object.keys(keep) as (keyof ObjectMeta)[]) if (keep[key] === undefined) delete keep[key];
  return keep as unknown as ObjectMeta;
}

interface PodLike extends KubeObject {
  readonly status?: { readonly phase?: string; readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
}

/** A Pod reduced to its metadata (no annotations), phase and Ready condition: readiness tracking. */
export function podReadiness(object: KubeObject): KubeObject {
  const pod = object as PodLike;
  const { annotations: _annotations, ...metadata } = slimMetadata(pod.metadata);
  const ready = pod.status?.conditions?.filter((c) => c.type === 'Ready').map((c) => ({ type: c.type, status: c.status }));
  const status = { ...(pod.status?.phase === undefined ? {} : { phase: pod.status.phase }), ...(ready === undefined ? {} : { conditions: ready }) };
  return { apiVersion: pod.apiVersion, kind: pod.kind, metadata, status } as KubeObject;
}

interface WorkloadLike extends KubeObject {
  readonly spec?: { readonly template?: unknown; readonly [field: string]: unknown };
  readonly status?: unknown;
}

/** A ReplicaSet (or Deployment, StatefulSet) without spec.template: sizes, selector and status only. */
export function withoutPodTemplate(object: KubeObject): KubeObject {
  const workload = object as WorkloadLike;
  const { template: _template, ...spec } = workload.spec ?? {};
  return { apiVersion: workload.apiVersion, kind: workload.kind, metadata: slimMetadata(workload.metadata), spec, status: workload.status } as KubeObject;
}

interface SelectorLike extends KubeObject {
  readonly spec?: { readonly selector?: Readonly<Record<string, string>> };
}

/**
 * A Service as a rollout controller reads it: identity and its selector (whose pod-template-hash
 * key it manages). Ports, cluster IPs, status and the rest stay out of the cache; the controller
 * watches every Service of the cluster, most of them not its own.
 */
export function serviceSelector(object: KubeObject): KubeObject {
  const service = object as SelectorLike;
  const selector = service.spec?.selector;
  return { apiVersion: service.apiVersion, kind: service.kind, metadata: slimMetadata(service.metadata), spec: selector === undefined ? {} : { selector } } as KubeObject;
}

/** An object whose spec the controller reads whole, without its status and with slim metadata (VirtualServices, DestinationRules). */
export function specOnly(object: KubeObject): KubeObject {
  const { spec } = object as KubeObject & { readonly spec?: unknown };
  const slim: KubeObject & { spec?: unknown } = { apiVersion: object.apiVersion, kind: object.kind, metadata: slimMetadata(object.metadata) };
  if (spec !== undefined) slim.spec = spec;
  return slim;
}

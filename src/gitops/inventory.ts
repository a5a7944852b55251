// What an Application owns: references to the objects applied from its current revision, the
// order they are applied in (Helm's and Argo CD's install order: what others depend on first)
// and the reverse order they are pruned in. Pure.
import type { ResourceStatus } from '../api/application.ts';

export interface ObjectRef {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Undefined for cluster-scoped objects. */
  readonly namespace?: string;
  readonly name: string;
}

/** Kinds applied before all others, in this order; every other kind after them, by name. */
const INSTALL_ORDER = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function apiVersionOf(ref: Pick<ObjectRef, 'group' | 'version'>): string {
  return ref.group === '' ? ref.version : `${ref.group}/${ref.version}`;
}

/** Identity of an object across versions: group, kind, namespace, name. */
export function refKey(ref: Pick<ObjectRef, 'group' | 'kind' | 'namespace' | 'name'>): string {
  return `${ref.group}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

export function describeRef(ref: ObjectRef): string {
  const kind = ref.group === '' ? ref.kind : `${ref.kind}.${ref.group}`;
  return ref.namespace === undefined ? `${kind} ${ref.name}` : `${kind} ${ref.namespace}/${ref.name}`;
}

function rank(kind: string): number {
  const index = INSTALL_ORDER.indexOf(kind);
  return index < 0 ? INSTALL_ORDER.length : index;
}

/** Install order; a stable order (kind, namespace, name) within a rank. */
export function compareForApply(a: ObjectRef, b: ObjectRef): number {
  return rank(a.kind) - rank(b.kind) || a.kind.localeCompare(b.kind) || (a.namespace ?? '').localeCompare(b.namespace ?? '') || a.name.localeCompare(b.name);
}

/** Namespaces and CRDs: applied (and awaited) before anything is dry-run, since others need them. */
export function isFoundation(ref: Pick<ObjectRef, 'group' | 'kind'>): boolean {
  return (ref.group === '' && ref.kind === 'Namespace') || (ref.group === 'apiextensions.k8s.io' && ref.kind === 'CustomResourceDefinition');
}

/** Inventory entries of the previous sync that the new render no longer has, in prune order. */
export function toPrune(previous: readonly ObjectRef[], current: readonly ObjectRef[]): ObjectRef[] {
  const keep = new Set(current.map(refKey));
  return previous.filter((ref) => !keep.has(refKey(ref))).sort((a, b) => compareForApply(b, a));
}

/** An inventory entry of status.resources as an ObjectRef. */
export function refFromStatus(entry: ResourceStatus): ObjectRef {
  return {
    group: entry.group ?? '',
    version: entry.version ?? 'v1',
    kind: entry.kind,
    name: entry.name,
    ...(entry.namespace === undefined || entry.namespace === '' ? {} : { namespace: entry.namespace }),
  };
}

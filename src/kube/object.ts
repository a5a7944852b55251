// Objects as the API server sends them (wire-format JSON), not client-node's typed models:
// those drop fields their generated classes do not know (docs/adr/001). Callers narrow `T`
// with their own spec/status types (src/api).

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly ownerReferences?: readonly OwnerReference[];
  /** RFC 3339, set when deletion was requested and finalizers still hold the object. */
  readonly deletionTimestamp?: string;
  readonly creationTimestamp?: string;
  readonly finalizers?: readonly string[];
}

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
}

/** Names one object for a request: apiVersion and kind resolve to a path through discovery. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** Ignored for cluster-scoped kinds; defaults to "default" for namespaced ones. */
  readonly namespace?: string;
}

/** The store and workqueue key: `namespace/name`, or `name` for cluster-scoped objects (as client-go). */
export function keyOf(object: Pick<KubeObject, 'metadata'>): string {
  const { namespace, name } = object.metadata;
  return namespace === undefined || namespace === '' ? name : `${namespace}/${name}`;
}

/** The inverse of keyOf. */
export function splitKey(key: string): { readonly namespace?: string; readonly name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The reference to an object, for patch/get/delete helpers. */
export function refOf(object: KubeObject): ObjectRef {
  const { namespace, name } = object.metadata;
  return namespace === undefined ? { apiVersion: object.apiVersion, kind: object.kind, name } : { apiVersion: object.apiVersion, kind: object.kind, name, namespace };
}

/**
 * Read-your-writes: does a cached object still show a state from before our own write? It does
 * when it is the version our write replaced, and — since an informer can deliver a version that
 * another client wrote between our read and our write (an annotation, say) before it delivers
 * ours — when its resourceVersion is lower than our write's. resourceVersions are opaque by
 * contract but etcd's increasing integers in practice; when either does not parse as one, only
 * the replaced version counts.
 */
export function cacheBehindWrite(cached: string | undefined, replaced: string | undefined, written: string | undefined): boolean {
  if (cached === replaced) return true;
  const [c, w] = [Number(cached), Number(written)];
  return cached !== undefined && written !== undefined && Number.isSafeInteger(c) && Number.isSafeInteger(w) && c < w;
}

// Reads and writes of single objects of any kind as raw JSON (docs/adr/001), with the path from
// discovery. Every write names its field manager (FACTS.md: otherwise it is recorded as
// "kubernetes-client-javascript"). A JSON Patch given a resourceVersion starts with a `test` of
// it, so a write decided on stale state is refused (422, isConflict) instead of clobbering a
// concurrent change: re-read and decide again.
import type { KubeClients } from './client.ts';
import { apiStatusCode, conflictError, isConflict, isNotFound } from './errors.ts';
import type { KubeObject, ObjectRef } from './object.ts';

export interface JsonPatchOperation {
  readonly op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  /** JSON Pointer (RFC 6901): escape "/" in keys as "~1" and "~" as "~0" (see jsonPointer). */
  readonly path: string;
  readonly value?: unknown;
  readonly from?: string;
}

export interface WriteOptions {
  readonly fieldManager: string;
  readonly dryRun?: boolean;
}

export interface PatchOptions extends WriteOptions {
  /** Refuse the write (isConflict) unless the object is still at this resourceVersion. */
  readonly resourceVersion?: string;
}

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

export interface DeleteOptions {
  /** What happens to dependents (ReplicaSets → Pods); default Background. */
  readonly propagationPolicy?: PropagationPolicy;
  /** Delete only this incarnation/version of the object (409 Conflict otherwise). */
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly dryRun?: boolean;
}

type Clients = Pick<KubeClients, 'discovery' | 'request'>;

/** A JSON Pointer from path segments: jsonPointer('metadata', 'annotations', 'sluice.dev/x') → /metadata/annotations/sluice.dev~1x. */
export function jsonPointer(...segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** JSON Patch (RFC 6902) on the object's /status subresource. */
export async function patchStatus<T extends KubeObject = KubeObject>(
  clients: Clients,
  ref: ObjectRef,
  operations: readonly JsonPatchOperation[],
  options: PatchOptions,
): Promise<T> {
  return jsonPatch<T>(clients, { ref, subresource: '/status' }, operations, options);
}

/** JSON Patch (RFC 6902) on the object itself (spec, metadata). */
export async function patchObject<T extends KubeObject = KubeObject>(
  clients: Clients,
  ref: ObjectRef,
  operations: readonly JsonPatchOperation[],
  options: PatchOptions,
): Promise<T> {
  return jsonPatch<T>(clients, { ref, subresource: '' }, operations, options);
}

/** JSON Merge Patch (RFC 7386) on the object: `null` deletes a key; lists are replaced whole. */
export async function mergePatchObject<T extends KubeObject = KubeObject>(
  clients: Clients,
  ref: ObjectRef,
  patch: Readonly<Record<string, unknown>>,
  options: PatchOptions,
): Promise<T> {
  return mergePatch<T>(clients, { ref, subresource: '' }, patch, options);
}

/** JSON Merge Patch (RFC 7386) of the /status subresource: `{ status: { phase: 'Healthy' } }`. */
export async function mergePatchStatus<T extends KubeObject = KubeObject>(
  clients: Clients,
  ref: ObjectRef,
  patch: Readonly<Record<string, unknown>>,
  options: PatchOptions,
): Promise<T> {
  return mergePatch<T>(clients, { ref, subresource: '/status' }, patch, options);
}

/** Creates the object as written; resolves with what the server stored. */
export async function createObject<T extends KubeObject>(clients: Clients, object: T, options: WriteOptions): Promise<T> {
  const { apiVersion, kind, metadata } = object;
  const path = await clients.discovery.path(apiVersion, kind, metadata.namespace);
  return clients.request<T>({ method: 'POST', path, query: writeQuery(options), body: object });
}

/** The object, or undefined when it does not exist. */
export async function getObject<T extends KubeObject = KubeObject>(clients: Clients, ref: ObjectRef): Promise<T | undefined> {
  try {
    return await clients.request<T>({ method: 'GET', path: await pathOf(clients, ref) });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Deletes the object; false when it was already gone. */
export async function deleteObject(clients: Clients, ref: ObjectRef, options: DeleteOptions = {}): Promise<boolean> {
  const body = {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    propagationPolicy: options.propagationPolicy ?? 'Background',
    preconditions: options.preconditions,
    dryRun: options.dryRun === true ? ['All'] : undefined,
  };
  try {
    await clients.request({ method: 'DELETE', path: await pathOf(clients, ref), body });
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

export interface GuardedPatchOptions<T extends KubeObject> extends WriteOptions {
  /** A copy to decide from first (an informer's): a stale one only costs a refused patch and a fresh read. */
  readonly cached?: T;
  /** Reads and decisions before giving up on conflicts (default 5). */
  readonly attempts?: number;
}

/**
 * Read, decide, write, guarded: `decide` turns the object as read (undefined when it does not
 * exist) into JSON Patch operations ([] when nothing needs to change; it may throw). They are sent
 * behind a test of that resourceVersion, so a concurrent edit is never clobbered: on a conflict
 * the object is read again and the decision made again. For objects others own and edit too
 * (VirtualServices, DestinationRules): fields are changed one by one, never applied whole.
 */
export async function guardedPatch<T extends KubeObject>(
  clients: Clients,
  ref: ObjectRef,
  decide: (object: T | undefined) => readonly JsonPatchOperation[],
  options: GuardedPatchOptions<T>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const object = attempt === 1 && options.cached !== undefined ? options.cached : await getObject<T>(clients, ref);
    const operations = decide(object);
    if (operations.length === 0) return;
    try {
      await jsonPatch(clients, { ref, subresource: '' }, operations, { ...options, resourceVersion: object?.metadata.resourceVersion });
      return;
    } catch (error) {
      if (!isConflict(error) || attempt >= (options.attempts ?? 5)) throw error;
    }
  }
}

interface Target {
  readonly ref: ObjectRef;
  readonly subresource: '' | '/status';
}

async function jsonPatch<T>(clients: Clients, target: Target, operations: readonly JsonPatchOperation[], options: PatchOptions): Promise<T> {
  const expected = options.resourceVersion;
  const precondition: JsonPatchOperation[] = expected === undefined ? [] : [{ op: 'test', path: '/metadata/resourceVersion', value: expected }];
  try {
    return await clients.request<T>({
      method: 'PATCH',
      path: (await pathOf(clients, target.ref)) + target.subresource,
      query: writeQuery(options),
      body: [...precondition, ...operations],
      contentType: 'application/json-patch+json',
    });
  } catch (error) {
    if (expected === undefined || apiStatusCode(error) !== 422) throw error;
    throw await staleOr(clients, target.ref, expected, error);
  }
}

/**
 * The API server answers any JSON Patch operation that does not apply with the same bare 422
 * ("the server rejected our request due to an error in our request", no details): a failed
 * `test` of resourceVersion cannot be told from a bad path. Re-read: if the object moved on, the
 * write was decided on stale state and is a conflict (409, isConflict); otherwise the original error.
 */
async function staleOr(clients: Clients, ref: ObjectRef, expected: string, error: unknown): Promise<unknown> {
  const live = await getObject(clients, ref).catch(() => undefined);
  const current = live?.metadata.resourceVersion;
  if (current === undefined || current === expected) return error;
  const where = ref.namespace === undefined ? ref.name : `${ref.namespace}/${ref.name}`;
  return conflictError(`${ref.kind} ${where} changed since resourceVersion ${expected} (now ${current}): re-read it and decide again`);
}

async function mergePatch<T>(clients: Clients, target: Target, patch: Readonly<Record<string, unknown>>, options: PatchOptions): Promise<T> {
  // A resourceVersion in a merge patch is a precondition: the server answers 409 Conflict if it moved on.
  const metadata = patch.metadata as Record<string, unknown> | undefined;
  const body = options.resourceVersion === undefined ? patch : { ...patch, metadata: { ...metadata, resourceVersion: options.resourceVersion } };
  return clients.request<T>({
    method: 'PATCH',
    path: (await pathOf(clients, target.ref)) + target.subresource,
    query: writeQuery(options),
    body,
    contentType: 'application/merge-patch+json',
  });
}

async function pathOf(clients: Clients, ref: ObjectRef): Promise<string> {
  return clients.discovery.path(ref.apiVersion, ref.kind, ref.namespace, ref.name);
}

function writeQuery(options: WriteOptions): Record<string, string | undefined> {
  if (options.fieldManager === '') throw new Error('a write needs a field manager (e.g. "sluice-rollouts")');
  return { fieldManager: options.fieldManager, dryRun: options.dryRun === true ? 'All' : undefined };
}

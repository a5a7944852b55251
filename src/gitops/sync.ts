// One sync of one revision, staged so that a bad revision applies nothing (ARCHITECTURE §5):
//   1. Namespaces and CRDs: server-side dry run, apply, wait until each CRD is Established;
//   2. every other object: server-side dry run — any refusal stops the sync here;
//   3. the real apply, in install order (kinds others depend on first), a few at a time;
//   4. prune: objects of the previous inventory that left Git, still carrying our label and
//      annotation and not marked `sluice.dev/prune: disabled`, deleted in reverse order.
// Step 1 does change the cluster before step 2 has checked the rest: a CRD must exist before its
// objects can be dry-run (Argo CD and Flux do the same). Everything goes through the caller's
// clients, which impersonate the Application's service account when it names one.
import { APPLICATION_ANNOTATION } from '../api/names.ts';
import type { KubeClients } from '../kube/api-clients.ts';
import type { KubernetesObject } from '../kube/client.ts';
import { serverSideApply } from '../kube/apply.ts';
import { waitForCrdEstablished } from '../kube/crd-wait.ts';
import { messageOf } from '../kube/errors.ts';
import type { KubeObject } from '../kube/object.ts';
import { deleteObject, getObject } from '../kube/patch.ts';
import { APPLICATION_LABEL, PRUNE_ANNOTATION, type DesiredObject } from './desired.ts';
import { apiVersionOf, compareForApply, describeRef, isFoundation, refKey, toPrune, type ObjectRef } from './inventory.ts';

export interface SyncRequest {
  readonly app: { readonly namespace: string; readonly name: string };
  readonly desired: readonly DesiredObject[];
  /** The inventory of the last successful sync (what prune may delete). */
  readonly previous: readonly ObjectRef[];
  readonly prune: boolean;
  /** Checked by the dry run with the rest, but applied later (objects of later sync waves). */
  readonly dryRunAlso?: readonly DesiredObject[];
  /** Also current: never pruned (objects of earlier sync waves). */
  readonly alsoCurrent?: readonly ObjectRef[];
  readonly fieldManager: string;
  readonly concurrency?: number;
  readonly crdTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

export type SyncResult =
  | {
      readonly ok: true;
      readonly applied: readonly ObjectRef[];
      readonly pruned: readonly ObjectRef[];
      readonly keptFromPrune: readonly ObjectRef[];
      /** What the API server answered to each apply (refKey → object), for read-your-writes. */
      readonly written: ReadonlyMap<string, KubeObject>;
    }
  | { readonly ok: false; readonly stage: 'foundation' | 'dry-run' | 'apply' | 'prune'; readonly message: string; readonly failures: readonly Failure[] };

export interface Failure {
  readonly ref: ObjectRef;
  readonly source?: { readonly file: string; readonly line: number };
  readonly message: string;
}

type Clients = Pick<KubeClients, 'request' | 'discovery' | 'connection'>;

const DEFAULT_CONCURRENCY = 8;

export async function syncRevision(clients: Clients, req: SyncRequest): Promise<SyncResult> {
  const written = new Map<string, KubeObject>();
  const result = await stages(clients, req, written);
  return result.ok ? { ...result, written } : result;
}

async function stages(clients: Clients, req: SyncRequest, written: Map<string, KubeObject>): Promise<SyncResult> {
  const ordered = [...req.desired].sort((a, b) => compareForApply(a.ref, b.ref));
  const foundation = ordered.filter((d) => isFoundation(d.ref));
  const rest = ordered.filter((d) => !isFoundation(d.ref));
  const staged = await applyFoundation(clients, foundation, { ...req, written });
  if (staged !== undefined) return staged;
  const dryRun = await eachLimited([...rest, ...(req.dryRunAlso ?? [])], req, (d) => apply(clients, d, req, true));
  if (dryRun.length > 0) return failed('dry-run', dryRun, 'server-side dry run refused');
  const applied = await applyInOrder(clients, rest, { ...req, written });
  if (applied !== undefined) return applied;
  return prune(clients, req, ordered.map((d) => d.ref));
}

type Writing = SyncRequest & { readonly written?: Map<string, KubeObject> };

async function applyFoundation(clients: Clients, foundation: readonly DesiredObject[], req: Writing): Promise<SyncResult | undefined> {
  const checked = await eachLimited(foundation, req, (d) => apply(clients, d, req, true));
  if (checked.length > 0) return failed('foundation', checked, 'server-side dry run refused');
  const written = await eachLimited(foundation, req, (d) => apply(clients, d, req, false));
  if (written.length > 0) return failed('foundation', written, 'apply failed');
  const crds = foundation.filter((d) => d.ref.kind === 'CustomResourceDefinition');
  const waits = await eachLimited(crds, req, async (d) => {
    const ok = await waitForCrdEstablished(clients, d.ref.name, req.crdTimeoutMs ?? 30_000, req.signal);
    return ok ? undefined : 'not Established in time';
  });
  return waits.length > 0 ? failed('foundation', waits, 'CustomResourceDefinition not Established') : undefined;
}

/** Kind by kind in install order; within a kind, a few at a time. */
async function applyInOrder(clients: Clients, objects: readonly DesiredObject[], req: Writing): Promise<SyncResult | undefined> {
  const byRank: DesiredObject[][] = [];
  for (const d of objects) {
    const last = byRank.at(-1);
    if (last !== undefined && last[0]?.ref.kind === d.ref.kind && last[0].ref.group === d.ref.group) last.push(d);
    else byRank.push([d]);
  }
  for (const group of byRank) {
    const failures = await eachLimited(group, req, (d) => apply(clients, d, req, false));
    if (failures.length > 0) return failed('apply', failures, 'apply failed');
  }
  return undefined;
}

async function apply(clients: Clients, d: DesiredObject, req: Writing, dryRun: boolean): Promise<string | undefined> {
  try {
    const answer = await serverSideApply(clients as KubeClients, d.object as unknown as KubernetesObject, { fieldManager: req.fieldManager, force: true, dryRun });
    if (!dryRun) req.written?.set(refKey(d.ref), answer as unknown as KubeObject);
    return undefined;
  } catch (error) {
    return messageOf(error);
  }
}

async function prune(clients: Clients, req: SyncRequest, current: readonly ObjectRef[]): Promise<SyncResult> {
  const applied = current;
  if (!req.prune) return { ok: true, applied, pruned: [], keptFromPrune: [], written: new Map() };
  const candidates = toPrune(req.previous, [...current, ...(req.alsoCurrent ?? [])]);
  const pruned: ObjectRef[] = [];
  const kept: ObjectRef[] = [];
  const failures: Failure[] = [];
  for (const ref of candidates) {
    const outcome = await pruneOne(clients, ref, req);
    if (outcome === 'deleted') pruned.push(ref);
    else if (outcome === 'kept') kept.push(ref);
    else if (outcome !== 'gone') failures.push({ ref, message: outcome.error });
  }
  if (failures.length > 0) return failed('prune', failures, 'prune failed');
  return { ok: true, applied, pruned, keptFromPrune: kept, written: new Map() };
}

type PruneOutcome = 'deleted' | 'kept' | 'gone' | { readonly error: string };

/** Deletes only what is still ours: our label and our Application's annotation, not opted out. */
async function pruneOne(clients: Clients, ref: ObjectRef, req: SyncRequest): Promise<PruneOutcome> {
  const kubeRef = { apiVersion: apiVersionOf(ref), kind: ref.kind, name: ref.name, ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }) };
  try {
    const live = await getObject<KubeObject>(clients, kubeRef);
    if (live === undefined) return 'gone';
    if (!prunable(live, req)) return 'kept';
    const uid = live.metadata.uid;
    const deleted = await deleteObject(clients, kubeRef, uid === undefined ? {} : { preconditions: { uid } });
    return deleted ? 'deleted' : 'gone';
  } catch (error) {
    return { error: messageOf(error) };
  }
}

/** Still ours (our label, this Application's annotation) and not opted out of pruning. */
function prunable(live: KubeObject, req: SyncRequest): boolean {
  const annotations = live.metadata.annotations ?? {};
  const ours = live.metadata.labels?.[APPLICATION_LABEL] !== undefined && annotations[APPLICATION_ANNOTATION] === `${req.app.namespace}/${req.app.name}`;
  return ours && annotations[PRUNE_ANNOTATION] !== 'disabled';
}

function failed(stage: 'foundation' | 'dry-run' | 'apply' | 'prune', failures: readonly Failure[], what: string): SyncResult {
  const first = failures[0];
  const where = first === undefined ? '' : `${describeRef(first.ref)}${first.source === undefined ? '' : ` (${first.source.file}:${first.source.line})`}: ${first.message}`;
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
  return { ok: false, stage, message: `${what}: ${where}${more}`, failures };
}

/** Runs `work` over the items, a few at a time; the failures, in the items' order. */
async function eachLimited(items: readonly DesiredObject[], req: SyncRequest, work: (d: DesiredObject) => Promise<string | undefined>): Promise<Failure[]> {
  const results: (Failure | undefined)[] = new Array<Failure | undefined>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const d = items[index] as DesiredObject;
      const message = await work(d);
      if (message !== undefined) results[index] = { ref: d.ref, source: d.source, message };
    }
  };
  const workers = Math.min(req.concurrency ?? DEFAULT_CONCURRENCY, items.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return results.filter((r): r is Failure => r !== undefined);
}

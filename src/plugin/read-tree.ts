// Reads what `get rollout` shows: the Rollout, its ReplicaSets and their pods, its AnalysisRuns
// (by owner), and the canary weight its VirtualService carries now.
import { API_VERSION, POD_TEMPLATE_HASH_LABEL } from '../api/names.ts';
import type { KubeClients } from '../kube/api-clients.ts';
import type { KubeObject } from '../kube/object.ts';
import { getObject } from '../kube/patch.ts';
import { readRollout } from './operations.ts';
import type { AnalysisRunView, PodView, ReplicaSetView, RolloutTree, RolloutView } from './render.ts';

interface Routing {
  readonly canaryService?: string;
  readonly trafficRouting?: {
    readonly istio?: {
      readonly virtualService?: { readonly name?: string; readonly routes?: readonly string[] };
      readonly virtualServices?: readonly { readonly name?: string; readonly routes?: readonly string[] }[];
      readonly destinationRule?: { readonly canarySubsetName?: string };
    };
  };
}

interface VirtualService extends KubeObject {
  readonly spec?: { readonly http?: readonly { readonly name?: string; readonly route?: readonly { readonly destination?: { readonly host?: string; readonly subset?: string }; readonly weight?: number }[] }[] };
}

const owned = (uid: string | undefined) => (o: KubeObject): boolean => uid !== undefined && (o.metadata.ownerReferences ?? []).some((ref) => ref.uid === uid);

async function list<T extends KubeObject>(clients: KubeClients, path: string, labelSelector?: string): Promise<T[]> {
  const answer = await clients.request<{ items: T[] }>({ method: 'GET', path, ...(labelSelector === undefined ? {} : { query: { labelSelector } }) });
  return answer.items;
}

export async function readTree(clients: KubeClients, namespace: string, name: string): Promise<RolloutTree> {
  const rollout = await readRollout(clients, namespace, name);
  const uid = rollout.metadata.uid;
  const [replicaSets, pods, runs] = await Promise.all([
    list<ReplicaSetView>(clients, `/apis/apps/v1/namespaces/${namespace}/replicasets`, POD_TEMPLATE_HASH_LABEL),
    list<PodView>(clients, `/api/v1/namespaces/${namespace}/pods`, POD_TEMPLATE_HASH_LABEL),
    list<AnalysisRunView>(clients, `/apis/${API_VERSION}/namespaces/${namespace}/analysisruns`),
  ]);
  const sets = replicaSets.filter(owned(uid));
  const setUids = new Set(sets.map((rs) => rs.metadata.uid));
  const actualWeight = await readActualWeight(clients, rollout);
  return {
    rollout,
    replicaSets: sets,
    pods: pods.filter((p) => (p.metadata.ownerReferences ?? []).some((ref) => setUids.has(ref.uid))),
    analysisRuns: runs.filter(owned(uid)),
    ...(actualWeight === undefined ? {} : { actualWeight }),
  };
}

/** The canary destination's weight in the first managed route of the (first) VirtualService. */
export async function readActualWeight(clients: KubeClients, rollout: RolloutView): Promise<number | undefined> {
  const routing = routingOf(rollout);
  if (routing === undefined) return undefined;
  const ref = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: rollout.metadata.namespace ?? 'default', name: routing.virtualService };
  const vs = await getObject<VirtualService>(clients, ref).catch(() => undefined);
  return canaryWeight(vs, routing.route, { service: routing.canaryService, subset: routing.canarySubset });
}

interface RoutingRef {
  readonly virtualService: string;
  readonly route: string | undefined;
  readonly canaryService: string | undefined;
  readonly canarySubset: string | undefined;
}

function routingOf(rollout: RolloutView): RoutingRef | undefined {
  const canary: Routing = { ...(rollout.spec?.strategy as { canary?: Routing } | undefined)?.canary };
  const istio = { ...canary.trafficRouting?.istio };
  const vsRef = istio.virtualService ?? istio.virtualServices?.[0];
  if (vsRef?.name === undefined) return undefined;
  return { virtualService: vsRef.name, route: vsRef.routes?.[0], canaryService: canary.canaryService, canarySubset: istio.destinationRule?.canarySubsetName };
}

function canaryWeight(vs: VirtualService | undefined, routeName: string | undefined, canary: { service: string | undefined; subset: string | undefined }): number | undefined {
  const routes = vs?.spec?.http ?? [];
  const route = routeName === undefined ? routes[0] : routes.find((r) => r.name === routeName);
  const isCanary = (d: { destination?: { host?: string; subset?: string } }): boolean => (canary.subset === undefined ? d.destination?.host === canary.service : d.destination?.subset === canary.subset);
  const destination = route?.route?.find(isCanary);
  return destination === undefined ? undefined : (destination.weight ?? 0);
}

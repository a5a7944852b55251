// No fights with the rollout controller (ARCHITECTURE §5): on an object the rollout controller
// marks as managed (`sluice.dev/managed-by-rollout`), the fields it owns — VirtualService route
// weights, the pod-template-hash key of Service selectors and of DestinationRule subset labels —
// keep their live values in what the engine compares and applies, and the apply carries the live
// resourceVersion, so a concurrent weight change makes the apply fail and retry rather than
// overwrite it. Git edits to every other field (timeouts, retries, hosts, other routes) land.
// Reads only the objects themselves: the gitops module does not import the rollout module. Pure.
import { MANAGED_BY_ROLLOUT_ANNOTATION, POD_TEMPLATE_HASH_LABEL } from '../api/names.ts';
import type { KubeObject } from '../kube/object.ts';

type Json = Record<string, unknown>;

const ROUTE_KINDS = ['http', 'tls', 'tcp'] as const;

export function keepRolloutOwned(desired: KubeObject, live: KubeObject | undefined): KubeObject {
  if (live?.metadata.annotations?.[MANAGED_BY_ROLLOUT_ANNOTATION] === undefined) return desired;
  const withVersion = { ...desired, metadata: { ...desired.metadata, resourceVersion: live.metadata.resourceVersion } } as KubeObject;
  const group = desired.apiVersion.split('/')[0];
  if (desired.apiVersion === 'v1' && desired.kind === 'Service') return withService(withVersion, live);
  if (group === 'networking.istio.io' && desired.kind === 'VirtualService') return withWeights(withVersion, live);
  if (group === 'networking.istio.io' && desired.kind === 'DestinationRule') return withSubsetLabels(withVersion, live);
  return withVersion;
}

const specOf = (o: KubeObject): Json => ((o as unknown as { spec?: Json }).spec ?? {});
const asList = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

function withService(desired: KubeObject, live: KubeObject): KubeObject {
  const liveHash = (specOf(live).selector as Json | undefined)?.[POD_TEMPLATE_HASH_LABEL];
  if (typeof liveHash !== 'string') return desired;
  const spec = specOf(desired);
  return { ...desired, spec: { ...spec, selector: { ...(spec.selector as Json | undefined), [POD_TEMPLATE_HASH_LABEL]: liveHash } } } as KubeObject;
}

function withSubsetLabels(desired: KubeObject, live: KubeObject): KubeObject {
  const liveSubsets = asList(specOf(live).subsets);
  const spec = specOf(desired);
  const subsets = asList(spec.subsets).map((subset) => {
    const hash = (liveSubsets.find((l) => l.name === subset.name)?.labels as Json | undefined)?.[POD_TEMPLATE_HASH_LABEL];
    return typeof hash === 'string' ? { ...subset, labels: { ...(subset.labels as Json | undefined), [POD_TEMPLATE_HASH_LABEL]: hash } } : subset;
  });
  return { ...desired, spec: { ...spec, subsets } } as KubeObject;
}

/** Each destination's weight from the live route of the same name (or position), same destination. */
function withWeights(desired: KubeObject, live: KubeObject): KubeObject {
  const spec = { ...specOf(desired) };
  for (const kind of ROUTE_KINDS) {
    if (!Array.isArray(spec[kind])) continue;
    const liveRoutes = asList(specOf(live)[kind]);
    spec[kind] = asList(spec[kind]).map((route, index) => {
      const match = liveRoutes.find((l) => route.name !== undefined && l.name === route.name) ?? (route.name === undefined ? liveRoutes[index] : undefined);
      return match === undefined ? route : { ...route, route: asList(route.route).map((d) => weightFrom(d, asList(match.route))) };
    });
  }
  return { ...desired, spec } as KubeObject;
}

function weightFrom(destination: Json, live: readonly Json[]): Json {
  const key = destinationKey(destination);
  const twin = live.find((l) => destinationKey(l) === key);
  if (twin === undefined) return destination;
  const { weight: _gitWeight, ...rest } = destination;
  return twin.weight === undefined ? rest : { ...rest, weight: twin.weight };
}

function destinationKey(d: Json): string {
  const dest = (d.destination ?? {}) as { host?: unknown; subset?: unknown; port?: { number?: unknown } };
  return JSON.stringify([dest.host, dest.subset ?? null, dest.port?.number ?? null]);
}

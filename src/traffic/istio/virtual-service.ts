// Pure edits of an Istio VirtualService: find the routes a Rollout manages and compute the
// JSON Patch that changes only their `weight`s. Matching follows Argo Rollouts: HTTP routes by
// name (or the only one when none are named), TLS routes by port and the exact sniHosts set,
// TCP routes by port; destinations by host up to the first ".". Every other field, route and
// host stays byte-for-byte: the patch replaces weights and nothing else.

export interface TlsRouteSelector {
  readonly port?: number;
  readonly sniHosts?: readonly string[];
}

export interface TcpRouteSelector {
  readonly port?: number;
}

export interface RouteSelection {
  readonly routes?: readonly string[];
  readonly tlsRoutes?: readonly TlsRouteSelector[];
  readonly tcpRoutes?: readonly TcpRouteSelector[];
}

export interface Destinations {
  readonly canaryService: string;
  readonly stableService: string;
  /** Subset-level routing: destinations are told apart by subset, not by host. */
  readonly subsets?: { readonly canary: string; readonly stable: string };
}

/** A weighted route the rollout manages: where it is and which entries are canary and stable. */
export interface ManagedRoute {
  readonly label: string;
  /** JSON Pointer of the route's `route` array, e.g. /spec/http/0/route */
  readonly pointer: string;
  readonly canaryIndex: number;
  readonly stableIndex: number;
  readonly canaryWeight: number | undefined;
  readonly stableWeight: number | undefined;
}

export type JsonPatchOp =
  | { readonly op: 'test' | 'replace' | 'add'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

interface Destination {
  destination?: { host?: string; subset?: string };
  weight?: number;
}
interface Route {
  name?: string;
  match?: { port?: number; sniHosts?: string[] }[];
  route?: Destination[];
}
export interface VirtualServiceLike {
  metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
  spec?: { http?: Route[]; tls?: Route[]; tcp?: Route[] };
}

export type Found = { readonly routes: ManagedRoute[] } | { readonly error: string };

const shortHost = (host: string | undefined): string => (host ?? '').split('.')[0] ?? '';

export function findManagedRoutes(vs: VirtualServiceLike, selection: RouteSelection, destinations: Destinations): Found {
  const picked = pickRoutes(vs, selection);
  if ('error' in picked) return picked;
  const routes: ManagedRoute[] = [];
  for (const { kind, index, label } of picked.list) {
    const route = vs.spec?.[kind]?.[index];
    const managed = managedRoute(route?.route ?? [], `/spec/${kind}/${index}/route`, label, destinations);
    if ('error' in managed) return managed;
    routes.push(managed);
  }
  return { routes };
}

type Kind = 'http' | 'tls' | 'tcp';
type PickedRoute = { kind: Kind; index: number; label: string };
type Picked = { list: PickedRoute[] } | { error: string };

function pickRoutes(vs: VirtualServiceLike, selection: RouteSelection): Picked {
  const list: PickedRoute[] = [];
  for (const pick of [pickDefaultHttp, pickNamedHttp, pickTls, pickTcp]) {
    const picked = pick(vs, selection);
    if ('error' in picked) return picked;
    list.push(...picked.list);
  }
  return { list };
}

const vsName = (vs: VirtualServiceLike): string => vs.metadata?.name ?? '?';

/** With no routes named at all, the VirtualService must have exactly one HTTP route (Argo). */
function pickDefaultHttp(vs: VirtualServiceLike, selection: RouteSelection): Picked {
  const none = [selection.routes, selection.tlsRoutes, selection.tcpRoutes].every((l) => (l ?? []).length === 0);
  if (!none) return { list: [] };
  const http = vs.spec?.http ?? [];
  if (http.length !== 1) {
    return { error: `VirtualService "${vsName(vs)}" has ${http.length} HTTP routes: name the ones to manage in virtualService.routes` };
  }
  return { list: [{ kind: 'http', index: 0, label: `http route ${http[0]?.name ?? '0'}` }] };
}

function pickNamedHttp(vs: VirtualServiceLike, selection: RouteSelection): Picked {
  const list: PickedRoute[] = [];
  for (const routeName of selection.routes ?? []) {
    const index = (vs.spec?.http ?? []).findIndex((r) => r.name === routeName);
    if (index < 0) return { error: `HTTP route "${routeName}" not found in VirtualService "${vsName(vs)}"` };
    list.push({ kind: 'http', index, label: `http route ${routeName}` });
  }
  return { list };
}

function pickTls(vs: VirtualServiceLike, selection: RouteSelection): Picked {
  const list: PickedRoute[] = [];
  for (const tls of selection.tlsRoutes ?? []) {
    const index = (vs.spec?.tls ?? []).findIndex((r) => tlsMatches(r, tls));
    if (index < 0) {
      const what = `port ${tls.port ?? 'any'}, sniHosts ${JSON.stringify(tls.sniHosts ?? [])}`;
      return { error: `TLS route (${what}) not found in VirtualService "${vsName(vs)}"` };
    }
    list.push({ kind: 'tls', index, label: `tls route ${index}` });
  }
  return { list };
}

function pickTcp(vs: VirtualServiceLike, selection: RouteSelection): Picked {
  const list: PickedRoute[] = [];
  const tcp = vs.spec?.tcp ?? [];
  for (const selector of selection.tcpRoutes ?? []) {
    const index = selector.port === undefined ? 0 : tcp.findIndex((r) => (r.match ?? []).some((m) => m.port === selector.port));
    if (tcp[index] === undefined) {
      return { error: `TCP route (port ${selector.port ?? 'any'}) not found in VirtualService "${vsName(vs)}"` };
    }
    list.push({ kind: 'tcp', index, label: `tcp route ${index}` });
  }
  return { list };
}

function tlsMatches(route: Route, selector: TlsRouteSelector): boolean {
  const wanted = [...(selector.sniHosts ?? [])].sort().join(',');
  return (route.match ?? []).some(
    (m) => (selector.port === undefined || m.port === selector.port) && (selector.sniHosts === undefined || [...(m.sniHosts ?? [])].sort().join(',') === wanted),
  );
}

function destinationIndex(entries: Destination[], destinations: Destinations, role: 'canary' | 'stable'): number {
  const subset = destinations.subsets?.[role];
  if (subset !== undefined) return entries.findIndex((d) => d.destination?.subset === subset);
  const service = role === 'canary' ? destinations.canaryService : destinations.stableService;
  return entries.findIndex((d) => shortHost(d.destination?.host) === service);
}

function describeDestination(destinations: Destinations, role: 'canary' | 'stable'): string {
  const subset = destinations.subsets?.[role];
  return subset !== undefined ? `${role} subset "${subset}"` : `${role} Service "${role === 'canary' ? destinations.canaryService : destinations.stableService}"`;
}

function managedRoute(entries: Destination[], pointer: string, label: string, destinations: Destinations): ManagedRoute | { error: string } {
  const canaryIndex = destinationIndex(entries, destinations, 'canary');
  const stableIndex = destinationIndex(entries, destinations, 'stable');
  if (canaryIndex < 0) return { error: `${describeDestination(destinations, 'canary')} not found in ${label}` };
  if (stableIndex < 0) return { error: `${describeDestination(destinations, 'stable')} not found in ${label}` };
  if (entries.length !== 2) {
    return { error: `${label} must hold exactly the stable and canary destinations (it has ${entries.length})` };
  }
  return { label, pointer, canaryIndex, stableIndex, canaryWeight: entries[canaryIndex]?.weight, stableWeight: entries[stableIndex]?.weight };
}

/** The canary weight every managed route holds, or undefined when they disagree or are unset. */
export function canaryWeightOf(routes: readonly ManagedRoute[]): number | undefined {
  const weights = new Set(routes.map((r) => `${r.canaryWeight ?? 0}/${r.stableWeight ?? 0}`));
  if (weights.size !== 1) return undefined;
  const first = routes[0];
  if (first === undefined) return undefined;
  const canary = first.canaryWeight ?? 0;
  return canary + (first.stableWeight ?? 0) === 100 ? canary : undefined;
}

/**
 * JSON Patch operations that set the weights, only where they differ. The caller sends them
 * behind a `test` of the resourceVersion the routes were read at (router.ts), so a concurrent
 * edit is refused and retried, never clobbered.
 */
export function weightPatch(routes: readonly ManagedRoute[], canaryWeight: number): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  for (const route of routes) {
    if (route.canaryWeight !== canaryWeight) ops.push({ op: 'add', path: `${route.pointer}/${route.canaryIndex}/weight`, value: canaryWeight });
    if (route.stableWeight !== 100 - canaryWeight) {
      ops.push({ op: 'add', path: `${route.pointer}/${route.stableIndex}/weight`, value: 100 - canaryWeight });
    }
  }
  return ops;
}

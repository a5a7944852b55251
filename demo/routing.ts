// DEMO COMPONENT — not part of the Sluice controller (nothing under src/ imports demo/).
//
// The mesh stand-in's routing, pure: which VirtualService a request belongs to (its Host), which
// http route it takes (the first whose match holds, as Istio evaluates them in order: header
// matches written first win), and which destination (weighted). Envoy draws weighted clusters at
// random; the demo uses smooth weighted round-robin (nginx's) instead, so a 90/10 route sends
// exactly 1 request in 10 to the canary and the split seen over any window matches the weights.
import type { HttpMatchRequest, HttpRoute, RouteDestination, StringMatch, VirtualService } from './pods.ts';

export interface RequestInfo {
  readonly method: string;
  /** Path and query, as in the request line. */
  readonly path: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface ChosenRoute {
  readonly virtualService: VirtualService;
  readonly index: number;
  readonly route: HttpRoute;
}

/** "web.ns.svc.cluster.local" / "web.ns.svc" / "web.ns" / "web" → "web" (when ns is ours); undefined for another namespace. */
export function serviceNameOf(host: string, namespace: string): string | undefined {
  const parts = host.split('.');
  const [name] = parts;
  if (name === undefined || name === '') return undefined;
  if (parts.length === 1) return name;
  const rest = parts.slice(1).join('.');
  const local = [namespace, `${namespace}.svc`, `${namespace}.svc.cluster.local`];
  return local.includes(rest) ? name : undefined;
}

/**
 * The VirtualService whose hosts include the request's Host (port dropped; a short host also
 * matches its in-namespace FQDN); else the fallback (by name), else the only one there is.
 */
export function virtualServiceFor(
  all: readonly VirtualService[],
  hostHeader: string | undefined,
  namespace: string,
  fallback?: string,
): VirtualService | undefined {
  const host = (hostHeader ?? '').replace(/:\d+$/, '').toLowerCase();
  const short = serviceNameOf(host, namespace);
  const hit = all.find((vs) => (vs.spec?.hosts ?? []).some((h) => h.toLowerCase() === host || (short !== undefined && h === short)));
  if (hit !== undefined) return hit;
  if (fallback !== undefined) return all.find((vs) => vs.metadata.name === fallback);
  return all.length === 1 ? all[0] : undefined;
}

export function stringMatches(match: StringMatch | undefined, value: string | undefined, ignoreCase = false): boolean {
  if (match === undefined) return true;
  if (value === undefined) return false;
  const v = ignoreCase ? value.toLowerCase() : value;
  const lower = (s: string): string => (ignoreCase ? s.toLowerCase() : s);
  if (match.exact !== undefined) return v === lower(match.exact);
  if (match.prefix !== undefined) return v.startsWith(lower(match.prefix));
  // Envoy's safe_regex matches the whole value.
  if (match.regex !== undefined) return new RegExp(`^(?:${match.regex})$`, ignoreCase ? 'i' : '').test(value);
  return true;
}

function header(request: RequestInfo, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : value;
}

/** Every condition of one match entry holds (AND). */
export function requestMatches(match: HttpMatchRequest, request: RequestInfo): boolean {
  const path = request.path.split('?')[0];
  if (!stringMatches(match.uri, path, match.ignoreUriCase === true)) return false;
  if (!stringMatches(match.method, request.method)) return false;
  for (const [name, m] of Object.entries(match.headers ?? {})) if (!stringMatches(m, header(request, name))) return false;
  for (const [name, m] of Object.entries(match.withoutHeaders ?? {})) {
    const value = header(request, name);
    if (value !== undefined && stringMatches(m, value)) return false;
  }
  return true;
}

/** The first http route whose match list is empty or has an entry that holds (OR over entries). */
export function routeFor(vs: VirtualService, request: RequestInfo): ChosenRoute | undefined {
  const routes = vs.spec?.http ?? [];
  const index = routes.findIndex((r) => (r.match ?? []).length === 0 || (r.match ?? []).some((m) => requestMatches(m, request)));
  const route = routes[index];
  return route === undefined ? undefined : { virtualService: vs, index, route };
}

/** A destination's weight as Istio reads it: a lone destination without weight takes everything. */
export function weightsOf(destinations: readonly RouteDestination[]): number[] {
  if (destinations.length === 1) return [destinations[0]?.weight ?? 100];
  return destinations.map((d) => Math.max(0, d.weight ?? 0));
}

/**
 * Smooth weighted round-robin, one per (route, weights): the state resets when the weights
 * change, so a new split holds from the next request on.
 */
export class WeightedPicker {
  readonly #states = new Map<string, number[]>();

  /** The index of the destination for the next request, or undefined when every weight is 0. */
  pick(routeKey: string, weights: readonly number[]): number | undefined {
    const total = weights.reduce((s, w) => s + w, 0);
    if (total <= 0) return undefined;
    const key = `${routeKey}|${weights.join(',')}`;
    let current = this.#states.get(key);
    if (current === undefined) {
      if (this.#states.size > 1000) this.#states.clear();
      current = weights.map(() => 0);
      this.#states.set(key, current);
    }
    let best = 0;
    weights.forEach((w, i) => {
      current[i] = (current[i] ?? 0) + w;
      if ((current[i] ?? 0) > (current[best] ?? 0)) best = i;
    });
    current[best] = (current[best] ?? 0) - total;
    return best;
  }
}

// Kind → resource path, from the API server's discovery documents, cached per group/version.
import type { Connection } from './connection.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { rawRequest } from './raw.ts';

export interface ResourceInfo {
  readonly name: string; // plural resource name
  readonly namespaced: boolean;
}

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

export class Discovery {
  readonly #connection: Connection;
  readonly #limiter: RateLimiter | undefined;
  readonly #cache = new Map<string, Promise<ApiResourceList>>();

  constructor(connection: Connection, limiter?: RateLimiter) {
    this.#connection = connection;
    this.#limiter = limiter;
  }

  /** The resource for apiVersion/kind; a fresh lookup when the kind is not (yet) known, e.g. a new CRD. */
  async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const found = await this.#find(apiVersion, kind);
    if (found !== undefined) return found;
    this.#cache.delete(apiVersion);
    const fresh = await this.#find(apiVersion, kind);
    if (fresh === undefined) throw new Error(`the API server does not serve kind ${kind} in ${apiVersion}`);
    return fresh;
  }

  /** The URL path of an object (or of its collection when `name` is undefined). */
  async path(apiVersion: string, kind: string, namespace: string | undefined, name?: string): Promise<string> {
    const resource = await this.resource(apiVersion, kind);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = resource.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? 'default')}` : '';
    const tail = name === undefined ? '' : `/${encodeURIComponent(name)}`;
    return `${base}${ns}/${resource.name}${tail}`;
  }

  async #find(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    let list = this.#cache.get(apiVersion);
    if (list === undefined) {
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      list = rawRequest<ApiResourceList>(this.#connection, { method: 'GET', path: base }, { limiter: this.#limiter });
      list.catch(() => this.#cache.delete(apiVersion));
      this.#cache.set(apiVersion, list);
    }
    try {
      const resources = (await list).resources;
      const match = resources.find((r) => r.kind === kind && !r.name.includes('/'));
      return match === undefined ? undefined : { name: match.name, namespaced: match.namespaced };
    } catch {
      return undefined;
    }
  }
}

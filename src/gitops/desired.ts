// From rendered manifests to the objects the engine applies: each object's scope resolved (from
// the API server's discovery, or from a CRD in the same revision), its namespace defaulted to the
// destination, and the ownership label and revision annotations stamped on. Unknown kinds are
// problems naming the file and line: a revision with one applies nothing.
import { APPLICATION_ANNOTATION, GIT_REVISION_ANNOTATION } from '../api/names.ts';
import type { KubeObject } from '../kube/object.ts';
import { splitApiVersion, type ObjectRef } from './inventory.ts';
import type { RenderedObject, RenderProblem } from './render.ts';

/** On every object the engine applies: which Application owns it (prune deletes only these). */
export const APPLICATION_LABEL = 'sluice.dev/application';
/** `disabled` on a live object: never pruned. */
export const PRUNE_ANNOTATION = 'sluice.dev/prune';

export interface DesiredObject {
  readonly ref: ObjectRef;
  readonly object: KubeObject;
  readonly source: { readonly file: string; readonly line: number };
}

export type Scope = 'Namespaced' | 'Cluster';

/** The scope of a kind the API server serves, undefined when it serves no such kind. */
export type ScopeLookup = (apiVersion: string, kind: string) => Promise<Scope | undefined>;

export interface DesiredContext {
  readonly app: { readonly namespace: string; readonly name: string };
  readonly destinationNamespace: string;
  readonly revision: string;
  readonly scopeOf: ScopeLookup;
}

export type Desired = { readonly ok: true; readonly objects: readonly DesiredObject[] } | { readonly ok: false; readonly problems: readonly RenderProblem[] };

/** The label value: names are at most 63 characters, so the namespace lives in the annotation. */
export function applicationLabelValue(app: { readonly name: string }): string {
  return app.name.length <= 63 ? app.name : app.name.slice(0, 63);
}

export function applicationId(app: { readonly namespace: string; readonly name: string }): string {
  return `${app.namespace}/${app.name}`;
}

export async function desiredObjects(rendered: readonly RenderedObject[], ctx: DesiredContext): Promise<Desired> {
  const crdScopes = scopesFromCrds(rendered);
  const problems: RenderProblem[] = [];
  const objects: DesiredObject[] = [];
  for (const item of rendered) {
    const { apiVersion, kind } = item.object;
    const scope = (await ctx.scopeOf(apiVersion, kind)) ?? crdScopes.get(`${apiVersion}/${kind}`);
    if (scope === undefined) {
      problems.push({ ...item.source, message: `kind ${kind} in ${apiVersion} is not served by the API server and no CustomResourceDefinition in this revision defines it` });
      continue;
    }
    objects.push(stamp(item, scope, ctx));
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, objects };
}

function stamp(item: RenderedObject, scope: Scope, ctx: DesiredContext): DesiredObject {
  const { group, version } = splitApiVersion(item.object.apiVersion);
  const metadata = item.object.metadata as KubeObject['metadata'];
  const namespace = scope === 'Namespaced' ? (metadata.namespace ?? ctx.destinationNamespace) : undefined;
  const { namespace: _dropped, ...rest } = metadata;
  const object = {
    ...item.object,
    metadata: {
      ...rest,
      ...(namespace === undefined ? {} : { namespace }),
      labels: { ...metadata.labels, [APPLICATION_LABEL]: applicationLabelValue(ctx.app) },
      annotations: { ...metadata.annotations, [APPLICATION_ANNOTATION]: applicationId(ctx.app), [GIT_REVISION_ANNOTATION]: ctx.revision },
    },
  } as KubeObject;
  const ref: ObjectRef = { group, version, kind: item.object.kind, name: metadata.name, ...(namespace === undefined ? {} : { namespace }) };
  return { ref, object, source: item.source };
}

interface CrdLike {
  readonly spec?: { readonly group?: string; readonly scope?: string; readonly names?: { readonly kind?: string }; readonly versions?: readonly { readonly name?: string }[] };
}

/** Kinds the revision's own CRDs define: `<group>/<version>/<Kind>` → scope. */
function scopesFromCrds(rendered: readonly RenderedObject[]): Map<string, Scope> {
  const scopes = new Map<string, Scope>();
  const crds = rendered.filter((item) => item.object.kind === 'CustomResourceDefinition' && item.object.apiVersion.startsWith('apiextensions.k8s.io/'));
  for (const item of crds) {
    const spec = (item.object as CrdLike).spec ?? {};
    const kind = spec.names?.kind;
    if (spec.group === undefined || kind === undefined) continue;
    const scope: Scope = spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced';
    for (const version of spec.versions ?? []) scopes.set(`${spec.group}/${version.name ?? ''}/${kind}`, scope);
  }
  return scopes;
}

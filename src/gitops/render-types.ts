// What the renderer takes and gives back (types only; render.ts and kustomize.ts do the work).

export interface RenderedObject {
  readonly object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown };
  readonly source: { readonly file: string; readonly line: number };
}

export interface RenderProblem {
  readonly file: string;
  readonly line?: number;
  readonly message: string;
}

export type Rendered = { readonly ok: true; readonly objects: readonly RenderedObject[] } | { readonly ok: false; readonly problems: readonly RenderProblem[] };

export interface KustomizeOptions {
  /** Argo CD's form: name=newName:tag, name:tag, name@digest. */
  readonly images?: readonly string[];
  readonly namePrefix?: string;
  readonly commonLabels?: Readonly<Record<string, string>>;
}

export interface RenderOptions {
  readonly repoRoot: string;
  readonly path: string;
  readonly kustomize?: KustomizeOptions;
  readonly kustomizeBinary?: string;
  /** Default 4 MiB. */
  readonly maxFileBytes?: number;
  /** Default 10,000. */
  readonly maxObjects?: number;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

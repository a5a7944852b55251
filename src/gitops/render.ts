// From a checkout to objects: every *.yaml / *.yml / *.json under the path (multi-document YAML,
// Lists expanded), or `kustomize build` when the path holds a kustomization. Every problem is
// collected with its file and line — invalid YAML, a document that is not an object with
// apiVersion, kind and metadata.name, a file over the size limit, a symlink out of the
// repository, the same object twice — and any problem means the revision renders nothing.
import { lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { load } from 'js-yaml';
import { hasKustomization, kustomizeBuild } from './kustomize.ts';
import type { RenderedObject, RenderOptions, RenderProblem, Rendered } from './render-types.ts';
import { splitDocuments } from './yaml-documents.ts';

export type { KustomizeOptions, RenderedObject, RenderOptions, RenderProblem, Rendered } from './render-types.ts';

const DEFAULT_MAX_FILE_BYTES = 4 << 20;
const DEFAULT_MAX_OBJECTS = 10_000;
const MANIFEST = /\.(ya?ml|json)$/u;

export async function render(options: RenderOptions): Promise<Rendered> {
  const root = realpathSync(options.repoRoot);
  const dir = resolve(root, options.path);
  if (hasKustomization(dir)) {
    const built = await kustomizeBuild({ ...options, repoRoot: root, dir });
    if (!built.ok) return built;
    return check(parseText(built.yaml, built.file, options), options);
  }
  const problems: RenderProblem[] = [];
  const items: RenderedObject[] = [];
  for (const file of manifestFiles(root, dir, problems)) {
    const rel = relative(root, file);
    const size = lstatSync(file).size;
    if (size > (options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES)) {
      problems.push({ file: rel, message: `file is ${size} bytes, over the limit of ${options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES}` });
      continue;
    }
    const parsed = parseText(readFileSync(file, 'utf8'), rel, options);
    items.push(...parsed.objects);
    problems.push(...parsed.problems);
  }
  return check({ objects: items, problems }, options);
}

/** Manifest files under `dir`, sorted; hidden entries skipped; symlinks leaving `root` refused. */
function manifestFiles(root: string, dir: string, problems: RenderProblem[]): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.')) continue;
      const path = join(current, entry.name);
      const target = entry.isSymbolicLink() ? safeRealpath(path) : path;
      if (target === undefined || (target !== root && !target.startsWith(`${root}${sep}`))) {
        problems.push({ file: relative(root, path), message: 'symlink points outside the repository' });
        continue;
      }
      const stat = lstatSync(target);
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile() && MANIFEST.test(entry.name)) out.push(path);
    }
  };
  walk(dir);
  return out;
}

function safeRealpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

interface Parsed {
  readonly objects: RenderedObject[];
  readonly problems: RenderProblem[];
}

function parseText(text: string, file: string, options: RenderOptions): Parsed {
  const objects: RenderedObject[] = [];
  const problems: RenderProblem[] = [];
  const docs = file.endsWith('.json') ? [{ text, line: 1 }] : splitDocuments(text);
  for (const doc of docs) {
    const value = parseDocument(doc, file, problems);
    if (value !== null && value !== undefined) collect(value, { file, line: doc.line }, objects, problems);
    if (objects.length > (options.maxObjects ?? DEFAULT_MAX_OBJECTS)) break;
  }
  return { objects, problems };
}

/** One document's value; undefined (with a problem at the parser's line) when it is not YAML. */
function parseDocument(doc: { text: string; line: number }, file: string, problems: RenderProblem[]): unknown {
  try {
    return load(doc.text, { filename: file });
  } catch (error) {
    const { mark, reason } = error as { mark?: { line?: number }; reason?: string };
    problems.push({ file, line: doc.line + (mark?.line ?? 0), message: `invalid YAML: ${reason ?? (error instanceof Error ? error.message : String(error))}` });
    return undefined;
  }
}

function collect(value: unknown, source: { file: string; line: number }, objects: RenderedObject[], problems: RenderProblem[]): void {
  if (typeof value !== 'object' || Array.isArray(value) || value === null) {
    problems.push({ ...source, message: 'a document must be an object (a Kubernetes manifest)' });
    return;
  }
  const object = value as Record<string, unknown>;
  if (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items)) {
    for (const item of object.items as unknown[]) collect(item, source, objects, problems);
    return;
  }
  const missing = missingFields(object);
  if (missing !== undefined) {
    problems.push({ ...source, message: missing });
    return;
  }
  objects.push({ object: object as RenderedObject['object'], source });
}

function missingFields(object: Record<string, unknown>): string | undefined {
  if (typeof object.apiVersion !== 'string' || object.apiVersion === '') return 'the object has no apiVersion';
  if (typeof object.kind !== 'string' || object.kind === '') return 'the object has no kind';
  const metadata = object.metadata as { name?: unknown } | undefined;
  if (typeof metadata !== 'object' || metadata === null || typeof metadata.name !== 'string' || metadata.name === '') return `${object.kind} has no metadata.name`;
  return undefined;
}

/** Limits and duplicates, over the whole revision. */
function check(parsed: Parsed, options: RenderOptions): Rendered {
  const problems = [...parsed.problems];
  const max = options.maxObjects ?? DEFAULT_MAX_OBJECTS;
  if (parsed.objects.length > max) problems.push({ file: options.path, message: `more than ${max} objects` });
  const seen = new Map<string, RenderedObject['source']>();
  for (const { object, source } of parsed.objects) {
    const group = object.apiVersion.includes('/') ? object.apiVersion.slice(0, object.apiVersion.indexOf('/')) : '';
    const key = `${group}/${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const first = seen.get(key);
    if (first !== undefined) problems.push({ ...source, message: `${object.kind} ${object.metadata.name} is also defined at ${first.file}:${first.line}` });
    else seen.set(key, source);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, objects: parsed.objects };
}

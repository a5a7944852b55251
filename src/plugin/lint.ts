// `kubectl sluice lint -f FILE|-`: Rollout, AnalysisTemplate, ClusterAnalysisTemplate and
// Application manifests checked offline with the schemas the CRDs are generated from, the
// controller's own Rollout validation, the analysis condition compiler, and rules across
// documents (the Services and VirtualService a Rollout names, when the input holds them). Each
// problem is `file:line: kind/name: field: message`. Pure: text in, problems out.
import { load } from 'js-yaml';
import { ANALYSIS_TEMPLATE_KIND, analysisTemplateSchema, CLUSTER_ANALYSIS_TEMPLATE_KIND, clusterAnalysisTemplateSchema } from '../api/analysis.ts';
import { APPLICATION_KIND, applicationSchema } from '../api/application.ts';
import { validateRollout } from '../api/rollout-validate.ts';
import type { SchemaNode } from '../api/schema.ts';
import { validate } from '../api/schema-validate.ts';
import { compileCondition } from '../analysis/expr/index.ts';
import { splitDocuments } from '../gitops/yaml-documents.ts';
import { lineOf } from './yaml-locate.ts';

export interface LintProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

type Loose = Record<string, unknown>;

interface Doc {
  readonly object: Loose;
  readonly text: string;
  /** 1-based line of the document's first line. */
  readonly line: number;
}

const SCHEMAS: Readonly<Record<string, SchemaNode>> = {
  [ANALYSIS_TEMPLATE_KIND]: analysisTemplateSchema,
  [CLUSTER_ANALYSIS_TEMPLATE_KIND]: clusterAnalysisTemplateSchema,
  [APPLICATION_KIND]: applicationSchema,
};

const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function lintText(text: string, file: string): LintProblem[] {
  const problems: LintProblem[] = [];
  const docs: Doc[] = [];
  for (const chunk of splitDocuments(text)) {
    const parsed = parseDocument(chunk.text);
    if ('problem' in parsed) problems.push({ file, line: chunk.line + parsed.offset, message: parsed.problem });
    else if (parsed.object !== undefined) docs.push({ object: parsed.object, text: chunk.text, line: chunk.line });
  }
  for (const doc of docs) problems.push(...documentProblems(doc, docs).map((p) => ({ file, line: doc.line + lineOf(doc.text, p.field), message: `${describe(doc)}: ${p.field === '' ? '' : `${p.field}: `}${p.message}` })));
  return problems.sort((a, b) => a.line - b.line);
}

function parseDocument(text: string): { object: Loose | undefined } | { problem: string; offset: number } {
  try {
    const object = load(text);
    if (object === null || object === undefined) return { object: undefined };
    return isObject(object) ? { object } : { problem: 'a manifest must be a YAML mapping', offset: 0 };
  } catch (error) {
    const { mark, reason } = error as { mark?: { line?: number }; reason?: string };
    return { problem: `invalid YAML: ${reason ?? (error instanceof Error ? error.message : String(error))}`, offset: mark?.line ?? 0 };
  }
}

function describe(doc: Doc): string {
  const name = isObject(doc.object.metadata) ? str(doc.object.metadata.name) : undefined;
  return `${str(doc.object.kind) ?? '(no kind)'}/${name ?? '(no name)'}`;
}

interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

function documentProblems(doc: Doc, all: readonly Doc[]): FieldProblem[] {
  const kind = str(doc.object.kind);
  const isOurs = str(doc.object.apiVersion)?.startsWith('sluice.dev/') === true || str(doc.object.apiVersion)?.startsWith('argoproj.io/') === true;
  if (!isOurs) return [];
  if (kind === 'Rollout') return [...validateRollout(doc.object), ...referenceProblems(doc.object, all)];
  const schema = kind === undefined ? undefined : SCHEMAS[kind];
  if (schema === undefined) return [{ field: 'kind', message: `${kind ?? '(none)'} is not a kind Sluice knows (Rollout, AnalysisTemplate, ClusterAnalysisTemplate, Application)` }];
  const { status: _status, ...manifest } = doc.object;
  const schemaProblems = validate(schema, manifest).map(({ path, message }) => ({ field: path, message }));
  return kind === APPLICATION_KIND ? schemaProblems : [...schemaProblems, ...conditionProblems(doc.object)];
}

/** Every successCondition / failureCondition compiles. */
function conditionProblems(template: Loose): FieldProblem[] {
  const metrics = isObject(template.spec) && Array.isArray(template.spec.metrics) ? template.spec.metrics : [];
  const problems: FieldProblem[] = [];
  metrics.forEach((metric, i) => {
    if (!isObject(metric)) return;
    for (const field of ['successCondition', 'failureCondition']) {
      const source = str(metric[field]);
      if (source === undefined) continue;
      // {{args.x}} is filled in at run time: checked here as a number stands in for it.
      const compiled = compileCondition(source.replace(/\{\{[^}]*\}\}/gu, '0'));
      if (!compiled.ok) problems.push({ field: `spec.metrics[${i}].${field}`, message: compiled.message });
    }
  });
  return problems;
}

const namesOf = (all: readonly Doc[], kind: string): Set<string> =>
  new Set(all.filter((d) => d.object.kind === kind && isObject(d.object.metadata)).map((d) => str((d.object.metadata as Loose).name) ?? ''));

/** The Services and VirtualService a Rollout names exist — checked only when the input holds some of that kind. */
/** The object at a path of keys, or an empty one. */
function at(object: Loose, ...keys: string[]): Loose {
  let current: unknown = object;
  for (const key of keys) current = isObject(current) ? current[key] : undefined;
  return isObject(current) ? current : {};
}

function referenceProblems(rollout: Loose, all: readonly Doc[]): FieldProblem[] {
  const canary = at(rollout, 'spec', 'strategy', 'canary');
  return [...serviceProblems(canary, namesOf(all, 'Service')), ...virtualServiceProblems(at(canary, 'trafficRouting', 'istio', 'virtualService'), all)];
}

function serviceProblems(canary: Loose, services: ReadonlySet<string>): FieldProblem[] {
  if (services.size === 0) return [];
  return ['canaryService', 'stableService']
    .map((field) => ({ field, name: str(canary[field]) }))
    .filter(({ name }) => name !== undefined && !services.has(name))
    .map(({ field, name }) => ({ field: `spec.strategy.canary.${field}`, message: `Service "${name ?? ''}" is not in the input` }));
}

function virtualServiceProblems(vsRef: Loose, all: readonly Doc[]): FieldProblem[] {
  const name = str(vsRef.name);
  const virtualServices = all.filter((d) => d.object.kind === 'VirtualService');
  if (name === undefined || virtualServices.length === 0) return [];
  const found = virtualServices.find((d) => at(d.object, 'metadata').name === name);
  if (found === undefined) return [{ field: 'spec.strategy.canary.trafficRouting.istio.virtualService.name', message: `VirtualService "${name}" is not in the input` }];
  return routeProblems(vsRef, found.object);
}

function routeProblems(vsRef: Loose, vs: Loose): FieldProblem[] {
  const http = isObject(vs.spec) && Array.isArray(vs.spec.http) ? vs.spec.http : [];
  const names = new Set(http.map((r) => (isObject(r) ? str(r.name) : undefined)).filter((n): n is string => n !== undefined));
  const routes = Array.isArray(vsRef.routes) ? vsRef.routes : [];
  return routes
    .map((route, i) => ({ route: str(route), i }))
    .filter(({ route }) => route !== undefined && !names.has(route))
    .map(({ route, i }) => ({ field: `spec.strategy.canary.trafficRouting.istio.virtualService.routes[${i}]`, message: `the VirtualService has no HTTP route named "${route ?? ''}"` }));
}

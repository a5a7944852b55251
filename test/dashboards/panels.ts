// Reading Sluice's Grafana dashboards (dashboards/*.json) as data: their panels, and every query
// they send to Prometheus (panel targets, template variable queries, annotation queries), with
// Grafana's variable substitution done the way Grafana does it for single values.
//
// For the model test beside this file, and for an end-to-end test that runs every query against a
// real Prometheus:
//
//   for (const { panel, refId, expr } of panelQueries(loadDashboard('canary-analysis.json'))) {
//     await prometheus.query(substitute(expr, { namespace: 'demo', rollout: 'web', ... }, '1m'));
//   }
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the dashboards live: dashboards/ at the repository root. */
export const DASHBOARDS_DIR = join(import.meta.dirname, '..', '..', 'dashboards');

export interface DatasourceRef {
  readonly type?: string;
  readonly uid?: string;
}

export interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface Target {
  readonly refId?: string;
  readonly expr?: string;
  readonly legendFormat?: string;
  readonly datasource?: DatasourceRef;
  readonly instant?: boolean;
  readonly range?: boolean;
  readonly format?: string;
}

export interface FieldConfig {
  readonly defaults?: { readonly thresholds?: { readonly steps?: readonly { readonly value: number | null }[] } };
  readonly overrides?: readonly unknown[];
}

export interface Panel {
  readonly id?: number;
  readonly type?: string;
  readonly title?: string;
  readonly description?: string;
  readonly gridPos?: GridPos;
  readonly datasource?: DatasourceRef;
  readonly targets?: readonly Target[];
  readonly fieldConfig?: FieldConfig;
  readonly transformations?: readonly { readonly id: string }[];
  /** A row's panels while the row is collapsed. */
  readonly panels?: readonly Panel[];
  readonly collapsed?: boolean;
  readonly repeat?: string;
  readonly repeatDirection?: 'h' | 'v';
  readonly maxPerRow?: number;
}

export interface VariableOption {
  readonly text: string;
  readonly value: string;
  readonly selected?: boolean;
}

export interface Variable {
  readonly name?: string;
  readonly label?: string;
  readonly type?: string;
  /** A string, or the object Grafana's Prometheus variable editor saves ({ qryType, query, refId }). */
  readonly query?: string | { readonly query?: string; readonly qryType?: number; readonly refId?: string };
  readonly definition?: string;
  readonly datasource?: DatasourceRef;
  readonly hide?: number;
  readonly multi?: boolean;
  readonly includeAll?: boolean;
  readonly allValue?: string;
  readonly current?: { readonly text?: string | readonly string[]; readonly value?: string | readonly string[] };
  readonly options?: readonly VariableOption[];
}

export interface Annotation {
  readonly name?: string;
  readonly builtIn?: number;
  readonly datasource?: DatasourceRef;
  readonly enable?: boolean;
  /** Where Grafana's legacy Prometheus annotation runner reads the query. */
  readonly expr?: string;
  /** Where newer Grafana keeps it (it migrates `expr` here). */
  readonly target?: { readonly refId?: string; readonly expr?: string; readonly datasource?: DatasourceRef };
  readonly titleFormat?: string;
  readonly textFormat?: string;
  readonly tagKeys?: string;
}

export interface Dashboard {
  readonly id?: number | null;
  readonly uid?: string;
  readonly title?: string;
  readonly schemaVersion?: number;
  readonly time?: { readonly from?: string; readonly to?: string };
  readonly panels?: readonly Panel[];
  readonly templating?: { readonly list?: readonly Variable[] };
  readonly annotations?: { readonly list?: readonly Annotation[] };
}

export interface PanelQuery {
  /** The panel's title; `variable <name>` or `annotation <name>` for the other two kinds. */
  readonly panel: string;
  readonly refId: string;
  /** PromQL with Grafana variables still in it: pass it through substitute(). */
  readonly expr: string;
  readonly kind: 'panel' | 'variable' | 'annotation';
  /** Grafana runs it as an instant query (stat and table panels); otherwise as a range query. */
  readonly instant: boolean;
}

/** A dashboard from dashboards/, by file name. */
export function loadDashboard(file: string): Dashboard {
  return JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')) as Dashboard;
}

/** Every panel, rows' collapsed panels included, in file order. */
export function allPanels(dashboard: Dashboard): Panel[] {
  return (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

export function variables(dashboard: Dashboard): readonly Variable[] {
  return dashboard.templating?.list ?? [];
}

/** The text of a query variable's query, whichever of its two saved forms it has. */
export function variableQueryText(variable: Variable): string {
  const { query } = variable;
  return typeof query === 'string' ? query : (query?.query ?? '');
}

const LABEL_VALUES = /^\s*label_values\(\s*([\s\S]+?)\s*,\s*([A-Za-z_]\w*)\s*\)\s*$/;
const QUERY_RESULT = /^\s*query_result\(\s*([\s\S]+)\)\s*$/;

/**
 * A variable query as PromQL that Prometheus can run: label_values(selector, label) becomes
 * `group by (label) (selector)`, whose series carry exactly the values Grafana would offer;
 * query_result(expr) becomes expr.
 */
export function variableQueryAsPromQL(query: string): string {
  const labelValues = LABEL_VALUES.exec(query);
  if (labelValues !== null) return `group by (${labelValues[2] ?? ''}) (${labelValues[1] ?? ''})`;
  const queryResult = QUERY_RESULT.exec(query);
  if (queryResult !== null) return queryResult[1] ?? '';
  throw new Error(`variable query ${JSON.stringify(query)} is neither label_values(selector, label) nor query_result(expr)`);
}

function targetQueries(panel: Panel): PanelQuery[] {
  return (panel.targets ?? []).map((target) => ({
    panel: panel.title ?? '',
    refId: target.refId ?? '',
    expr: target.expr ?? '',
    kind: 'panel',
    instant: target.instant === true && target.range !== true,
  }));
}

function variableQueries(dashboard: Dashboard): PanelQuery[] {
  return variables(dashboard)
    .filter((v) => v.type === 'query')
    .map((v) => ({ panel: `variable ${v.name ?? ''}`, refId: 'Variable', expr: variableQueryAsPromQL(variableQueryText(v)), kind: 'variable', instant: true }));
}

function annotationQueries(dashboard: Dashboard): PanelQuery[] {
  return (dashboard.annotations?.list ?? [])
    .filter((a) => a.builtIn !== 1)
    .map((a) => ({
      panel: `annotation ${a.name ?? ''}`,
      refId: a.target?.refId ?? 'Anno',
      expr: a.target?.expr ?? a.expr ?? '',
      kind: 'annotation',
      instant: false,
    }));
}

/** Every query of a dashboard: each panel target, each query variable, each Prometheus annotation. */
export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  return [...allPanels(dashboard).flatMap(targetQueries), ...variableQueries(dashboard), ...annotationQueries(dashboard)];
}

/**
 * Grafana's variable syntaxes: $name, ${name}, ${name:format}, [[name]]. A name starts with a
 * letter or "_", so label_replace's "$1" is not a variable (Grafana leaves it alone too).
 */
export const VARIABLE_REFERENCE = /\$\{([A-Za-z_]\w*)(?:[:.][^}]*)?\}|\$([A-Za-z_]\w*)|\[\[([A-Za-z_]\w*)(?::[^\]]*)?\]\]/g;

/** The variable names a text refers to. */
export function referencedVariables(text: string): string[] {
  return [...text.matchAll(VARIABLE_REFERENCE)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/**
 * `expr` with each variable replaced by its value in `vars`, and $__rate_interval / $__interval by
 * `rateInterval` unless `vars` gives them. A variable with no value is an error, not left in place.
 */
export function substitute(expr: string, vars: Readonly<Record<string, string>>, rateInterval = '1m'): string {
  const values: Readonly<Record<string, string>> = { __rate_interval: rateInterval, __interval: rateInterval, ...vars };
  const missing = new Set<string>();
  const result = expr.replace(VARIABLE_REFERENCE, (match, braced?: string, plain?: string, legacy?: string) => {
    const name = braced ?? plain ?? legacy ?? '';
    const value = values[name];
    if (value === undefined) missing.add(name);
    return value ?? match;
  });
  if (missing.size > 0) throw new Error(`no value for ${[...missing].map((n) => `$${n}`).join(', ')} in ${expr}`);
  return result;
}

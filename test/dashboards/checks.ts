// The checks of model.test.ts, as functions that list problems (an empty list is a pass), so a
// failure names every broken panel at once and the checks themselves can be tested on bad input.
// What they hold a dashboard to: Grafana's dashboard JSON model (grafana.com/docs/grafana/latest/
// dashboards/build-dashboards/view-dashboard-json-model/), our own rules in dashboards/README.md,
// and the metric contract in contract.ts.
import { seriesContract, SLUICE_METRICS, TARGET_LABELS } from './contract.ts';
import { AGGREGATIONS, FUNCTIONS, promqlShape, type PromqlShape } from './promql.ts';
import {
  allPanels,
  panelQueries,
  referencedVariables,
  variableQueryText,
  variables,
  type Dashboard,
  type GridPos,
  type Panel,
  type Variable,
} from './panels.ts';

export const PROMETHEUS_REF = { type: 'prometheus', uid: '${datasource}' } as const;
const GRAFANA_REF = { type: 'grafana', uid: '-- Grafana --' } as const;
/** Grafana 11's core panel types that these dashboards may use. */
export const PANEL_TYPES: ReadonlySet<string> = new Set(['timeseries', 'stat', 'state-timeline', 'table', 'bargauge', 'text', 'row']);
const WITHOUT_QUERIES: ReadonlySet<string> = new Set(['row', 'text']);
/** Variables Grafana itself defines. */
const GRAFANA_VARIABLES: ReadonlySet<string> = new Set([
  '__rate_interval', '__interval', '__interval_ms', '__range', '__range_s', '__range_ms', '__from', '__to', '__dashboard', '__org', '__user', '__all',
]);
export const MIN_SCHEMA_VERSION = 39; // Grafana 11.0
const GRID_COLUMNS = 24;

const where = (panel: Panel): string => `panel ${panel.id ?? '?'} "${panel.title ?? ''}"`;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function sameRef(ref: unknown, wanted: Readonly<Record<string, string>>): boolean {
  return isRecord(ref) && Object.keys(ref).length === Object.keys(wanted).length && Object.entries(wanted).every(([k, v]) => ref[k] === v);
}

// ---------------------------------------------------------------------------------------------
// Top level

export function topLevelProblems(dashboard: Dashboard, expected: { readonly uid: string; readonly title: string }): string[] {
  const d = dashboard;
  const rules: readonly (readonly [boolean, string])[] = [
    [d.title === expected.title, `title is ${JSON.stringify(d.title)}, not ${JSON.stringify(expected.title)}`],
    [d.uid === expected.uid, `uid is ${JSON.stringify(d.uid)}, not ${JSON.stringify(expected.uid)}`],
    [Number.isInteger(d.schemaVersion) && (d.schemaVersion ?? 0) >= MIN_SCHEMA_VERSION, `schemaVersion ${String(d.schemaVersion)} is not an integer >= ${MIN_SCHEMA_VERSION}`],
    [Array.isArray(d.panels) && d.panels.length > 0, 'panels is not a non-empty array'],
    [Array.isArray(d.templating?.list), 'templating.list is not an array'],
    [Array.isArray(d.annotations?.list), 'annotations.list is not an array'],
    [typeof d.time?.from === 'string' && typeof d.time.to === 'string', 'time.from and time.to are not strings'],
    // A fixed numeric id would collide with another dashboard's on import; Grafana assigns one.
    [d.id === undefined || d.id === null, 'id is set: leave it null so that import assigns one'],
  ];
  return rules.filter(([ok]) => !ok).map(([, problem]) => problem);
}

// ---------------------------------------------------------------------------------------------
// Panels and layout

function gridProblems(panel: Panel): string[] {
  const g: GridPos = { x: NaN, y: NaN, w: NaN, h: NaN, ...panel.gridPos };
  const { x, y, w, h } = g;
  if (![x, y, w, h].every(Number.isInteger)) return [`${where(panel)}: gridPos x, y, w, h are not all integers`];
  const rules: readonly (readonly [boolean, string])[] = [
    [x >= 0 && y >= 0 && w >= 1 && h >= 1, `gridPos ${JSON.stringify(g)} is out of range`],
    [x + w <= GRID_COLUMNS, `x + w = ${x + w} is wider than the ${GRID_COLUMNS}-column grid`],
    [panel.type !== 'row' || (x === 0 && w === GRID_COLUMNS && h === 1), 'a row spans the grid with h 1'],
  ];
  return rules.filter(([ok]) => !ok).map(([, problem]) => `${where(panel)}: ${problem}`);
}

function panelProblems(panel: Panel): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(panel.id) || (panel.id ?? 0) < 1) problems.push(`${where(panel)}: id is not a positive integer`);
  if (!PANEL_TYPES.has(panel.type ?? '')) problems.push(`${where(panel)}: type ${JSON.stringify(panel.type)} is not one of ${[...PANEL_TYPES].join(', ')}`);
  if (typeof panel.title !== 'string' || panel.title.trim() === '') problems.push(`${where(panel)}: no title`);
  return [...problems, ...gridProblems(panel)];
}

function duplicates<T>(values: readonly T[]): T[] {
  return [...new Set(values.filter((v, i) => values.indexOf(v) !== i))];
}

export function panelShapeProblems(dashboard: Dashboard): string[] {
  const panels = allPanels(dashboard);
  const ids = duplicates(panels.map((p) => p.id)).map((id) => `panel id ${String(id)} is used twice`);
  return [...panels.flatMap(panelProblems), ...ids];
}

function intersects(a: GridPos, b: GridPos): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Pairs of panels whose grid rectangles overlap. */
export function overlapProblems(panels: readonly Panel[]): string[] {
  const problems: string[] = [];
  panels.forEach((a, i) => {
    for (const b of panels.slice(i + 1)) {
      if (a.gridPos !== undefined && b.gridPos !== undefined && intersects(a.gridPos, b.gridPos)) problems.push(`${where(a)} overlaps ${where(b)}`);
    }
  });
  return problems;
}

/** A panel repeated horizontally fills its band with copies: nothing else may sit beside it. */
function repeatBandProblems(panels: readonly Panel[]): string[] {
  return panels
    .filter((p) => p.repeat !== undefined && (p.repeatDirection ?? 'h') === 'h' && p.gridPos !== undefined)
    .flatMap((repeated) => {
      const band: GridPos = { ...(repeated.gridPos as GridPos), x: 0, w: GRID_COLUMNS };
      return panels
        .filter((other) => other !== repeated && other.gridPos !== undefined && intersects(band, other.gridPos))
        .map((other) => `${where(other)} sits in the band that ${where(repeated)} repeats into`);
    });
}

export function layoutProblems(dashboard: Dashboard): string[] {
  const top = dashboard.panels ?? [];
  const collapsed = top.filter((p) => p.type === 'row' && (p.panels?.length ?? 0) > 0).map((row) => row.panels ?? []);
  return [top, ...collapsed].flatMap((panels) => [...overlapProblems(panels), ...repeatBandProblems(panels)]);
}

// ---------------------------------------------------------------------------------------------
// Datasources, targets, variables

function refProblems(node: unknown, path: string, builtIn: boolean): string[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => refProblems(item, `${path}[${i}]`, builtIn));
  if (!isRecord(node)) return [];
  const here = isRecord(node.datasource) && !sameRef(node.datasource, builtIn || node.builtIn === 1 ? GRAFANA_REF : PROMETHEUS_REF)
    ? [`${path}.datasource is ${JSON.stringify(node.datasource)}, not ${JSON.stringify(PROMETHEUS_REF)}`]
    : [];
  const inner = Object.entries(node).flatMap(([key, value]) => refProblems(value, `${path}.${key}`, node.builtIn === 1));
  return [...here, ...inner];
}

/** Every datasource reference in the file is the $datasource variable (Grafana's built-in annotation aside). */
export function datasourceProblems(dashboard: Dashboard): string[] {
  const missing = allPanels(dashboard)
    .filter((p) => !WITHOUT_QUERIES.has(p.type ?? ''))
    .flatMap((p) => [p, ...(p.targets ?? [])].filter((x) => x.datasource === undefined).map(() => `${where(p)}: a datasource is missing`));
  const unset = variables(dashboard)
    .filter((v) => v.type === 'query' && v.datasource === undefined)
    .map((v) => `variable ${v.name ?? ''} has no datasource`);
  return [...missing, ...unset, ...refProblems(dashboard, '$', false)];
}

export function targetProblems(dashboard: Dashboard): string[] {
  return allPanels(dashboard)
    .filter((p) => !WITHOUT_QUERIES.has(p.type ?? ''))
    .flatMap((p) => {
      const targets = p.targets ?? [];
      if (targets.length === 0) return [`${where(p)} has no targets`];
      const bad = targets
        .filter((t) => typeof t.refId !== 'string' || t.refId === '' || typeof t.expr !== 'string' || t.expr.trim() === '')
        .map((t) => `${where(p)}: target ${JSON.stringify(t.refId)} lacks a refId or an expr`);
      const twice = duplicates(targets.map((t) => t.refId)).map((r) => `${where(p)}: refId ${String(r)} is used twice`);
      return [...bad, ...twice];
    });
}

/** Texts in which Grafana substitutes variables, with where they are. */
function textsWithVariables(dashboard: Dashboard): { readonly at: string; readonly text: string }[] {
  const panelTexts = allPanels(dashboard).flatMap((p) => [
    { at: `${where(p)} title`, text: p.title ?? '' },
    ...(p.targets ?? []).flatMap((t) => [
      { at: `${where(p)} ${t.refId ?? ''}`, text: t.expr ?? '' },
      { at: `${where(p)} ${t.refId ?? ''} legend`, text: t.legendFormat ?? '' },
    ]),
  ]);
  const annotationTexts = (dashboard.annotations?.list ?? []).flatMap((a) =>
    [a.expr, a.target?.expr, a.titleFormat, a.textFormat].map((text) => ({ at: `annotation ${a.name ?? ''}`, text: text ?? '' })),
  );
  return [...panelTexts, ...annotationTexts];
}

/** A query variable may refer only to variables above it, as Grafana resolves them in order. */
function chainProblems(list: readonly Variable[]): string[] {
  return list.flatMap((v, i) => {
    const above = new Set([...list.slice(0, i).map((u) => u.name), ...GRAFANA_VARIABLES]);
    const text = v.type === 'query' ? variableQueryText(v) : '';
    const bad = referencedVariables(text).filter((name) => !above.has(name)).map((name) => `variable ${v.name ?? ''} uses $${name}, not defined above it`);
    const definition = v.type === 'query' && v.definition !== undefined && v.definition !== text ? [`variable ${v.name ?? ''}: definition differs from its query`] : [];
    return [...bad, ...definition];
  });
}

function repeatProblems(dashboard: Dashboard, list: readonly Variable[]): string[] {
  return allPanels(dashboard)
    .filter((p) => p.repeat !== undefined)
    .filter((p) => {
      const v = list.find((u) => u.name === p.repeat);
      return v === undefined || (v.multi !== true && v.includeAll !== true);
    })
    .map((p) => `${where(p)} repeats over ${p.repeat ?? ''}, which is not a multi-value variable`);
}

export function variableProblems(dashboard: Dashboard): string[] {
  const list = variables(dashboard);
  const names = list.map((v) => v.name ?? '');
  const defined = new Set([...names, ...GRAFANA_VARIABLES]);
  const datasource = list.find((v) => v.name === 'datasource');
  const problems = duplicates(names).map((n) => `variable ${n} is defined twice`);
  if (datasource?.type !== 'datasource' || datasource.query !== 'prometheus') problems.push('no variable "datasource" of type datasource with query "prometheus"');
  const undefinedUses = textsWithVariables(dashboard).flatMap(({ at, text }) =>
    referencedVariables(text).filter((name) => !defined.has(name)).map((name) => `${at} uses $${name}, which is not defined`),
  );
  return [...problems, ...undefinedUses, ...chainProblems(list), ...repeatProblems(dashboard, list)];
}

// ---------------------------------------------------------------------------------------------
// PromQL

/** Labels the expression's own series carry, plus those label_replace makes. */
function knownLabels(shape: PromqlShape): Set<string> {
  return new Set([...shape.selectors.flatMap((s) => seriesContract(s.metric)?.labels ?? []), ...TARGET_LABELS, ...shape.createdLabels]);
}

function selectorProblems(shape: PromqlShape): string[] {
  return shape.selectors.flatMap(({ metric, labels }) => {
    const contract = seriesContract(metric);
    if (contract === undefined) return [metric.startsWith('sluice_') ? `unknown Sluice metric ${metric}` : `metric ${metric} is not in the contract`];
    const allowed = new Set([...contract.labels, ...TARGET_LABELS]);
    return labels.filter((l) => !allowed.has(l)).map((l) => `${metric} has no label ${l}`);
  });
}

function labelProblems(shape: PromqlShape): string[] {
  const known = knownLabels(shape);
  const used = [...shape.groupings.flatMap((g) => g.labels), ...shape.readLabels];
  return used.filter((l) => !known.has(l)).map((l) => `label ${l} is on none of the expression's metrics`);
}

function histogramProblems(shape: PromqlShape): string[] {
  if (!shape.selectors.some((s) => s.metric.endsWith('_bucket'))) return [];
  const quantile = shape.functions.includes('histogram_quantile') && shape.groupings.some((g) => g.keyword === 'by' && g.labels.includes('le'));
  return quantile ? [] : ['a _bucket series outside histogram_quantile(q, sum by (..., le) (...))'];
}

/** What is wrong with one expression: its reading, names, labels, functions and windows. */
export function exprProblems(expr: string): string[] {
  const shape = promqlShape(expr);
  if (shape.error !== undefined) return [`does not read as PromQL: ${shape.error}`];
  return [
    ...selectorProblems(shape),
    ...labelProblems(shape),
    ...shape.functions.filter((f) => !FUNCTIONS.has(f)).map((f) => `unknown function ${f}`),
    ...shape.ranges.filter((r) => r !== '$__rate_interval').map((r) => `window [${r}] is not [$__rate_interval]`),
    ...histogramProblems(shape),
  ];
}

export function queryProblems(dashboard: Dashboard): string[] {
  return panelQueries(dashboard).flatMap(({ panel, refId, expr }) => exprProblems(expr).map((p) => `${panel} ${refId}: ${p}: ${expr}`));
}

/** Labels a legend may name: the `by` labels of an aggregated expression, else its series' labels. */
export function resultLabels(expr: string): Set<string> {
  const shape = promqlShape(expr);
  if (!shape.functions.some((f) => AGGREGATIONS.has(f))) return knownLabels(shape);
  return new Set([...shape.groupings.filter((g) => g.keyword === 'by').flatMap((g) => g.labels), ...shape.createdLabels]);
}

function legendNames(format: string): string[] {
  return [...format.matchAll(/\{\{\s*([A-Za-z_]\w*)\s*\}\}/g)].map((m) => m[1] ?? '');
}

/** Every {{label}} in a legend or an annotation's title, text or tags is a label of the query's result. */
export function legendProblems(dashboard: Dashboard): string[] {
  const targets = allPanels(dashboard).flatMap((p) =>
    (p.targets ?? []).map((t) => ({ at: `${where(p)} ${t.refId ?? ''}`, expr: t.expr ?? '', names: legendNames(t.legendFormat ?? '') })),
  );
  const annotations = (dashboard.annotations?.list ?? [])
    .filter((a) => a.builtIn !== 1)
    .map((a) => ({
      at: `annotation ${a.name ?? ''}`,
      expr: a.target?.expr ?? a.expr ?? '',
      names: [...legendNames(`${a.titleFormat ?? ''} ${a.textFormat ?? ''}`), ...(a.tagKeys ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '')],
    }));
  return [...targets, ...annotations].flatMap(({ at, expr, names }) => {
    const labels = resultLabels(expr);
    return names.filter((n) => !labels.has(n)).map((n) => `${at}: {{${n}}} is not a label of ${expr}`);
  });
}

/** Both places a Prometheus annotation keeps its query hold the same one. */
export function annotationProblems(dashboard: Dashboard): string[] {
  return (dashboard.annotations?.list ?? [])
    .filter((a) => a.builtIn !== 1)
    .filter((a) => (a.target?.expr ?? a.expr) === undefined || (a.expr !== undefined && a.target?.expr !== undefined && a.expr !== a.target.expr))
    .map((a) => `annotation ${a.name ?? ''}: no query, or expr and target.expr differ`);
}

// ---------------------------------------------------------------------------------------------
// Whole-file rules

/** `or vector(0)` invents a zero where there is no data: a dead exporter would look healthy. */
export function paddingProblems(text: string): string[] {
  return [...text.matchAll(/\bor\s+vector\s*\(/gi)].map((m) => `"${m[0]}" at offset ${m.index}`);
}

/** A sluice_* name anywhere in the file (queries, descriptions, titles) that the contract does not have. */
export function unknownSluiceNames(text: string): string[] {
  const names = new Set([...text.matchAll(/\bsluice_[a-z0-9_]+/g)].map((m) => m[0]));
  // A histogram's bare name is fine in prose; queries must use its _bucket, _sum or _count.
  return [...names].filter((name) => seriesContract(name) === undefined && SLUICE_METRICS[name] === undefined).map((name) => `unknown Sluice metric ${name}`);
}

/** Numeric limits come from the metrics (sluice_analysis_metric_threshold), never typed into a panel. */
export function thresholdProblems(dashboard: Dashboard): string[] {
  return allPanels(dashboard)
    .filter((p) => {
      const fixed = (p.fieldConfig?.defaults?.thresholds?.steps ?? []).some((s) => s.value !== null);
      return fixed || JSON.stringify(p.fieldConfig?.overrides ?? []).includes('"id":"thresholds"');
    })
    .map((p) => `${where(p)} hard-codes a threshold: query it instead`);
}

/** The file is what JSON.stringify(model, null, 2) writes, so diffs stay small and readable. */
export function formattingProblems(text: string): string[] {
  return text === `${JSON.stringify(JSON.parse(text), null, 2)}\n` ? [] : ['not formatted as JSON.stringify(model, null, 2) plus a newline'];
}

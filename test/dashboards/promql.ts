// A superficial PromQL reader for the dashboard model test: enough to check brackets, name the
// metrics, functions and labels an expression uses, and find its range windows. Not a parser:
// Prometheus itself judges the queries in the end-to-end test.

export interface Selector {
  readonly metric: string;
  /** Label names in the selector's matchers. */
  readonly labels: readonly string[];
}

export interface Grouping {
  readonly keyword: string;
  readonly labels: readonly string[];
}

export interface PromqlShape {
  /** What is wrong with the expression's brackets, quotes or characters; undefined when nothing is. */
  readonly error?: string;
  readonly selectors: readonly Selector[];
  readonly functions: readonly string[];
  readonly groupings: readonly Grouping[];
  /** Range windows as written, e.g. "$__rate_interval". */
  readonly ranges: readonly string[];
  /** Labels label_replace writes (its destination) and reads (its source). */
  readonly createdLabels: readonly string[];
  readonly readLabels: readonly string[];
}

export const AGGREGATIONS: ReadonlySet<string> = new Set([
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio',
]);

export const FUNCTIONS: ReadonlySet<string> = new Set([
  ...AGGREGATIONS,
  'abs', 'absent', 'absent_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min', 'day_of_month', 'day_of_week',
  'day_of_year', 'days_in_month', 'delta', 'deriv', 'exp', 'floor', 'histogram_avg', 'histogram_count', 'histogram_fraction',
  'histogram_quantile', 'histogram_stddev', 'histogram_stdvar', 'histogram_sum', 'hour', 'idelta', 'increase', 'irate',
  'label_join', 'label_replace', 'ln', 'log2', 'log10', 'minute', 'month', 'predict_linear', 'rate', 'resets', 'round',
  'scalar', 'sgn', 'sort', 'sort_desc', 'sort_by_label', 'sort_by_label_desc', 'sqrt', 'time', 'timestamp', 'vector', 'year',
  'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'quantile_over_time',
  'stddev_over_time', 'stdvar_over_time', 'last_over_time', 'present_over_time', 'mad_over_time',
]);

const KEYWORDS: ReadonlySet<string> = new Set(['and', 'or', 'unless', 'bool', 'offset', 'group_left', 'group_right', 'inf', 'nan']);
const GROUPING = /\b(by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)/g;
const STRING = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g;
const MATCHERS = /^\s*(?:[A-Za-z_]\w*\s*(?:=~|!~|!=|=)\s*""\s*(?:,\s*|$))*$/;
const LABEL_REPLACE_TAIL = /label_replace\s*\([\s\S]*?,\s*"([^"]*)"\s*,\s*"[^"]*"\s*,\s*"([^"]*)"\s*,\s*"[^"]*"\s*\)/g;
const PAIRS: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

/** The expression with every string literal emptied ("..." becomes ""). */
export function stripStrings(expr: string): string {
  return expr.replace(STRING, (s) => `${s[0] ?? ''}${s[0] ?? ''}`);
}

/** Why the brackets of a string-stripped expression do not pair up, or undefined. */
export function bracketError(stripped: string): string | undefined {
  if (/["'`]/.test(stripped.replace(/""|''|``/g, ''))) return 'an unterminated string';
  const open: string[] = [];
  for (const ch of stripped) {
    if ('([{'.includes(ch)) open.push(ch);
    const wanted = PAIRS[ch];
    if (wanted !== undefined && open.pop() !== wanted) return `an unmatched "${ch}"`;
  }
  return open.length === 0 ? undefined : `an unclosed "${open.join('')}"`;
}

function takeRanges(text: string, ranges: string[]): string {
  return text.replace(/\[([^\]]*)\]/g, (_, inner: string) => {
    ranges.push(inner.trim());
    return ' ';
  });
}

function takeSelectors(text: string, selectors: Selector[]): { text: string; error?: string } {
  let error: string | undefined;
  const rest = text.replace(/([A-Za-z_:][\w:]*)?\s*\{([^{}]*)\}/g, (_, metric: string | undefined, inner: string) => {
    if (!MATCHERS.test(inner)) error = `label matchers {${inner}} do not read as name op "value" pairs`;
    const labels = [...inner.matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1] ?? '');
    if (metric === undefined || KEYWORDS.has(metric)) error ??= `a selector {${inner}} with no metric name`;
    else selectors.push({ metric, labels });
    return ' ';
  });
  return error === undefined ? { text: rest } : { text: rest, error };
}

function takeGroupings(text: string, groupings: Grouping[]): string {
  return text.replace(GROUPING, (_, keyword: string, inner: string) => {
    const labels = inner.split(',').map((l) => l.trim()).filter((l) => l !== '');
    groupings.push({ keyword, labels });
    return ' ';
  });
}

/** Identifiers left once strings, windows, matchers and groupings are gone: functions and bare metric names. */
function takeIdentifiers(text: string, selectors: Selector[], functions: string[]): string {
  return text.replace(/\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|([A-Za-z_:][\w:]*)(\s*\()?/g, (token, name: string | undefined, call: string | undefined) => {
    if (name === undefined) return ' ';
    if (call !== undefined) functions.push(name);
    else if (!KEYWORDS.has(name)) selectors.push({ metric: name, labels: [] });
    return call === undefined ? ' ' : ' (';
  });
}

function labelReplaces(expr: string): { created: string[]; read: string[] } {
  const found = [...expr.matchAll(LABEL_REPLACE_TAIL)];
  return { created: found.map((m) => m[1] ?? ''), read: found.map((m) => m[2] ?? '') };
}

/** What an expression is made of, as far as a careful reading without a grammar can tell. */
export function promqlShape(expr: string): PromqlShape {
  const stripped = stripStrings(expr);
  const ranges: string[] = [];
  const selectors: Selector[] = [];
  const functions: string[] = [];
  const groupings: Grouping[] = [];
  let error = bracketError(stripped);
  const afterSelectors = takeSelectors(takeRanges(stripped, ranges), selectors);
  error ??= afterSelectors.error;
  const rest = takeIdentifiers(takeGroupings(afterSelectors.text, groupings), selectors, functions);
  // What is left: parentheses, commas, operators, and string arguments (label_replace's), emptied.
  const stray = /[^\s().,+\-*/%^=!<>]/.exec(rest.replace(/""|''|``/g, ' '));
  if (stray !== null) error ??= `a stray "${stray[0]}"`;
  if (expr.trim() === '') error ??= 'an empty expression';
  const { created, read } = labelReplaces(expr);
  const shape = { selectors, functions, groupings, ranges, createdLabels: created, readLabels: read };
  return error === undefined ? shape : { ...shape, error };
}

// `{{args.name}}` substitution, the way a value's position in the text needs it. Argo pastes values
// in as they are, so a value with a quote in it rewrites the query; Sluice escapes by position:
// inside a PromQL (or condition) string literal the value is escaped for that literal, inside a
// regular-expression matcher (=~, !~) its regex metacharacters are escaped too, and outside any
// string only a number, a duration or a plain name is accepted. One pass over the template: a
// substituted value is never scanned again. Messages name the argument, never a secret's value.

export interface ArgValue {
  readonly value: string;
  /** From a Secret: never shown in a message, status, event or log. */
  readonly secret: boolean;
}

export type Args = Readonly<Record<string, ArgValue>>;

export type TextResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string };
export type QueryResult = { readonly ok: true; readonly query: string } | { readonly ok: false; readonly message: string };

const PLACEHOLDER = /\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/gu;
const PLACEHOLDER_AT = /\{\{\s*args\.([A-Za-z0-9_.-]+)\s*\}\}/uy;

/** Plain text (URLs, headers, bodies, addresses, limits): values as they are. */
export function substituteText(template: string, args: Args): TextResult {
  let missing: string | undefined;
  const text = template.replace(PLACEHOLDER, (whole, name: string) => {
    const arg = args[name];
    if (arg === undefined) {
      missing ??= name;
      return whole;
    }
    return arg.value;
  });
  return missing === undefined ? { ok: true, text } : { ok: false, message: unknownArg(missing) };
}

/** A PromQL query: each value escaped for where it stands. */
export function substitutePromQL(query: string, args: Args): QueryResult {
  const result = substituteByPosition(query, args, PROMQL);
  return result.ok ? { ok: true, query: result.text } : result;
}

/**
 * A successCondition / failureCondition: values outside a string literal must be numbers (a
 * threshold such as `result[0] >= {{args.min}}`), values inside one are escaped for it.
 */
export function substituteCondition(condition: string, args: Args): TextResult {
  return substituteByPosition(condition, args, CONDITION);
}

function unknownArg(name: string): string {
  return `argument "${name}" is not defined (pass it in the Rollout's analysis args or give it a value in the template)`;
}

interface Dialect {
  readonly what: string;
  /** Whether a value may stand outside a string literal, as it is. */
  readonly bare: (value: string) => boolean;
  readonly bareRule: string;
  /** `#` starts a comment that runs to the end of the line. */
  readonly hashComments: boolean;
  /** Strings right after =~ or !~ are regular expressions. */
  readonly regexMatchers: boolean;
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/u;
const PROMQL_DURATION = /^(?:\d+(?:ms|s|m|h|d|w|y))+$/u;
const NAME = /^[A-Za-z_:][A-Za-z0-9_:]*$/u;
// Words that change a query's structure where a name could stand.
const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'atan2']);

const PROMQL: Dialect = {
  what: 'the query',
  bare: (v) => NUMBER.test(v) || PROMQL_DURATION.test(v) || (NAME.test(v) && !PROMQL_KEYWORDS.has(v.toLowerCase())),
  bareRule: 'a number, a duration (5m) or a metric or label name; put it inside quotes to use it as a string',
  hashComments: true,
  regexMatchers: true,
};

const CONDITION: Dialect = {
  what: 'the condition',
  bare: (v) => NUMBER.test(v),
  bareRule: 'a number; put it inside quotes to compare it as a string',
  hashComments: false,
  regexMatchers: false,
};

type Quote = '"' | "'" | '`';

interface Scan {
  readonly source: string;
  readonly args: Args;
  readonly dialect: Dialect;
  out: string;
  i: number;
  /** The open string literal, if any, and whether it is a regular expression. */
  quote?: { readonly char: Quote; readonly regex: boolean };
  comment: boolean;
}

function substituteByPosition(source: string, args: Args, dialect: Dialect): TextResult {
  const scan: Scan = { source, args, dialect, out: '', i: 0, comment: false };
  while (scan.i < source.length) {
    const problem = step(scan);
    if (problem !== undefined) return { ok: false, message: problem };
  }
  return { ok: true, text: scan.out };
}

/** Consumes one character or one placeholder; a message when a value cannot stand where it is. */
function step(scan: Scan): string | undefined {
  PLACEHOLDER_AT.lastIndex = scan.i;
  const match = PLACEHOLDER_AT.exec(scan.source);
  if (match !== null) {
    scan.i += match[0].length;
    return placeValue(scan, match[1] ?? '');
  }
  const char = scan.source[scan.i] ?? '';
  if (scan.quote !== undefined && scan.quote.char !== '`' && char === '\\') {
    scan.out += scan.source.slice(scan.i, scan.i + 2);
    scan.i += 2;
    return undefined;
  }
  track(scan, char);
  scan.out += char;
  scan.i += 1;
  return undefined;
}

/** Updates the string / comment state for the character about to be copied. */
function track(scan: Scan, char: string): void {
  if (scan.comment) {
    if (char === '\n') scan.comment = false;
  } else if (scan.quote !== undefined) {
    if (char === scan.quote.char) scan.quote = undefined;
  } else {
    open(scan, char);
  }
}

/** Outside strings and comments: a quote opens a string, `#` a comment (PromQL). */
function open(scan: Scan, char: string): void {
  if (char === '"' || char === "'" || char === '`') scan.quote = { char, regex: scan.dialect.regexMatchers && afterRegexMatcher(scan.out) };
  else if (char === '#' && scan.dialect.hashComments) scan.comment = true;
}

function afterRegexMatcher(before: string): boolean {
  return /[=!]~\s*$/u.test(before);
}

function placeValue(scan: Scan, name: string): string | undefined {
  const arg = scan.args[name];
  if (arg === undefined) return unknownArg(name);
  const shown = arg.secret ? '(a secret value)' : JSON.stringify(arg.value);
  const quote = scan.quote;
  if (quote === undefined || scan.comment) {
    if (!scan.dialect.bare(arg.value)) {
      return `argument "${name}" stands outside quotes in ${scan.dialect.what}, so its value must be ${scan.dialect.bareRule}; ${shown} is not`;
    }
    scan.out += arg.value;
    return undefined;
  }
  const value = quote.regex ? escapeRegex(arg.value) : arg.value;
  if (quote.char === '`') {
    if (value.includes('`')) return `argument "${name}" is inside a backtick string in ${scan.dialect.what}, which cannot hold its value's backtick; use double quotes`;
    scan.out += value;
    return undefined;
  }
  scan.out += escapeString(value, quote.char);
  return undefined;
}

/** RE2 / JavaScript regex metacharacters, so the value matches only itself. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\^$.|?*+()[\]{}]/gu, '\\$&');
}

/** Escapes for a Go-style quoted string (PromQL and expr both read them so). */
function escapeString(value: string, quote: '"' | "'"): string {
  let out = '';
  for (const char of value) {
    if (char === '\\' || char === quote) out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (char < ' ' || char === '\u007f') out += `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return out;
}

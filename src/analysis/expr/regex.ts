// `matches`: expr uses Go's RE2, which runs in linear time and has no backreferences or
// lookaround. JavaScript's engine backtracks, so a pattern like `(a+)+$` can hang the controller
// on a hostile string. Patterns are therefore checked before they are compiled: what RE2 refuses
// is refused too, and so is a repeated group that itself repeats or alternates (the shape of
// every catastrophic-backtracking pattern). Go's leading `(?i)`/`(?s)`/`(?m)` flags and
// `(?P<name>…)` groups are translated.

export type CompiledPattern = { readonly ok: true; readonly regex: RegExp } | { readonly ok: false; readonly message: string };

interface Group {
  /** Holds a quantifier or an alternation. */
  ambiguous: boolean;
}

/** `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` at `index`: its length, 0 if none. */
function quantifierAt(pattern: string, index: number): number {
  const ch = pattern.charAt(index);
  if (ch === '*' || ch === '+' || ch === '?') return 1;
  return ch === '{' ? (/^\{\d+(?:,\d*)?\}/.exec(pattern.slice(index))?.[0].length ?? 0) : 0;
}

/** Index of the `]` closing the class opened at `index`. */
function classEnd(pattern: string, index: number): number {
  let i = index + 1;
  if (pattern.charAt(i) === '^') i++;
  if (pattern.charAt(i) === ']') i++;
  while (i < pattern.length && pattern.charAt(i) !== ']') i += pattern.charAt(i) === '\\' ? 2 : 1;
  return i;
}

function checkEscape(pattern: string, index: number): string | undefined {
  const next = pattern.charAt(index + 1);
  if (/[1-9]/.test(next) || (next === 'k' && pattern.charAt(index + 2) === '<')) return 'backreferences are not supported (Go regular expressions have none)';
  return undefined;
}

function checkGroupOpen(pattern: string, index: number): string | undefined {
  const head = pattern.slice(index, index + 4);
  if (/^\(\?(?:=|!|<=|<!)/.test(head)) return 'lookahead and lookbehind are not supported (Go regular expressions have none)';
  return undefined;
}

/** After `)` at `index`: refuse `(…)+` / `(…)*` / `(…){n,}` when the group is ambiguous. */
function closeGroup(pattern: string, index: number, group: Group | undefined, parent: Group): string | undefined {
  const quantifier = quantifierAt(pattern, index + 1);
  const repeats = quantifier > 0 && pattern.charAt(index + 1) !== '?';
  if (repeats && group?.ambiguous === true) {
    return `the repeated group ending at character ${index + 1} repeats or alternates inside; this can take exponential time, so it is refused (use a character class or a simpler pattern)`;
  }
  parent.ambiguous ||= quantifier > 0 || group?.ambiguous === true;
  return undefined;
}

interface Scan {
  readonly pattern: string;
  /** Open groups; the first is the whole pattern. */
  readonly groups: Group[];
  index: number;
}

const innermost = (scan: Scan): Group => scan.groups[scan.groups.length - 1] ?? { ambiguous: false };

/** Reads the token at scan.index (moving past what it consumes); returns a problem if any. */
const SCANNERS: Readonly<Record<string, (scan: Scan) => string | undefined>> = {
  '\\': (scan) => checkEscape(scan.pattern, scan.index++),
  '[': (scan) => {
    scan.index = classEnd(scan.pattern, scan.index);
    return undefined;
  },
  '(': (scan) => {
    scan.groups.push({ ambiguous: false });
    const problem = checkGroupOpen(scan.pattern, scan.index);
    if (scan.pattern.charAt(scan.index + 1) === '?') scan.index++;
    return problem;
  },
  ')': (scan) => {
    const group = scan.groups.length > 1 ? scan.groups.pop() : undefined;
    return closeGroup(scan.pattern, scan.index, group, innermost(scan));
  },
  '|': (scan) => {
    innermost(scan).ambiguous = true;
    return undefined;
  },
};

/** The first reason the pattern is refused, or undefined. */
export function patternProblem(pattern: string): string | undefined {
  const scan: Scan = { pattern, groups: [{ ambiguous: false }], index: 0 };
  for (; scan.index < pattern.length; scan.index++) {
    const scanner = SCANNERS[pattern.charAt(scan.index)];
    if (scanner === undefined) {
      if (quantifierAt(pattern, scan.index) > 0) innermost(scan).ambiguous = true;
      continue;
    }
    const problem = scanner(scan);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** Go's leading `(?flags)` as JavaScript flags. */
function goFlags(pattern: string): { readonly source: string; readonly flags: string } | string {
  const match = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
  if (match === null) return { source: pattern, flags: '' };
  const letters = match[1] ?? '';
  const unsupported = [...letters].filter((letter) => !'ims'.includes(letter));
  if (unsupported.length > 0) return `flag ${unsupported.join('')} is not supported (only i, m and s are)`;
  return { source: pattern.slice(match[0].length), flags: letters };
}

function compileChecked(pattern: string): CompiledPattern {
  const translated = goFlags(pattern);
  const invalid = (reason: string): CompiledPattern => ({ ok: false, message: `invalid regular expression ${JSON.stringify(pattern)}: ${reason}` });
  if (typeof translated === 'string') return invalid(translated);
  const problem = patternProblem(translated.source);
  if (problem !== undefined) return invalid(problem);
  try {
    return { ok: true, regex: new RegExp(translated.source.replaceAll('(?P<', '(?<'), translated.flags) };
  } catch (error) {
    // "Invalid regular expression: /(/: Unterminated group" → "Unterminated group"
    const reason = error instanceof Error ? error.message.replace(/^.*: /, '') : String(error);
    return invalid(reason.charAt(0).toLowerCase() + reason.slice(1));
  }
}

const cache = new Map<string, CompiledPattern>();
const CACHE_LIMIT = 256;

/** A pattern for `matches`, checked and compiled once per distinct pattern. */
export function compilePattern(pattern: string): CompiledPattern {
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    compiled = compileChecked(pattern);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, compiled);
  }
  return compiled;
}

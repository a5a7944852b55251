// expr-lang's grammar expressed as a jsep configuration. jsep keeps its grammar in static fields of
// one shared class, so instead of changing it for the whole process (any other user of jsep would
// suddenly parse `and` as an operator) the grammar below is swapped in for the duration of one
// synchronous parse and the previous one is put back in `finally`.
//
// How each expr idiom maps onto jsep:
// - `and`/`or`/`in`/`contains`/`startsWith`/`endsWith`/`matches`: binary operators (jsep accepts a
//   word operator when a non-identifier character follows it).
// - `not in`, `not contains`, … : binary operators spelled with one space; compile.ts negates them.
// - `not x`: a unary operator like `!`.
// - precedences follow expr's table (parser/operator/operator.go): or < and < comparisons (all one
//   level, so compile.ts can chain `a < b < c` as expr does) < `+ -` < `* / %` < `** ^` (right) < `??`.
//   Unary operators bind looser in expr than in jsep (`-2 ** 2` is -4); compile.ts re-associates.
// - `#`, `#index`: `#` is an identifier character.
// - `.field` where an operand starts: a member of `#` (the predicate's element).
// - `{ … }`: a Closure node, the predicate of all/any/filter/…
// - `( … )`: a Group node, so compile.ts can tell `(-a) ** 2` from `-a ** 2`.
// - `a ? b : c`, numbers (0x/0o/0b, `_` separators), strings (Go escapes, raw `…`), comments: tokens.ts.
import jsep from 'jsep';
import { gobbleConditional, gobbleExprToken, skipComments, type RawNode } from './tokens.ts';

interface JsepParser {
  index: number;
  readonly expr: string;
  readonly char: string;
  gobbleExpression(): RawNode | false | undefined;
  throwError(message: string): never;
}

interface JsepClass {
  new (source: string): JsepParser;
}

const BINARY_OPERATORS: Readonly<Record<string, number>> = {
  '||': 1, or: 1,
  '&&': 2, and: 2,
  '==': 3, '!=': 3, '<': 3, '<=': 3, '>': 3, '>=': 3,
  in: 3, contains: 3, startsWith: 3, endsWith: 3, matches: 3,
  'not in': 3, 'not contains': 3, 'not startsWith': 3, 'not endsWith': 3, 'not matches': 3,
  '+': 4, '-': 4,
  '*': 5, '/': 5, '%': 5,
  '**': 6, '^': 6,
  '??': 7,
};

const UNARY_OPERATORS: Readonly<Record<string, number>> = { '-': 1, '+': 1, '!': 1, not: 1 };

const HOOKS = {
  'gobble-token': [gobbleExprToken],
  'gobble-spaces': [skipComments],
  'after-expression': [gobbleConditional],
};

const longest = (names: readonly string[]): number => Math.max(...names.map((name) => name.length));

/** jsep's static grammar fields, as this parser wants them. */
const EXPR_GRAMMAR: Readonly<Record<string, unknown>> = {
  binary_ops: BINARY_OPERATORS,
  max_binop_len: longest(Object.keys(BINARY_OPERATORS)),
  unary_ops: UNARY_OPERATORS,
  max_unop_len: longest(Object.keys(UNARY_OPERATORS)),
  right_associative: new Set(['**', '^']),
  additional_identifier_chars: new Set(['$', '_', '#']),
  literals: { true: true, false: false, nil: null },
  // No identifier is empty, so jsep never produces a ThisExpression.
  this_str: '',
  hooks: {
    ...HOOKS,
    run(name: string, env: { readonly context?: unknown }): void {
      for (const hook of HOOKS[name as keyof typeof HOOKS] ?? []) hook.call(env.context as never, env as never);
    },
  },
};

const Jsep = (jsep as unknown as { readonly Jsep: JsepClass }).Jsep;

/**
 * One expression, parsed with expr's grammar. Throws jsep's errors (an Error with `index` and
 * `description`) for syntax errors, including anything left over after the expression.
 */
export function parseExpr(source: string): RawNode {
  const statics = Jsep as unknown as Record<string, unknown>;
  const saved = Object.keys(EXPR_GRAMMAR).map((key) => [key, statics[key]] as const);
  Object.assign(statics, EXPR_GRAMMAR);
  try {
    const parser: JsepParser = new Jsep(source);
    const node = parser.gobbleExpression();
    if (node === false || node === undefined) parser.throwError(parser.index < source.length ? `unexpected "${parser.char}"` : 'empty expression');
    if (parser.index < source.length) parser.throwError(`unexpected "${parser.char}" after a complete expression`);
    return node;
  } finally {
    for (const [key, value] of saved) statics[key] = value;
  }
}

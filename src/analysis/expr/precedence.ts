// Where expr's precedence differs from jsep's, fixed on jsep's tree before it is checked.
// expr parses a unary operator's operand with that operator's precedence (parser.go,
// parsePrimary): `-2 ** 2` is `-(2 ** 2)` and `not a ?? b` is `not (a ?? b)`, while jsep always
// binds a unary operator to the next token. Parenthesised operands are Group nodes, which are
// never re-associated. The pass also bounds the nesting depth, so evaluation cannot run out of
// stack on a hostile condition.
import type jsep from 'jsep';
import type { RawNode } from './tokens.ts';

export class CompileError extends Error {
  override readonly name = 'CompileError';
}

export const MAX_DEPTH = 200;

/** expr's precedences (parser/operator/operator.go). */
export const EXPR_PRECEDENCE: Readonly<Record<string, number>> = {
  or: 10, '||': 10,
  and: 15, '&&': 15,
  '==': 20, '!=': 20, '<': 20, '<=': 20, '>': 20, '>=': 20,
  in: 20, contains: 20, startsWith: 20, endsWith: 20, matches: 20,
  'not in': 20, 'not contains': 20, 'not startsWith': 20, 'not endsWith': 20, 'not matches': 20,
  '+': 30, '-': 30,
  '*': 60, '/': 60, '%': 60,
  '**': 100, '^': 100,
  '??': 500,
};

const UNARY_PRECEDENCE: Readonly<Record<string, number>> = { not: 50, '!': 50, '-': 90, '+': 90 };

function isRaw(value: unknown): value is RawNode {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** `(-a) op b` → `-(a op b)` when expr's `op` binds tighter than the unary operator. */
function reassociate(node: RawNode): RawNode {
  if (node.type !== 'BinaryExpression') return node;
  const { operator, left, right } = node as jsep.BinaryExpression;
  if (left.type !== 'UnaryExpression') return node;
  const unary = left as jsep.UnaryExpression;
  if ((EXPR_PRECEDENCE[operator] ?? 0) <= (UNARY_PRECEDENCE[unary.operator] ?? 0)) return node;
  const inner = reassociate({ type: 'BinaryExpression', operator, left: unary.argument, right });
  return { type: 'UnaryExpression', operator: unary.operator, argument: inner, prefix: true };
}

/** jsep's tree with expr's unary precedence, children first; throws CompileError when too deep. */
export function withExprPrecedence(node: RawNode, depth = 0): RawNode {
  if (depth > MAX_DEPTH) throw new CompileError(`the condition nests more than ${MAX_DEPTH} levels deep`);
  const copy: RawNode = { ...node };
  for (const [key, value] of Object.entries(node)) {
    if (isRaw(value)) copy[key] = withExprPrecedence(value, depth + 1);
    else if (Array.isArray(value)) copy[key] = (value as readonly unknown[]).map((item) => (isRaw(item) ? withExprPrecedence(item, depth + 1) : item));
  }
  return reassociate(copy);
}

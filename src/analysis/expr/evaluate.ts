// Runs a compiled tree against one measurement's result. A plain tree walk over checked nodes:
// no eval, no Function, no property lookup beyond values.ts's fetch (own keys of plain objects,
// array elements). Errors for the user are thrown as ExprError and turned into data by index.ts.
import type { Node } from './ast.ts';
import { BUILTINS } from './functions.ts';
import { binary, unary } from './operators.ts';
import { PREDICATES } from './predicates.ts';
import { ExprError, fetch, isNil, typeName, withArticle } from './values.ts';

/** Steps one evaluation may take: nested predicates over large arrays cannot stall the controller. */
export const MAX_STEPS = 1_000_000;

/** What names refer to: `result`, and inside a predicate the element `#` and its `#index`. */
export interface Scope {
  readonly result: unknown;
  /** Shared by the whole evaluation; counts down. */
  readonly budget: { remaining: number };
  readonly element?: unknown;
  readonly index?: number;
}

type Evaluators = { readonly [K in Node['kind']]: (node: Extract<Node, { kind: K }>, scope: Scope) => unknown };

function requireBool(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new ExprError(`${what} needs a bool, got ${withArticle(typeName(value))}`);
  return value;
}

const VARIABLES = { result: (scope: Scope) => scope.result, '#': (scope: Scope) => scope.element, '#index': (scope: Scope) => scope.index };

/** A chain of `.field`, `?.field` and `[key]`; `?.` on nil ends the whole chain with nil. */
function evaluatePath(node: Extract<Node, { kind: 'path' }>, scope: Scope): unknown {
  let value = evaluate(node.base, scope);
  for (const step of node.steps) {
    if (step.optional && isNil(value)) return null;
    value = fetch(value, evaluate(step.key, scope), step.text);
  }
  return value;
}

/** `and`/`or` need bools and skip the right side when the left decides; `??` skips it unless the left is nil. */
function evaluateLogical(node: Extract<Node, { kind: 'logical' }>, scope: Scope): unknown {
  const left = evaluate(node.left, scope);
  if (node.operator === '??') return isNil(left) ? evaluate(node.right, scope) : left;
  const what = `"${node.operator}"`;
  if (requireBool(left, what) === (node.operator === 'or')) return left;
  return requireBool(evaluate(node.right, scope), what);
}

function evaluatePredicate(node: Extract<Node, { kind: 'predicate' }>, scope: Scope): unknown {
  const items = evaluate(node.array, scope);
  if (!Array.isArray(items)) throw new ExprError(`${node.name} needs an array, got ${withArticle(typeName(items))}`);
  return PREDICATES[node.name](items, (element, index) => evaluate(node.body, { result: scope.result, budget: scope.budget, element, index }));
}

function evaluateCall(node: Extract<Node, { kind: 'call' }>, scope: Scope): unknown {
  const builtin = BUILTINS.get(node.name);
  if (builtin === undefined) throw new ExprError(`unknown function ${node.name}`);
  return builtin.call(node.args.map((arg) => evaluate(arg, scope)));
}

const EVALUATORS: Evaluators = {
  literal: (node) => node.value,
  array: (node, scope) => node.elements.map((element) => evaluate(element, scope)),
  variable: (node, scope) => VARIABLES[node.name](scope) ?? null,
  path: evaluatePath,
  unary: (node, scope) => unary(node.operator, evaluate(node.operand, scope)),
  binary: (node, scope) => binary(node.operator, evaluate(node.left, scope), evaluate(node.right, scope), node.pattern),
  logical: evaluateLogical,
  conditional: (node, scope) => evaluate(requireBool(evaluate(node.test, scope), 'the test of "? :"') ? node.consequent : node.alternate, scope),
  call: evaluateCall,
  predicate: evaluatePredicate,
};

/** The value of a node; throws ExprError for what the user should read. */
export function evaluate(node: Node, scope: Scope): unknown {
  if (--scope.budget.remaining < 0) throw new ExprError(`evaluation took more than ${MAX_STEPS} steps (nested predicates over large arrays?)`);
  const evaluator = EVALUATORS[node.kind] as (node: Node, scope: Scope) => unknown;
  return evaluator(node, scope);
}

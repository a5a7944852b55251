// The checked tree a condition compiles to: only what the evaluator knows how to run. Built by
// compile.ts from jsep's tree, run by evaluate.ts.

/** Operators evaluated on two already-computed values (see operators.ts). */
export type BinaryOperator =
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | '+' | '-' | '*' | '/' | '%' | '**'
  | 'in' | 'contains' | 'startsWith' | 'endsWith' | 'matches';

/** Operators that may skip their right operand. */
export type LogicalOperator = 'and' | 'or' | '??';

export type UnaryOperator = 'not' | '-' | '+';

/** Array builtins whose second argument is a predicate run once per element. */
export type PredicateName = 'all' | 'any' | 'none' | 'one' | 'filter' | 'map' | 'count' | 'sum' | 'find' | 'findIndex' | 'findLast' | 'findLastIndex';

/** One `.field`, `?.field` or `[key]` step of a path; `text` is the path so far, for messages. */
export interface Step {
  readonly key: Node;
  readonly optional: boolean;
  readonly text: string;
}

export type Node =
  | { readonly kind: 'literal'; readonly value: null | boolean | number | string }
  | { readonly kind: 'array'; readonly elements: readonly Node[] }
  /** `result`; inside a predicate also `#` (the element) and `#index`. */
  | { readonly kind: 'variable'; readonly name: 'result' | '#' | '#index' }
  | { readonly kind: 'path'; readonly base: Node; readonly steps: readonly Step[] }
  | { readonly kind: 'unary'; readonly operator: UnaryOperator; readonly operand: Node }
  /** `pattern`: the regular expression of `matches "literal"`, compiled once. */
  | { readonly kind: 'binary'; readonly operator: BinaryOperator; readonly left: Node; readonly right: Node; readonly pattern?: RegExp }
  | { readonly kind: 'logical'; readonly operator: LogicalOperator; readonly left: Node; readonly right: Node }
  | { readonly kind: 'conditional'; readonly test: Node; readonly consequent: Node; readonly alternate: Node }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Node[] }
  | { readonly kind: 'predicate'; readonly name: PredicateName; readonly array: Node; readonly body: Node };

/** A compiled condition. Opaque to callers: build it with compileCondition, run it with evaluateCondition. */
export interface Program {
  readonly source: string;
  readonly root: Node;
}

// What a node computes when that is known without a result, as expr's type checker knows it for
// literals, operators and builtins. Used to refuse at compile time what expr refuses at compile
// time (`asFloat(result) == "1.1"`: mismatched types; `1 && true`) and conditions that can only
// compute a non-bool (`result[0] * 100`). Paths, `??` and `default(…)` are unknown: checked at run.
import type { Node } from './ast.ts';
import { typeName } from './values.ts';

/** 'bool', 'number', 'string', 'array', 'nil', 'number or string', or undefined when unknown. */
export type StaticType = string | undefined;

const FUNCTION_TYPES: Readonly<Partial<Record<string, string>>> = {
  ...Object.fromEntries(['len', 'abs', 'ceil', 'floor', 'round', 'int', 'float', 'asInt', 'asFloat', 'mean', 'median', 'sum', 'count'].map((name) => [name, 'number'])),
  ...Object.fromEntries(['lower', 'upper', 'trim', 'string'].map((name) => [name, 'string'])),
  ...Object.fromEntries(['isNaN', 'isInf', 'isNil'].map((name) => [name, 'bool'])),
};

const PREDICATE_TYPES: Readonly<Partial<Record<string, string>>> = {
  all: 'bool', any: 'bool', none: 'bool', one: 'bool',
  filter: 'array', map: 'array',
  count: 'number', sum: 'number', findIndex: 'number', findLastIndex: 'number',
};

const ARITHMETIC: ReadonlySet<string> = new Set(['-', '*', '/', '%', '**']);

function binaryType(node: Extract<Node, { kind: 'binary' }>): StaticType {
  if (ARITHMETIC.has(node.operator)) return 'number';
  if (node.operator !== '+') return 'bool';
  const left = staticType(node.left);
  return left !== undefined && left === staticType(node.right) ? left : 'number or string';
}

function conditionalType(node: Extract<Node, { kind: 'conditional' }>): StaticType {
  const consequent = staticType(node.consequent);
  return consequent === staticType(node.alternate) ? consequent : undefined;
}

type Typers = { readonly [K in Node['kind']]?: (node: Extract<Node, { kind: K }>) => StaticType };

const TYPERS: Typers = {
  literal: (node) => typeName(node.value),
  array: () => 'array',
  unary: (node) => (node.operator === 'not' ? 'bool' : 'number'),
  binary: binaryType,
  logical: (node) => (node.operator === '??' ? undefined : 'bool'),
  call: (node) => FUNCTION_TYPES[node.name],
  predicate: (node) => PREDICATE_TYPES[node.name],
  conditional: conditionalType,
};

export function staticType(node: Node): StaticType {
  const typer = TYPERS[node.kind] as ((node: Node) => StaticType) | undefined;
  return typer?.(node);
}

/** A single known type (not nil, not "number or string"). */
export function definiteType(node: Node): StaticType {
  const type = staticType(node);
  return type === 'nil' || type?.includes(' or ') === true ? undefined : type;
}

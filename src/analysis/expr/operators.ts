// expr's operators on computed values. Like expr (vm/runtime), mismatched or nil operands are an
// error, not false: `nil > 1` is "invalid operation: nil > number". Numbers are float64 as in
// Go, so `/` is float division and `1 / 0` is +Inf; `%` needs integers, as expr's does.
import type { BinaryOperator, UnaryOperator } from './ast.ts';
import { compilePattern } from './regex.ts';
import { deepEqual, ExprError, isMap, isNil, typeName } from './values.ts';

function mismatch(left: unknown, operator: string, right: unknown): ExprError {
  return new ExprError(`invalid operation: ${typeName(left)} ${operator} ${typeName(right)}`);
}

function arithmetic(operator: string, operation: (a: number, b: number) => number): (left: unknown, right: unknown) => number {
  return (left, right) => {
    if (typeof left !== 'number' || typeof right !== 'number') throw mismatch(left, operator, right);
    return operation(left, right);
  };
}

/** -1, 0, 1, or NaN when either side is NaN (every ordering is then false, as in Go). */
const compare = <T extends number | string>(a: T, b: T): number => (a < b ? -1 : a > b ? 1 : a === b ? 0 : Number.NaN);

/** `<`, `>`, …: two numbers or two strings. */
function ordering(operator: string, holds: (comparison: number) => boolean): (left: unknown, right: unknown) => boolean {
  return (left, right) => {
    if (typeof left === 'number' && typeof right === 'number') return holds(compare(left, right));
    if (typeof left === 'string' && typeof right === 'string') return holds(compare(left, right));
    throw mismatch(left, operator, right);
  };
}

function strings(operator: string, operation: (a: string, b: string) => boolean): (left: unknown, right: unknown) => boolean {
  return (left, right) => {
    if (typeof left !== 'string' || typeof right !== 'string') throw mismatch(left, operator, right);
    return operation(left, right);
  };
}

function add(left: unknown, right: unknown): number | string {
  if (typeof left === 'number' && typeof right === 'number') return left + right;
  if (typeof left === 'string' && typeof right === 'string') return left + right;
  throw mismatch(left, '+', right);
}

function modulo(left: unknown, right: unknown): number {
  if (typeof left !== 'number' || typeof right !== 'number' || !Number.isInteger(left) || !Number.isInteger(right)) {
    throw new ExprError(`invalid operation: % needs two integers, got ${typeName(left)} % ${typeName(right)}`);
  }
  if (right === 0) throw new ExprError('integer divide by zero');
  return left % right;
}

/** `x in array` (an equal element), `key in map` (an own key); nothing is in nil. */
function member(needle: unknown, haystack: unknown): boolean {
  if (isNil(haystack)) return false;
  if (Array.isArray(haystack)) return haystack.some((item) => deepEqual(item, needle));
  if (!isMap(haystack)) throw new ExprError(`operator "in" is not defined on ${typeName(haystack)}`);
  if (typeof needle !== 'string') throw new ExprError(`a map key must be a string, not ${typeName(needle)}`);
  return Object.hasOwn(haystack, needle);
}

const OPERATIONS: Readonly<Record<Exclude<BinaryOperator, 'matches'>, (left: unknown, right: unknown) => unknown>> = {
  '==': deepEqual,
  '!=': (left, right) => !deepEqual(left, right),
  '<': ordering('<', (c) => c < 0),
  '<=': ordering('<=', (c) => c <= 0),
  '>': ordering('>', (c) => c > 0),
  '>=': ordering('>=', (c) => c >= 0),
  '+': add,
  '-': arithmetic('-', (a, b) => a - b),
  '*': arithmetic('*', (a, b) => a * b),
  '/': arithmetic('/', (a, b) => a / b),
  '%': modulo,
  '**': arithmetic('**', (a, b) => a ** b),
  in: member,
  contains: strings('contains', (a, b) => a.includes(b)),
  startsWith: strings('startsWith', (a, b) => a.startsWith(b)),
  endsWith: strings('endsWith', (a, b) => a.endsWith(b)),
};

/** `text matches pattern`; `compiled` is the pattern when it was a literal, checked at compile time. */
function matches(text: unknown, pattern: unknown, compiled: RegExp | undefined): boolean {
  if (typeof text !== 'string' || typeof pattern !== 'string') throw mismatch(text, 'matches', pattern);
  if (compiled !== undefined) return compiled.test(text);
  const checked = compilePattern(pattern);
  if (!checked.ok) throw new ExprError(checked.message);
  return checked.regex.test(text);
}

export function binary(operator: BinaryOperator, left: unknown, right: unknown, pattern?: RegExp): unknown {
  return operator === 'matches' ? matches(left, right, pattern) : OPERATIONS[operator](left, right);
}

export function unary(operator: UnaryOperator, value: unknown): unknown {
  if (operator === 'not') {
    if (typeof value !== 'boolean') throw new ExprError(`invalid operation: not ${typeName(value)}`);
    return !value;
  }
  if (typeof value !== 'number') throw new ExprError(`invalid operation: ${operator}${typeName(value)}`);
  return operator === '-' ? -value : value;
}

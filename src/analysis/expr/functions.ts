// The builtins a condition may call: expr-lang's (len, abs, max, first, lower, int, …) and the
// helpers Argo Rollouts adds in utils/evaluate/evaluate.go (asInt, asFloat, isNaN, isInf, isNil,
// default). Predicate builtins (all, any, filter, …) are in predicates.ts.
//
// Argo's isNil and default look at `result` whatever their argument (a quirk of evaluate.go);
// here they look at their argument, which agrees with Argo for the documented uses
// `isNil(result)` and `default(result, 0)`.
import { describeValue, ExprError, formatValue, isMap, isNil, typeName, withArticle } from './values.ts';

export interface Builtin {
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly call: (args: readonly unknown[]) => unknown;
}

const got = (value: unknown): string => withArticle(typeName(value));

function numberArg(name: string, value: unknown): number {
  if (typeof value !== 'number') throw new ExprError(`${name} needs a number, got ${got(value)}`);
  return value;
}

function stringArg(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new ExprError(`${name} needs a string, got ${got(value)}`);
  return value;
}

function arrayArg(name: string, value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) throw new ExprError(`${name} needs an array, got ${got(value)}`);
  return value;
}

/** The numbers in the arguments, nested arrays flattened (expr's max, min, mean, median). */
function numbersIn(name: string, values: readonly unknown[], depth = 0): number[] {
  const numbers: number[] = [];
  for (const value of values) {
    if (typeof value === 'number') numbers.push(value);
    else if (Array.isArray(value) && depth < 32) for (const inner of numbersIn(name, value, depth + 1)) numbers.push(inner);
    else throw new ExprError(`${name} needs numbers, got ${got(value)}`);
  }
  return numbers;
}

function length(value: unknown): number {
  // Go's len of a string counts UTF-8 bytes.
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (Array.isArray(value)) return value.length;
  if (isMap(value)) return Object.keys(value).length;
  throw new ExprError(`invalid argument for len: ${got(value)}`);
}

/** Go's math.Round: half away from zero. */
const roundHalfAway = (value: number): number => Math.sign(value) * Math.round(Math.abs(value));

function extreme(name: string, args: readonly unknown[], better: (a: number, b: number) => boolean): number | null {
  let best: number | undefined;
  for (const value of numbersIn(name, args)) if (best === undefined || better(value, best)) best = value;
  return best ?? null;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** strconv.ParseInt(s, 10, 64). */
function parseInteger(name: string, text: string): number {
  const value = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(value)) throw new ExprError(`${name}: cannot parse ${describeValue(text)} as an integer`);
  if (Math.abs(value) > 2 ** 63) throw new ExprError(`${name}: ${describeValue(text)} is out of the int64 range`);
  return value;
}

/** strconv.ParseFloat(s, 64), decimal forms and Inf/NaN. */
function parseFloat64(name: string, text: string): number {
  if (/^[+-]?(?:inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return Number.NaN;
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) throw new ExprError(`${name}: cannot parse ${describeValue(text)} as a number`);
  return Number(text);
}

/** int(), asInt(): numbers truncate toward zero; strings must spell an integer. */
function toInteger(name: string, value: unknown): number {
  if (typeof value === 'string') return parseInteger(name, value);
  if (typeof value !== 'number') throw new ExprError(`${name}: cannot convert ${got(value)} to an integer`);
  if (!Number.isFinite(value)) throw new ExprError(`${name}: ${describeValue(value)} cannot be converted to an integer`);
  return Math.trunc(value);
}

/** float(), asFloat(). */
function toFloat(name: string, value: unknown): number {
  if (typeof value === 'string') return parseFloat64(name, value);
  if (typeof value !== 'number') throw new ExprError(`${name}: cannot convert ${got(value)} to a number`);
  return value;
}

/** Go's strings.Trim(s, cutset). */
function trimSet(text: string, cutset: string): string {
  const cut = new Set(cutset);
  const chars = [...text];
  let start = 0;
  let end = chars.length;
  while (start < end && cut.has(chars[start] ?? '')) start++;
  while (end > start && cut.has(chars[end - 1] ?? '')) end--;
  return chars.slice(start, end).join('');
}

function isInf(args: readonly unknown[]): boolean {
  const value = numberArg('isInf', args[0]);
  const sign = args.length > 1 ? numberArg('isInf', args[1]) : 0;
  return (sign >= 0 && value === Infinity) || (sign <= 0 && value === -Infinity);
}

function countTrue(items: readonly unknown[]): number {
  return items.filter((item) => {
    if (typeof item !== 'boolean') throw new ExprError(`count without a predicate needs an array of bools, got ${got(item)} in it`);
    return item;
  }).length;
}

const one = (call: (value: unknown) => unknown): Builtin => ({ minArgs: 1, maxArgs: 1, call: (args) => call(args[0]) });
const numeric = (name: string, operation: (value: number) => number): [string, Builtin] => [name, one((value) => operation(numberArg(name, value)))];
const textual = (name: string, operation: (value: string) => string): [string, Builtin] => [name, one((value) => operation(stringArg(name, value)))];
const aggregate = (name: string, operation: (values: readonly number[]) => unknown): [string, Builtin] => [
  name,
  { minArgs: 1, maxArgs: Infinity, call: (args) => operation(numbersIn(name, args)) },
];

export const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ['len', one(length)],
  numeric('abs', Math.abs),
  numeric('ceil', Math.ceil),
  numeric('floor', Math.floor),
  numeric('round', roundHalfAway),
  ['max', { minArgs: 1, maxArgs: Infinity, call: (args) => extreme('max', args, (a, b) => a > b) }],
  ['min', { minArgs: 1, maxArgs: Infinity, call: (args) => extreme('min', args, (a, b) => a < b) }],
  aggregate('mean', (values) => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length)),
  aggregate('median', median),
  ['sum', one((value) => arrayArg('sum', value).reduce<number>((total, item) => total + numberArg('sum', item), 0))],
  ['count', one((value) => countTrue(arrayArg('count', value)))],
  ['first', one((value) => (isNil(value) ? null : (arrayArg('first', value)[0] ?? null)))],
  ['last', one((value) => (isNil(value) ? null : (arrayArg('last', value).at(-1) ?? null)))],
  textual('lower', (text) => text.toLowerCase()),
  textual('upper', (text) => text.toUpperCase()),
  ['trim', { minArgs: 1, maxArgs: 2, call: (args) => (args.length > 1 ? trimSet(stringArg('trim', args[0]), stringArg('trim', args[1])) : stringArg('trim', args[0]).trim()) }],
  ['string', one((value) => (typeof value === 'string' ? value : formatValue(value)))],
  ['int', one((value) => toInteger('int', value))],
  ['float', one((value) => toFloat('float', value))],
  ['asInt', one((value) => toInteger('asInt', value))],
  ['asFloat', one((value) => toFloat('asFloat', value))],
  ['isNaN', one((value) => Number.isNaN(numberArg('isNaN', value)))],
  ['isInf', { minArgs: 1, maxArgs: 2, call: isInf }],
  ['isNil', one(isNil)],
  ['default', { minArgs: 2, maxArgs: 2, call: (args) => (isNil(args[0]) ? (args[1] ?? null) : args[0]) }],
]);

// The values conditions compute with: JSON data (nil, bool, number, string, array, map) as the
// providers hand it over. Only own properties of plain objects and elements of arrays are ever
// read; anything else (class instances, functions) is refused, so no prototype is reachable.

/** An evaluation error meant for the user (it ends up in the AnalysisRun's status). */
export class ExprError extends Error {
  override readonly name = 'ExprError';
}

export type ValueMap = Readonly<Record<string, unknown>>;

/** Keys that reach prototypes in JavaScript: refused even when the data has them as own keys. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isNil(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/** A plain JSON object (what JSON.parse builds), not a class instance. */
export function isMap(value: unknown): value is ValueMap {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

const PRIMITIVE_TYPES: Readonly<Record<string, string>> = { boolean: 'bool', number: 'number', string: 'string' };

/** expr's names for the kinds of values: nil, bool, number, string, array, map. */
export function typeName(value: unknown): string {
  if (isNil(value)) return 'nil';
  if (Array.isArray(value)) return 'array';
  if (isMap(value)) return 'map';
  return PRIMITIVE_TYPES[typeof value] ?? `unsupported ${typeof value}`;
}

/** "a number", "an array", "nil". */
export function withArticle(type: string): string {
  if (type === 'nil') return type;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** expr's `==`: numbers by value, arrays and maps element by element, nil equals only nil. */
export function deepEqual(left: unknown, right: unknown): boolean {
  if (isNil(left) || isNil(right)) return isNil(left) && isNil(right);
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, index) => deepEqual(item, right[index]));
  }
  if (isMap(left) && isMap(right)) {
    const keys = Object.keys(left);
    return keys.length === Object.keys(right).length && keys.every((key) => Object.hasOwn(right, key) && deepEqual(left[key], right[key]));
  }
  return left === right;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}

/** Go's `%v` (expr's `string()`), close enough: `[1 2]`, `map[a:1]`, `<nil>`. */
export function formatValue(value: unknown, depth = 0): string {
  if (depth > 32) return '…';
  if (isNil(value)) return '<nil>';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((item) => formatValue(item, depth + 1)).join(' ')}]`;
  if (isMap(value)) {
    const entries = Object.keys(value).sort().map((key) => `${key}:${formatValue(value[key], depth + 1)}`);
    return `map[${entries.join(' ')}]`;
  }
  return `<${typeName(value)}>`;
}

/** A value for an error message: short, strings quoted. */
export function describeValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : formatValue(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

function fetchIndex(array: readonly unknown[], key: unknown, text: string): unknown {
  // expr converts a numeric index with ToInt, so `result[len(result) / 2]` truncates 1.5 to 1.
  if (typeof key !== 'number' || !Number.isFinite(key)) {
    throw new ExprError(`an array index must be a number, not ${withArticle(typeName(key))} ${describeValue(key)} (${text})`);
  }
  const whole = Math.trunc(key);
  const index = whole < 0 ? array.length + whole : whole;
  if (index < 0 || index >= array.length) throw new ExprError(`index ${whole} out of range (${text} has ${plural(array.length, 'element')})`);
  return array[index] ?? null;
}

function fetchKey(map: ValueMap, key: unknown, text: string): unknown {
  if (typeof key !== 'string') throw new ExprError(`a map key must be a string, not ${withArticle(typeName(key))} ${describeValue(key)} (${text})`);
  if (FORBIDDEN_KEYS.has(key)) throw new ExprError(`property "${key}" is not accessible`);
  // expr: a key the map does not have reads as nil.
  return Object.hasOwn(map, key) ? (map[key] ?? null) : null;
}

/**
 * `container[key]` / `container.key` as expr's runtime.Fetch does it: negative indexes count from
 * the end, an index out of range is an error, a missing map key is nil, nil has no fields.
 * `text` is how the container reads in the condition (`result`, `result.data`).
 */
export function fetch(container: unknown, key: unknown, text: string): unknown {
  if (Array.isArray(container)) return fetchIndex(container, key, text);
  if (isMap(container)) return fetchKey(container, key, text);
  throw new ExprError(`cannot fetch ${describeValue(key)} from ${typeName(container)} (${text})`);
}

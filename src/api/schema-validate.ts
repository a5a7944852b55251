// Offline validation against a schema, reporting what the API server would refuse for a custom
// resource with the CRD schema toOpenApi() emits, plus the unknown fields it would drop (kubectl's
// default strict field validation refuses those too). Mirrors the API server where it matters:
// a null property counts as absent (nulls of non-nullable fields are pruned before validation),
// and a pattern applies to string values only.
import type {
  ArrayNode,
  IntegerNode,
  IntOrStringNode,
  MapNode,
  NumberNode,
  ObjectNode,
  SchemaNode,
  StringNode,
} from './schema.ts';

export interface SchemaProblem {
  /** Where, like `spec.strategy.canary.steps[1].setWeight`; map keys as `labels[app]`. */
  readonly path: string;
  readonly message: string;
}

/** Every problem of `value` against `schema`; empty when the API server would accept it. */
export function validate(schema: SchemaNode, value: unknown, path = ''): SchemaProblem[] {
  // One cast: TypeScript cannot correlate `schema.kind` with the checker's parameter type.
  const check = checkers[schema.kind] as Checker<SchemaNode>;
  return check(schema, value, path);
}

export function childPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

type Checker<N> = (node: N, value: unknown, path: string) => SchemaProblem[];
type Checkers = { readonly [K in SchemaNode['kind']]: Checker<Extract<SchemaNode, { kind: K }>> };

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const INT64 = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const checkers: Checkers = {
  string: checkString,
  integer: checkInteger,
  number: checkNumber,
  boolean: (_node, value, path) => (typeof value === 'boolean' ? [] : [typeProblem(path, 'boolean', value)]),
  'int-or-string': checkIntOrString,
  array: checkArray,
  map: checkMap,
  object: checkObject,
  'preserve-unknown': (_node, value, path) => (isPlainObject(value) ? [] : [typeProblem(path, 'object', value)]),
  'object-meta': (_node, value, path) => (isPlainObject(value) ? [] : [typeProblem(path, 'object', value)]),
};

function checkString(node: StringNode, value: unknown, path: string): SchemaProblem[] {
  if (typeof value !== 'string') return [typeProblem(path, 'string', value)];
  return stringRules.flatMap((rule) => rule(node, value) ?? []).map((message) => ({ path, message }));
}

const stringRules: readonly ((node: StringNode, value: string) => string | undefined)[] = [
  (node, value) =>
    node.enum === undefined || node.enum.includes(value)
      ? undefined
      : `unsupported value ${JSON.stringify(value)}: must be one of ${node.enum.map((v) => JSON.stringify(v)).join(', ')}`,
  (node, value) => patternProblem(node.pattern, value),
  (node, value) =>
    node.format === undefined || matchesFormat(node.format, value)
      ? undefined
      : `${JSON.stringify(value)} is not a valid ${node.format} (RFC 3339, e.g. ${node.format === 'date' ? '2024-05-01' : '2024-05-01T12:00:00Z'})`,
  (node, value) =>
    node.minLength !== undefined && value.length < node.minLength ? `must be at least ${node.minLength} characters long` : undefined,
  (node, value) =>
    node.maxLength !== undefined && value.length > node.maxLength ? `must be at most ${node.maxLength} characters long` : undefined,
];

function patternProblem(pattern: string | undefined, value: string): string | undefined {
  return pattern === undefined || new RegExp(pattern, 'u').test(value) ? undefined : `${JSON.stringify(value)} must match the pattern ${pattern}`;
}

function matchesFormat(format: StringNode['format'], value: string): boolean {
  const shape = format === 'date' ? DATE : RFC3339;
  return shape.test(value) && !Number.isNaN(Date.parse(value));
}

function checkInteger(node: IntegerNode, value: unknown, path: string): SchemaProblem[] {
  if (typeof value !== 'number' || !Number.isInteger(value)) return [typeProblem(path, 'integer', value)];
  const range = node.format === 'int32' ? INT32 : INT64;
  if (value < range.min || value > range.max) return [{ path, message: `${value} does not fit in ${node.format ?? 'int64'}` }];
  return boundsProblems(node, value, path);
}

function checkNumber(node: NumberNode, value: unknown, path: string): SchemaProblem[] {
  if (typeof value !== 'number' || !Number.isFinite(value)) return [typeProblem(path, 'number', value)];
  return boundsProblems(node, value, path);
}

function boundsProblems(node: { minimum?: number; maximum?: number }, value: number, path: string): SchemaProblem[] {
  if (node.minimum !== undefined && value < node.minimum) {
    return [{ path, message: `${value} must be greater than or equal to ${node.minimum}` }];
  }
  if (node.maximum !== undefined && value > node.maximum) {
    return [{ path, message: `${value} must be less than or equal to ${node.maximum}` }];
  }
  return [];
}

function checkIntOrString(node: IntOrStringNode, value: unknown, path: string): SchemaProblem[] {
  if (typeof value === 'number' && Number.isInteger(value)) return boundsProblems(node, value, path);
  if (typeof value !== 'string') return [{ path, message: `must be an integer or a string, got ${jsonType(value)}` }];
  const message = patternProblem(node.pattern, value);
  return message === undefined ? [] : [{ path, message }];
}

function checkArray(node: ArrayNode, value: unknown, path: string): SchemaProblem[] {
  if (!Array.isArray(value)) return [typeProblem(path, 'array', value)];
  const problems: SchemaProblem[] = [];
  if (node.minItems !== undefined && value.length < node.minItems) problems.push({ path, message: `must have at least ${node.minItems} items` });
  if (node.maxItems !== undefined && value.length > node.maxItems) problems.push({ path, message: `must have at most ${node.maxItems} items` });
  value.forEach((item: unknown, index) => problems.push(...validate(node.items, item, `${path}[${index}]`)));
  return problems;
}

function checkMap(node: MapNode, value: unknown, path: string): SchemaProblem[] {
  if (!isPlainObject(value)) return [typeProblem(path, 'object', value)];
  return present(value).flatMap(([key, item]) => validate(node.values, item, `${path}[${key}]`));
}

function checkObject(node: ObjectNode, value: unknown, path: string): SchemaProblem[] {
  if (!isPlainObject(value)) return [typeProblem(path, 'object', value)];
  const fields = present(value);
  const known = fields.filter(([name]) => Object.hasOwn(node.properties, name));
  const problems: SchemaProblem[] = [];
  for (const name of node.required) {
    if (value[name] === undefined || value[name] === null) problems.push({ path: childPath(path, name), message: 'Required value' });
  }
  for (const [name] of fields) {
    if (!Object.hasOwn(node.properties, name)) {
      problems.push({ path: childPath(path, name), message: `unknown field "${name}": the API server would drop it (check the spelling)` });
    }
  }
  problems.push(...countProblems(node, known.length, path));
  for (const [name, item] of known) problems.push(...validate(node.properties[name] as SchemaNode, item, childPath(path, name)));
  return problems;
}

function countProblems(node: ObjectNode, count: number, path: string): SchemaProblem[] {
  if (node.minProperties !== undefined && count < node.minProperties) {
    return [{ path, message: `must have at least ${node.minProperties} ${node.minProperties === 1 ? 'field' : 'fields'}` }];
  }
  if (node.maxProperties !== undefined && count > node.maxProperties) {
    return [{ path, message: `must have at most ${node.maxProperties} ${node.maxProperties === 1 ? 'field' : 'fields'}, has ${count}` }];
  }
  return [];
}

/** Entries whose value is not null or undefined (the API server prunes nulls before validating). */
function present(value: Record<string, unknown>): [string, unknown][] {
  return Object.entries(value).filter(([, item]) => item !== null && item !== undefined);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeProblem(path: string, expected: string, value: unknown): SchemaProblem {
  return { path, message: `must be of type ${expected}, got ${jsonType(value)}` };
}

/** The JSON type of a value, as the API server names it. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

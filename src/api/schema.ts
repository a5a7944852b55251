// A small schema DSL (zod-lite). One definition per kind yields:
//   - the TypeScript type:            Infer<typeof X>
//   - the CRD's structural schema:    toOpenApi(X)      (schema-openapi.ts)
//   - an offline validator:           validate(X, obj)  (schema-validate.ts)
// so the type the controller reads, what the API server enforces and what `kubectl sluice lint`
// reports cannot drift apart. Only what structural CRD schemas allow is expressible: every node
// has a type, except int-or-string and preserve-unknown nodes (Kubernetes' own exceptions).

// The TypeScript type a node stands for, carried at the type level only (never set at run time).
declare const OUTPUT: unique symbol;
interface Typed<T> {
  readonly [OUTPUT]?: T;
}

interface Described {
  /** Shown by `kubectl explain` and in the docs. */
  readonly description?: string;
}

export type StringFormat = 'date-time' | 'date';

export interface StringNode extends Described {
  readonly kind: 'string';
  readonly enum?: readonly string[];
  readonly format?: StringFormat;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
}

export interface IntegerNode extends Described {
  readonly kind: 'integer';
  readonly format?: 'int32' | 'int64';
  readonly minimum?: number;
  readonly maximum?: number;
}

export interface NumberNode extends Described {
  readonly kind: 'number';
  readonly minimum?: number;
  readonly maximum?: number;
}

export interface BooleanNode extends Described {
  readonly kind: 'boolean';
}

/** An integer or a string (`x-kubernetes-int-or-string`): percentages, durations. */
export interface IntOrStringNode extends Described {
  readonly kind: 'int-or-string';
  /** Applies to string values only (integers are not matched against it), as in the API server. */
  readonly pattern?: string;
  /** Applies to integer values only. */
  readonly minimum?: number;
}

export interface ArrayNode extends Described {
  readonly kind: 'array';
  readonly items: SchemaNode;
  readonly minItems?: number;
  readonly maxItems?: number;
}

/** An object with arbitrary keys and values of one schema (`additionalProperties`). */
export interface MapNode extends Described {
  readonly kind: 'map';
  readonly values: SchemaNode;
}

export interface ObjectNode extends Described {
  readonly kind: 'object';
  readonly properties: Readonly<Record<string, SchemaNode>>;
  readonly required: readonly string[];
  readonly minProperties?: number;
  readonly maxProperties?: number;
}

/** Any object, kept as written (`x-kubernetes-preserve-unknown-fields: true`). */
export interface PreserveUnknownNode extends Described {
  readonly kind: 'preserve-unknown';
}

/** `metadata` at the root of a kind: the API server validates it itself. */
export interface ObjectMetaNode extends Described {
  readonly kind: 'object-meta';
}

export type SchemaNode =
  | StringNode
  | IntegerNode
  | NumberNode
  | BooleanNode
  | IntOrStringNode
  | ArrayNode
  | MapNode
  | ObjectNode
  | PreserveUnknownNode
  | ObjectMetaNode;

/** A schema node that also carries the TypeScript type of the values it accepts. */
export type Schema<T> = SchemaNode & Typed<T>;

/** The TypeScript type of the values a schema accepts. */
export type Infer<S extends Typed<unknown>> = Exclude<S[typeof OUTPUT], undefined>;

type Shape = Readonly<Record<string, Schema<unknown>>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type ObjectOutput<P extends Shape, R extends keyof P> = Simplify<
  { [K in R]: Infer<P[K]> } & { [K in Exclude<keyof P, R>]?: Infer<P[K]> }
>;

export type ObjectSchema<P extends Shape, R extends keyof P> = ObjectNode & {
  readonly properties: P;
  readonly required: readonly R[];
} & Typed<ObjectOutput<P, R>>;

/** The subset of ObjectMeta Sluice reads and writes (src/api may not import client-node). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: {
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }[];
}

interface StringOptions<E extends readonly string[]> extends Described {
  readonly enum?: E;
  readonly format?: StringFormat;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
}

interface ObjectOptions<R> extends Described {
  readonly required?: R;
  readonly minProperties?: number;
  readonly maxProperties?: number;
}

type Options<N extends SchemaNode> = Omit<N, 'kind'>;

function object<P extends Shape, const R extends readonly (keyof P & string)[] = readonly []>(
  properties: P,
  options: ObjectOptions<R> = {},
): ObjectSchema<P, R[number]> {
  const { required = [], ...rest } = options;
  return { kind: 'object', properties, required: required as readonly R[number][], ...rest };
}

function string<const E extends readonly string[] = readonly string[]>(
  options: StringOptions<E> = {},
): StringNode & Typed<E[number]> {
  return { kind: 'string', ...options };
}

function array<I extends Schema<unknown>>(items: I, options: Omit<Options<ArrayNode>, 'items'> = {}): ArrayNode & Typed<Infer<I>[]> {
  return { kind: 'array', items, ...options };
}

function map<V extends Schema<unknown>>(values: V, options: Described = {}): MapNode & Typed<Record<string, Infer<V>>> {
  return { kind: 'map', values, ...options };
}

/** The schema builders: `s.object({...}, { required: [...] })`, `s.string({ enum })`, … */
export const s = {
  object,
  string,
  array,
  map,
  integer: (options: Options<IntegerNode> = {}): IntegerNode & Typed<number> => ({ kind: 'integer', ...options }),
  number: (options: Options<NumberNode> = {}): NumberNode & Typed<number> => ({ kind: 'number', ...options }),
  boolean: (options: Described = {}): BooleanNode & Typed<boolean> => ({ kind: 'boolean', ...options }),
  intOrString: (options: Options<IntOrStringNode> = {}): IntOrStringNode & Typed<number | string> => ({
    kind: 'int-or-string',
    ...options,
  }),
  preserveUnknown: (options: Described = {}): PreserveUnknownNode & Typed<Record<string, unknown>> => ({
    kind: 'preserve-unknown',
    ...options,
  }),
  objectMeta: (options: Described = {}): ObjectMetaNode & Typed<ObjectMeta> => ({ kind: 'object-meta', ...options }),
  /** The same schema with another description (for shapes reused in several places). */
  describe: <S extends SchemaNode>(schema: S, description: string): S => ({ ...schema, description }),
};

/**
 * The dotted path of every field an object schema declares, depth first: `a`, `a.b`, `list[].c`.
 * Preserve-unknown and map values are not descended into (their keys are the user's).
 */
export function fieldPaths(node: SchemaNode, prefix = ''): string[] {
  if (node.kind === 'array') return fieldPaths(node.items, `${prefix}[]`);
  if (node.kind !== 'object') return [];
  return Object.entries(node.properties).flatMap(([name, child]) => {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    return [path, ...fieldPaths(child, path)];
  });
}

// Schema DSL → the structural OpenAPI v3 schema a CRD version carries (apiextensions.k8s.io/v1
// JSONSchemaProps). Structural means: every node has a `type`, except the int-or-string and
// preserve-unknown-fields nodes; no defaults are emitted (the controller applies Argo's defaults,
// so the stored spec stays as the user wrote it).
import type { ArrayNode, IntOrStringNode, MapNode, ObjectNode, SchemaNode } from './schema.ts';

/** JSONSchemaProps as plain JSON (only the keywords the DSL emits). */
export interface OpenApiSchema {
  description?: string;
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';
  format?: string;
  enum?: readonly string[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: OpenApiSchema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  minProperties?: number;
  maxProperties?: number;
  additionalProperties?: OpenApiSchema;
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-preserve-unknown-fields'?: true;
}

export function toOpenApi(node: SchemaNode): OpenApiSchema {
  const base: OpenApiSchema = node.description === undefined ? {} : { description: node.description };
  return { ...base, ...withoutUndefined(keywords(node)) };
}

type Emitters = { readonly [K in SchemaNode['kind']]: (node: Extract<SchemaNode, { kind: K }>) => OpenApiSchema };

const emitters: Emitters = {
  string: (node) => ({
    type: 'string',
    enum: node.enum,
    format: node.format,
    pattern: node.pattern,
    minLength: node.minLength,
    maxLength: node.maxLength,
  }),
  integer: (node) => ({ type: 'integer', format: node.format, minimum: node.minimum, maximum: node.maximum }),
  number: (node) => ({ type: 'number', minimum: node.minimum, maximum: node.maximum }),
  boolean: () => ({ type: 'boolean' }),
  'int-or-string': intOrString,
  array,
  map,
  object,
  'preserve-unknown': () => ({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true }),
  'object-meta': () => ({ type: 'object' }),
};

function keywords(node: SchemaNode): OpenApiSchema {
  // One cast: TypeScript cannot correlate `node.kind` with the emitter's parameter type.
  const emit = emitters[node.kind] as (node: SchemaNode) => OpenApiSchema;
  return emit(node);
}

function intOrString(node: IntOrStringNode): OpenApiSchema {
  return { 'x-kubernetes-int-or-string': true, pattern: node.pattern, minimum: node.minimum };
}

function array(node: ArrayNode): OpenApiSchema {
  return { type: 'array', items: toOpenApi(node.items), minItems: node.minItems, maxItems: node.maxItems };
}

function map(node: MapNode): OpenApiSchema {
  return { type: 'object', additionalProperties: toOpenApi(node.values) };
}

function object(node: ObjectNode): OpenApiSchema {
  const properties = Object.fromEntries(Object.entries(node.properties).map(([name, child]) => [name, toOpenApi(child)]));
  return {
    type: 'object',
    properties,
    required: node.required.length > 0 ? [...node.required] : undefined,
    minProperties: node.minProperties,
    maxProperties: node.maxProperties,
  };
}

function withoutUndefined(schema: OpenApiSchema): OpenApiSchema {
  return Object.fromEntries(Object.entries(schema).filter(([, value]) => value !== undefined));
}

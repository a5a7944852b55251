import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toOpenApi, type OpenApiSchema } from './schema-openapi.ts';
import { validate } from './schema-validate.ts';
import { s, type Infer } from './schema.ts';

const widget = s.object(
  {
    name: s.string({ description: 'The name.' }),
    size: s.integer({ format: 'int32', minimum: 1, maximum: 10 }),
    ratio: s.number({ minimum: 0 }),
    enabled: s.boolean(),
    color: s.string({ enum: ['red', 'green'] }),
    createdAt: s.string({ format: 'date-time' }),
    code: s.string({ pattern: '^[a-z]+$' }),
    surge: s.intOrString({ pattern: '^[0-9]+%$', minimum: 0 }),
    tags: s.array(s.string(), { maxItems: 2 }),
    labels: s.map(s.string()),
    parts: s.array(s.object({ id: s.integer() }, { required: ['id'] })),
    extra: s.preserveUnknown(),
    choice: s.object({ a: s.boolean(), b: s.boolean() }, { minProperties: 1, maxProperties: 1 }),
  },
  { required: ['name', 'size'], description: 'A widget.' },
);
type Widget = Infer<typeof widget>;

describe('Infer', () => {
  test('required fields are required, the others optional, enums are unions', () => {
    const minimal: Widget = { name: 'w', size: 1 };
    const full: Widget = {
      name: 'w',
      size: 2,
      ratio: 0.5,
      enabled: true,
      color: 'green',
      createdAt: '2024-01-01T00:00:00Z',
      code: 'abc',
      surge: '25%',
      tags: ['a'],
      labels: { app: 'x' },
      parts: [{ id: 1 }],
      extra: { anything: [1, 'two'] },
      choice: { a: true },
    };
    // @ts-expect-error size is required
    const missing: Widget = { name: 'w' };
    // @ts-expect-error color is an enum
    const badEnum: Widget = { name: 'w', size: 1, color: 'blue' };
    // @ts-expect-error surge is an integer or a string
    const badSurge: Widget = { name: 'w', size: 1, surge: true };
    // @ts-expect-error parts[].id is required
    const badPart: Widget = { name: 'w', size: 1, parts: [{}] };
    assert.ok([minimal, full, missing, badEnum, badSurge, badPart]);
  });
});

describe('toOpenApi', () => {
  test('emits a structural schema with the keywords given, and no defaults', () => {
    const schema = toOpenApi(widget);
    assert.equal(schema.type, 'object');
    assert.equal(schema.description, 'A widget.');
    assert.deepEqual(schema.required, ['name', 'size']);
    const p = schema.properties ?? {};
    assert.deepEqual(p.name, { description: 'The name.', type: 'string' });
    assert.deepEqual(p.size, { type: 'integer', format: 'int32', minimum: 1, maximum: 10 });
    assert.deepEqual(p.color, { type: 'string', enum: ['red', 'green'] });
    assert.deepEqual(p.createdAt, { type: 'string', format: 'date-time' });
    assert.deepEqual(p.surge, { 'x-kubernetes-int-or-string': true, pattern: '^[0-9]+%$', minimum: 0 });
    assert.deepEqual(p.tags, { type: 'array', items: { type: 'string' }, maxItems: 2 });
    assert.deepEqual(p.labels, { type: 'object', additionalProperties: { type: 'string' } });
    assert.deepEqual(p.extra, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    assert.deepEqual(p.choice?.minProperties, 1);
    assert.deepEqual(p.choice?.maxProperties, 1);
    assert.equal(p.choice?.required, undefined, 'no empty required list');
    assert.deepEqual(p.parts?.items?.required, ['id']);
    assert.ok(!JSON.stringify(schema).includes('"default"'));
    assertStructural(schema, '');
  });

  test('s.describe replaces a description without touching the original', () => {
    const base = s.string({ description: 'one' });
    assert.equal(toOpenApi(s.describe(base, 'two')).description, 'two');
    assert.equal(base.description, 'one');
  });
});

/** Every node has a type, except int-or-string and preserve-unknown nodes (structural schema rule). */
function assertStructural(schema: OpenApiSchema, path: string): void {
  const exempt = schema['x-kubernetes-int-or-string'] === true || schema['x-kubernetes-preserve-unknown-fields'] === true;
  assert.ok(schema.type !== undefined || exempt, `${path || '(root)'} has no type`);
  for (const [name, child] of Object.entries(schema.properties ?? {})) assertStructural(child, `${path}.${name}`);
  if (schema.items !== undefined) assertStructural(schema.items, `${path}[]`);
  if (schema.additionalProperties !== undefined) assertStructural(schema.additionalProperties, `${path}{}`);
}

const ok: Widget = { name: 'w', size: 3 };
const messages = (value: unknown): string[] => validate(widget, value).map((p) => `${p.path}: ${p.message}`);

describe('validate', () => {
  test('a valid value has no problems, and every field kind accepts its values', () => {
    assert.deepEqual(messages(ok), []);
    const full: Widget = {
      ...ok,
      ratio: 1.5,
      enabled: false,
      color: 'red',
      createdAt: '2024-05-01T12:00:00.5+02:00',
      code: 'abc',
      surge: 3,
      tags: ['a', 'b'],
      labels: { 'app.kubernetes.io/name': 'x' },
      parts: [{ id: 1 }],
      extra: { any: { nested: [1] } },
      choice: { b: false },
    };
    assert.deepEqual(messages(full), []);
  });

  test('required fields, with null counting as absent (the API server prunes nulls)', () => {
    assert.deepEqual(messages({ name: 'w' }), ['size: Required value']);
    assert.deepEqual(messages({ name: 'w', size: null }), ['size: Required value']);
    assert.deepEqual(messages({ ...ok, ratio: null, tags: null }), []);
  });

  test('type mismatches name the expected and the actual JSON type', () => {
    assert.deepEqual(messages({ ...ok, size: '3' }), ['size: must be of type integer, got string']);
    assert.deepEqual(messages({ ...ok, size: 1.5 }), ['size: must be of type integer, got number']);
    assert.deepEqual(messages({ ...ok, enabled: 'yes' }), ['enabled: must be of type boolean, got string']);
    assert.deepEqual(messages({ ...ok, ratio: 'x' }), ['ratio: must be of type number, got string']);
    assert.deepEqual(messages({ ...ok, tags: 'a' }), ['tags: must be of type array, got string']);
    assert.deepEqual(messages({ ...ok, labels: [] }), ['labels: must be of type object, got array']);
    assert.deepEqual(messages({ ...ok, extra: 'x' }), ['extra: must be of type object, got string']);
    assert.deepEqual(messages([]), [': must be of type object, got array']);
  });

  test('bounds, int32 range, enum, pattern, format and item counts', () => {
    assert.deepEqual(messages({ ...ok, size: 0 }), ['size: 0 must be greater than or equal to 1']);
    assert.deepEqual(messages({ ...ok, size: 11 }), ['size: 11 must be less than or equal to 10']);
    assert.deepEqual(messages({ ...ok, size: 2 ** 31 }), ['size: 2147483648 does not fit in int32']);
    assert.deepEqual(messages({ ...ok, ratio: -1 }), ['ratio: -1 must be greater than or equal to 0']);
    assert.deepEqual(messages({ ...ok, color: 'blue' }), ['color: unsupported value "blue": must be one of "red", "green"']);
    assert.deepEqual(messages({ ...ok, code: 'ABC' }), ['code: "ABC" must match the pattern ^[a-z]+$']);
    assert.match(messages({ ...ok, createdAt: '2024-05-01' })[0] ?? '', /^createdAt: "2024-05-01" is not a valid date-time/);
    assert.match(messages({ ...ok, createdAt: '2024-13-45T99:00:00Z' })[0] ?? '', /not a valid date-time/);
    assert.deepEqual(messages({ ...ok, tags: ['a', 'b', 'c'] }), ['tags: must have at most 2 items']);
  });

  test('int-or-string: the pattern applies to strings, the minimum to integers', () => {
    assert.deepEqual(messages({ ...ok, surge: '25%' }), []);
    assert.deepEqual(messages({ ...ok, surge: 7 }), []);
    assert.deepEqual(messages({ ...ok, surge: '25' }), ['surge: "25" must match the pattern ^[0-9]+%$']);
    assert.deepEqual(messages({ ...ok, surge: -1 }), ['surge: -1 must be greater than or equal to 0']);
    assert.deepEqual(messages({ ...ok, surge: 1.5 }), ['surge: must be an integer or a string, got number']);
    assert.deepEqual(messages({ ...ok, surge: false }), ['surge: must be an integer or a string, got boolean']);
  });

  test('paths name array indexes and map keys', () => {
    assert.deepEqual(messages({ ...ok, parts: [{ id: 1 }, { id: 'x' }, {}] }), [
      'parts[1].id: must be of type integer, got string',
      'parts[2].id: Required value',
    ]);
    assert.deepEqual(messages({ ...ok, labels: { good: 'x', 'app.kubernetes.io/bad': 1 } }), [
      'labels[app.kubernetes.io/bad]: must be of type string, got integer',
    ]);
    assert.deepEqual(messages({ ...ok, tags: ['a', 2] }), ['tags[1]: must be of type string, got integer']);
  });

  test('unknown fields are reported (the API server would drop them); preserve-unknown keeps anything', () => {
    assert.deepEqual(messages({ ...ok, nmae: 'typo' }), ['nmae: unknown field "nmae": the API server would drop it (check the spelling)']);
    assert.deepEqual(messages({ ...ok, parts: [{ id: 1, idd: 2 }] }), [
      'parts[0].idd: unknown field "idd": the API server would drop it (check the spelling)',
    ]);
    assert.deepEqual(messages({ ...ok, extra: { whatever: { deep: true } } }), []);
  });

  test('minProperties and maxProperties count the known, non-null fields', () => {
    assert.deepEqual(messages({ ...ok, choice: {} }), ['choice: must have at least 1 field']);
    assert.deepEqual(messages({ ...ok, choice: { a: null } }), ['choice: must have at least 1 field']);
    assert.deepEqual(messages({ ...ok, choice: { a: true, b: true } }), ['choice: must have at most 1 field, has 2']);
    assert.deepEqual(messages({ ...ok, choice: { a: true, b: null } }), []);
  });

  test('a base path prefixes every problem', () => {
    assert.deepEqual(
      validate(widget, { name: 'w' }, 'spec.widget').map((p) => p.path),
      ['spec.widget.size'],
    );
  });
});

// expr's array builtins that run a predicate per element: `all(result, {# < 1000})`, also written
// without braces `all(result, # < 1000)`. `#` is the element, `.field` is `#.field`, `#index` its
// index. all/any/none stop at the first element that decides them, as expr's do.
import type { PredicateName } from './ast.ts';
import { ExprError, typeName, withArticle } from './values.ts';

/** The predicate's value for one element. */
export type Apply = (element: unknown, index: number) => unknown;

function test(name: string, apply: Apply): (element: unknown, index: number) => boolean {
  return (element, index) => {
    const value = apply(element, index);
    if (typeof value !== 'boolean') throw new ExprError(`the predicate of ${name} must give a bool, got ${withArticle(typeName(value))}`);
    return value;
  };
}

function sumOf(items: readonly unknown[], apply: Apply): number {
  let total = 0;
  items.forEach((element, index) => {
    const value = apply(element, index);
    if (typeof value !== 'number') throw new ExprError(`the predicate of sum must give a number, got ${withArticle(typeName(value))}`);
    total += value;
  });
  return total;
}

export const PREDICATES: Readonly<Record<PredicateName, (items: readonly unknown[], apply: Apply) => unknown>> = {
  all: (items, apply) => items.every(test('all', apply)),
  any: (items, apply) => items.some(test('any', apply)),
  none: (items, apply) => !items.some(test('none', apply)),
  one: (items, apply) => items.filter(test('one', apply)).length === 1,
  filter: (items, apply) => items.filter(test('filter', apply)),
  map: (items, apply) => items.map(apply),
  count: (items, apply) => items.filter(test('count', apply)).length,
  sum: sumOf,
  find: (items, apply) => items.find(test('find', apply)) ?? null,
  findIndex: (items, apply) => items.findIndex(test('findIndex', apply)),
  findLast: (items, apply) => items.findLast(test('findLast', apply)) ?? null,
  findLastIndex: (items, apply) => items.findLastIndex(test('findLastIndex', apply)),
};

export const PREDICATE_NAMES: ReadonlySet<string> = new Set(Object.keys(PREDICATES));

export function isPredicateName(name: string): name is PredicateName {
  return PREDICATE_NAMES.has(name);
}

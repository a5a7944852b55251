// Builtins: expr-lang's, Argo Rollouts' helpers (evaluate.go), and the predicate builtins.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileCondition, evaluateCondition, type Evaluated } from './index.ts';

function evaluate(source: string, result: unknown): Evaluated {
  const compiled = compileCondition(source);
  if (!compiled.ok) throw new Error(`${source} does not compile: ${compiled.message}`);
  return evaluateCondition(compiled.program, { result });
}

const holds = (source: string, result?: unknown): boolean => {
  const evaluated = evaluate(source, result);
  if (!evaluated.ok) throw new Error(`${source} failed: ${evaluated.message}`);
  return evaluated.value;
};

const failure = (source: string, result?: unknown): string => {
  const evaluated = evaluate(source, result);
  assert.equal(evaluated.ok, false, `${source} should fail on ${JSON.stringify(result)}`);
  return evaluated.ok ? '' : evaluated.message;
};

describe("Argo Rollouts' helpers", () => {
  test('asInt: numbers truncate, integer strings parse, anything else is an error (evaluate_test.go)', () => {
    assert.equal(holds('asInt(result) == 1', '1'), true);
    assert.equal(holds('asInt(result) == 1', 1.123), true);
    assert.equal(holds('asInt(result) == -2', -2.9), true);
    assert.match(failure('asInt(result) == 1', '1.1'), /asInt: cannot parse "1.1" as an integer/);
    assert.match(failure('asInt(result) == 1', 'notint'), /asInt: cannot parse "notint"/);
    assert.match(failure('asInt(result) == 1', true), /asInt: cannot convert a bool to an integer/);
    assert.match(failure('asInt(result) == 1', Number.NaN), /asInt: NaN cannot be converted/);
  });

  test('asFloat: numbers as they are, float strings parse', () => {
    assert.equal(holds('asFloat(result) == 1.1', '1.1'), true);
    assert.equal(holds('asFloat(result) >= 1.1', 1.1), true);
    assert.equal(holds('asFloat(result) == 1000', '1e3'), true);
    assert.equal(holds('isInf(asFloat(result))', '-Inf'), true);
    assert.match(failure('asFloat(result) == 1.1', 'NotANum'), /asFloat: cannot parse "NotANum" as a number/);
  });

  test('isNaN and isInf need a number; isInf takes an optional sign', () => {
    assert.equal(holds('isInf(result)', Infinity), true);
    assert.equal(holds('isInf(result)', 0), false);
    assert.equal(holds('isInf(result, 1)', -Infinity), false);
    assert.equal(holds('isInf(result, -1)', -Infinity), true);
    assert.match(failure('isNaN(result)', [1]), /isNaN needs a number, got an array/);
    assert.match(failure('isNaN(result)', null), /isNaN needs a number, got nil/);
  });

  test('isNil and default', () => {
    assert.equal(holds('isNil(result)', null), true);
    assert.equal(holds('isNil(result)', undefined), true);
    assert.equal(holds('isNil(result)', []), false);
    assert.equal(holds('isNil(result)', 0), false);
    assert.equal(holds('default(result, 0) == 0', null), true);
    assert.equal(holds('default(result, 0) == 3', 3), true);
    assert.equal(holds('default(result.missing, "x") == "x"', {}), true);
  });
});

describe('predicate builtins', () => {
  test('all / any / none / one, with {…} or bare predicates, on empty arrays as expr defines them', () => {
    assert.equal(holds('any(result, # > 2)', [1, 3]), true);
    assert.equal(holds('any(result, {# > 2})', []), false);
    assert.equal(holds('none(result, # > 2)', [1, 2]), true);
    assert.equal(holds('none(result, # > 2)', []), true);
    assert.equal(holds('one(result, # > 2)', [3, 1]), true);
    assert.equal(holds('one(result, # > 2)', [3, 4]), false);
    assert.equal(holds('one(result, # > 2)', []), false);
  });

  test('.field inside a predicate is #.field; #index is the position', () => {
    const pods = [{ ready: true, restarts: 0 }, { ready: true, restarts: 4 }];
    assert.equal(holds('all(result, .ready)', pods), true);
    assert.equal(holds('all(result, {.restarts < 3})', pods), false);
    assert.equal(holds('any(result, #.restarts > 3 && #index == 1)', pods), true);
  });

  test('filter, map, count, sum and find*', () => {
    assert.equal(holds('len(filter(result, # > 1)) == 2', [1, 2, 3]), true);
    assert.equal(holds('map(result, # * 10) == [10, 20]', [1, 2]), true);
    assert.equal(holds('count(result, # > 1) == 2', [1, 2, 3]), true);
    assert.equal(holds('count(result) == 2', [true, false, true]), true);
    assert.equal(holds('sum(result, .n) == 5', [{ n: 2 }, { n: 3 }]), true);
    assert.equal(holds('find(result, # > 1) == 2 and findIndex(result, # > 1) == 1', [1, 2, 3]), true);
    assert.equal(holds('findLast(result, # > 1) == 3 and findLastIndex(result, # > 5) == -1', [1, 2, 3]), true);
    assert.equal(holds('find(result, # > 5) == nil', [1]), true);
  });

  test('nested predicates: the inner # is the inner element', () => {
    assert.equal(holds('all(result, all(#, # > 0))', [[1, 2], [3]]), true);
    assert.equal(holds('all(result, any(#, # > 2))', [[1, 2], [3]]), false);
  });

  test('a predicate that is not a bool, or a non-array, is an error', () => {
    assert.match(failure('all(result, # + 1)', [1]), /the predicate of all must give a bool, got a number/);
    assert.match(failure('all(result, # > 1)', null), /all needs an array, got nil/);
    assert.match(failure('count(result) == 1', [1]), /count without a predicate needs an array of bools/);
  });
});

describe('expr builtins', () => {
  test('len of arrays, maps and strings (Go counts UTF-8 bytes)', () => {
    assert.equal(holds('len(result) == 3', [1, 2, 3]), true);
    assert.equal(holds('len(result) == 2', { a: 1, b: 2 }), true);
    assert.equal(holds('len(result) == 3', 'abc'), true);
    assert.equal(holds('len(result) == 2', 'é'), true);
    assert.match(failure('len(result) == 0', null), /invalid argument for len: nil/);
  });

  test('abs, ceil, floor, round (half away from zero, as Go math.Round)', () => {
    assert.equal(holds('abs(-2) == 2 and ceil(1.2) == 2 and floor(1.8) == 1'), true);
    assert.equal(holds('round(2.5) == 3 and round(-2.5) == -3 and round(1.4) == 1'), true);
    assert.match(failure('abs(result) == 1', '1'), /abs needs a number, got a string/);
  });

  test('max, min, sum, mean, median (arrays flattened, variadic)', () => {
    assert.equal(holds('max(result) == 3 and min(result) == 1', [2, 3, 1]), true);
    assert.equal(holds('max(1, 5, 2) == 5 and min(4, [2, 3]) == 2'), true);
    assert.equal(holds('max(result) == nil', []), true);
    assert.equal(holds('sum(result) == 6 and mean(result) == 2 and median(result) == 2', [1, 2, 3]), true);
    assert.equal(holds('median(result) == 2.5 and mean([]) == 0', [4, 1, 3, 2]), true);
    assert.match(failure('max(result) == 1', [1, 'a']), /max needs numbers, got a string/);
  });

  test('first and last give nil on an empty array', () => {
    assert.equal(holds('first(result) == 1 and last(result) == 3', [1, 2, 3]), true);
    assert.equal(holds('first(result) == nil and last(result) == nil', []), true);
  });

  test('lower, upper, trim, string', () => {
    assert.equal(holds('lower(result) == "ok" and upper(result) == "OK"', 'Ok'), true);
    assert.equal(holds('trim(result) == "a b"', '  a b \n'), true);
    assert.equal(holds('trim(result, "_-") == "a"', '_-a-_'), true);
    assert.equal(holds('string(result) == "[1 2.5 <nil>]"', [1, 2.5, null]), true);
    assert.equal(holds('string(result) == "map[a:1 b:true]"', { b: true, a: 1 }), true);
    assert.equal(holds('string(1) + "s" == "1s"'), true);
  });

  test('int and float convert numbers and numeric strings', () => {
    assert.equal(holds('int(result) == 2', 2.9), true);
    assert.equal(holds('int(result) == 42', '42'), true);
    assert.equal(holds('float(result) == 0.25', '0.25'), true);
    assert.match(failure('int(result) == 1', '1.5'), /int: cannot parse "1.5" as an integer/);
    assert.match(failure('float(result) == 1', [1]), /float: cannot convert an array to a number/);
  });
});

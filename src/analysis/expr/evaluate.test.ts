// The conditions real AnalysisTemplates use, and expr's semantics for each construct.
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

describe('the idioms of Argo Rollouts templates', () => {
  test('result[0] >= 0.95 on a Prometheus vector', () => {
    assert.equal(holds('result[0] >= 0.95', [0.99]), true);
    assert.equal(holds('result[0] >= 0.95', [0.9]), false);
    assert.equal(holds('result[0] >= 0.95', [Number.NaN]), false);
  });

  test('an empty vector: indexing it is an error naming the index and the size (an Error measurement)', () => {
    assert.equal(failure('result[0] >= 0.95', []), 'index 0 out of range (result has 0 elements)');
    assert.equal(failure('result[2] > 1', [1, 2]), 'index 2 out of range (result has 2 elements)');
    assert.equal(failure('result[1] > 1', [1]), 'index 1 out of range (result has 1 element)');
  });

  test('len(result) > 0 && result[0] < 500 short-circuits on an empty vector', () => {
    assert.equal(holds('len(result) > 0 && result[0] < 500', [120]), true);
    assert.equal(holds('len(result) > 0 && result[0] < 500', [900]), false);
    assert.equal(holds('len(result) > 0 && result[0] < 500', []), false);
  });

  test('all(result, {# < 1000}) and the brace-less all(result, # < 1000)', () => {
    for (const source of ['all(result, {# < 1000})', 'all(result, # < 1000)']) {
      assert.equal(holds(source, [1, 999]), true, source);
      assert.equal(holds(source, [1, 1000]), false, source);
      assert.equal(holds(source, []), true, source);
    }
  });

  test('isNaN(result) on a scalar', () => {
    assert.equal(holds('isNaN(result)', Number.NaN), true);
    assert.equal(holds('isNaN(result)', 0.5), false);
    assert.equal(holds('not isNaN(result)', 0.5), true);
  });

  test('result.status == "ok" on a web provider JSON body', () => {
    assert.equal(holds('result.status == "ok"', { status: 'ok' }), true);
    assert.equal(holds("result.status == 'ok'", { status: 'degraded' }), false);
    assert.equal(holds('result["status"] == "ok"', { status: 'ok' }), true);
  });

  test('asInt(result) > 3 on a string or number result', () => {
    assert.equal(holds('asInt(result) > 3', '4'), true);
    assert.equal(holds('asInt(result) > 3', 3.9), false);
    assert.match(failure('asInt(result) > 3', '4.5'), /asInt: cannot parse "4.5" as an integer/);
  });

  test('default(result, 0) < 5 when the result is nil', () => {
    assert.equal(holds('default(result, 0) < 5', null), true);
    assert.equal(holds('default(result, 0) < 5', 7), false);
  });

  test('result[0] >= 0.95 and not isNaN(result[0]) (word operators)', () => {
    assert.equal(holds('result[0] >= 0.95 and not isNaN(result[0])', [0.97]), true);
    assert.equal(holds('result[0] >= 0.95 and not isNaN(result[0])', [Number.NaN]), false);
    assert.equal(holds('result[0] < 0.5 or result[0] > 0.9', [0.95]), true);
  });

  test('nested web JSON: all(result.service.values, {# > 1}) (Argo evaluate_test.go)', () => {
    const body = { service: { label: null, values: [2, 2] } };
    assert.equal(holds('all(result.service.values, {# > 1})', body), true);
    assert.equal(holds('2 in result.service.values', body), true);
  });
});

describe('members and indexes', () => {
  test('negative indexes count from the end; a float index truncates as expr ToInt does', () => {
    assert.equal(holds('result[-1] == 3', [1, 2, 3]), true);
    assert.equal(holds('result[-3] == 1', [1, 2, 3]), true);
    assert.equal(failure('result[-4] == 1', [1, 2, 3]), 'index -4 out of range (result has 3 elements)');
    assert.equal(holds('result[len(result) / 2] == 2', [1, 2, 3]), true);
  });

  test('a missing map key is nil; fetching from nil is an error naming the path', () => {
    assert.equal(holds('result.missing == nil', { present: 1 }), true);
    assert.equal(failure('result.a.b == 1', {}), 'cannot fetch "b" from nil (result.a)');
    assert.equal(failure('result.x == 1', null), 'cannot fetch "x" from nil (result)');
  });

  test('?. ends the chain with nil', () => {
    assert.equal(holds('result?.a?.b == nil', null), true);
    assert.equal(holds('result.a?.b.c == nil', {}), true);
    assert.equal(holds('result?.a.b == 2', { a: { b: 2 } }), true);
  });

  test('wrong kinds of keys and containers are errors', () => {
    assert.match(failure('result["a"] == 1', [1]), /array index must be a number, not a string "a" \(result\)/);
    assert.match(failure('result[0] == 1', { 0: 1 }), /map key must be a string, not a number 0 \(result\)/);
    assert.match(failure('result.x == 1', 5), /cannot fetch "x" from number \(result\)/);
    assert.match(failure('result[0] == "a"', 'abc'), /cannot fetch 0 from string/);
  });

  test('nested paths and literals as bases', () => {
    assert.equal(holds('result.items[1].name == "b"', { items: [{ name: 'a' }, { name: 'b' }] }), true);
    assert.equal(holds('[10, 20][1] == 20'), true);
    assert.equal(holds('(result)[0] == 1', [1]), true);
  });
});

describe('operators', () => {
  test('arithmetic and precedence: * before +, ** and ^ right-associative, / is float division', () => {
    assert.equal(holds('1 + 2 * 3 == 7'), true);
    assert.equal(holds('2 ** 3 ** 2 == 512'), true);
    assert.equal(holds('2 ^ 3 == 8'), true);
    assert.equal(holds('7 / 2 == 3.5'), true);
    assert.equal(holds('7 % 3 == 1 and -7 % 3 == -1'), true);
    assert.equal(holds('1e3 == 1000 and .5 == 0.5'), true);
  });

  test('division by zero yields ±Inf / NaN as in Go; % by zero is an error', () => {
    assert.equal(holds('isInf(result / 0, 1)', 1), true);
    assert.equal(holds('isNaN(result / 0)', 0), true);
    assert.equal(failure('result % 0 == 1', 5), 'integer divide by zero');
    assert.match(failure('result % 2 == 1', 5.5), /% needs two integers/);
  });

  test('unary minus binds looser than ** (expr: -2 ** 2 is -4)', () => {
    assert.equal(holds('-2 ** 2 == -4'), true);
    assert.equal(holds('(-2) ** 2 == 4'), true);
    assert.equal(holds('(-result ?? 1) == -1', null), true, 'expr reads -result ?? 1 as -(result ?? 1)');
    assert.equal(holds('(not result ?? true) == false', null), true, 'and not result ?? true as not (result ?? true)');
  });

  test('comparisons on numbers and strings; == is deep and never an error', () => {
    assert.equal(holds('"abc" < "abd"'), true);
    assert.equal(holds('result == [1, 2]', [1, 2]), true);
    assert.equal(holds('result != nil', 0), true);
    assert.equal(holds('result == nil', null), true);
    assert.equal(holds('result == 1', '1'), false);
  });

  test('ordering nil or mismatched types is an error, as in expr', () => {
    assert.equal(failure('result > 1', null), 'invalid operation: nil > number');
    assert.equal(failure('result[0] > 1', [null]), 'invalid operation: nil > number');
    assert.equal(failure('result < 1', '0'), 'invalid operation: string < number');
    assert.equal(failure('result + 1 > 1', 'a'), 'invalid operation: string + number');
  });

  test('logical operators short-circuit and need bools', () => {
    assert.equal(holds('false && result > 1', null), false);
    assert.equal(holds('true || result > 1', null), true);
    assert.equal(holds('!(result > 1)', 0), true);
    assert.match(failure('result && true', 1), /"and" needs a bool, got a number/);
    assert.match(failure('not result', 1), /invalid operation: not number/);
  });

  test('chained comparisons: 0 < result < 1 means 0 < result and result < 1', () => {
    assert.equal(holds('0 < result < 1', 0.5), true);
    assert.equal(holds('0 < result < 1', 1.5), false);
    assert.equal(holds('1 < result < 3 < 4', 2), true);
    assert.equal(holds('1 < result < 3 < 4', 3), false);
    assert.equal(holds('(1 < result) == true', 2), true, 'parentheses end a chain');
  });

  test('in: element of an array, key of a map, never in nil', () => {
    assert.equal(holds('2 in result', [1, 2]), true);
    assert.equal(holds('"a" in result', { a: null }), true);
    assert.equal(holds('"b" not in result', { a: 1 }), true);
    assert.equal(holds('1 in result', null), false);
    assert.match(failure('1 in result', 'abc'), /operator "in" is not defined on string/);
  });

  test('?? picks the right side only for nil', () => {
    assert.equal(holds('(result ?? 5) == 5', null), true);
    assert.equal(holds('(result ?? 5) == 0', 0), true);
    assert.equal(holds('(result.x ?? result.y) == 2', { y: 2 }), true);
  });

  test('ternary a ? b : c, nested to the right', () => {
    assert.equal(holds('result > 1 ? true : false', 2), true);
    assert.equal(holds('(result > 10 ? "big" : result > 1 ? "mid" : "small") == "mid"', 5), true);
    assert.match(failure('(result ? 1 : 2) == 1', 1), /test of "\? :" needs a bool/);
  });

  test('string operators: +, contains, startsWith, endsWith, matches and their not forms', () => {
    assert.equal(holds('result + "!" == "ok!"', 'ok'), true);
    assert.equal(holds('result contains "rr"', 'error'), true);
    assert.equal(holds('result startsWith "err" and result endsWith "or"', 'error'), true);
    assert.equal(holds('result not contains "x"', 'error'), true);
    assert.equal(holds('result matches "^2\\\\d\\\\d$"', '204'), true);
    assert.equal(holds('result not matches "^5"', '204'), true);
    assert.match(failure('result contains 1', 'a1'), /invalid operation: string contains number/);
  });

  test('matches with a pattern from the data is checked when evaluated', () => {
    assert.equal(holds('result.text matches result.pattern', { text: 'abc', pattern: 'b.' }), true);
    assert.match(failure('result.text matches result.pattern', { text: 'abc', pattern: '(' }), /invalid regular expression "\(":/);
  });
});

describe('the verdict must be a bool', () => {
  test('a non-boolean value at run time is an error naming its type', () => {
    assert.equal(failure('result', 3), 'condition evaluated to a number (3), not a boolean');
    assert.equal(failure('result[0]', ['up']), 'condition evaluated to a string ("up"), not a boolean');
    assert.equal(failure('default(result, 1)', null), 'condition evaluated to a number (1), not a boolean');
    assert.equal(failure('result', null), 'condition evaluated to nil (<nil>), not a boolean');
  });

  test('a bool result is the verdict', () => {
    assert.equal(holds('result', true), true);
    assert.equal(holds('result.healthy', { healthy: false }), false);
  });
});

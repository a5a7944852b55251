// A table cross-checked against expr-lang/expr (docs/language-definition.md, parser/operator,
// vm/runtime, builtin) and Argo Rollouts' utils/evaluate/evaluate_test.go: what expr gives for
// each condition, and what Sluice gives. `error` rows are errors in expr too (an Error
// measurement in Argo), `compile` rows fail expr's compile step (or its parser).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileCondition, evaluateCondition } from './index.ts';

type Expected = boolean | 'error' | 'compile';

const TABLE: readonly (readonly [source: string, result: unknown, expected: Expected, why: string])[] = [
  // Argo evaluate_test.go
  ['result == true', true, true, 'TestEvaluateConditionWithSuccess'],
  ['result == false', true, false, 'TestEvaluateConditionWithFailure'],
  ['1', true, 'compile', 'TestErrorWithNonBoolReturn: expected bool, but got int'],
  ['invalidVariable', true, 'compile', 'TestErrorWithInvalidReference: unknown name invalidVariable'],
  ['all(result.service_apdex.values.values, {# > 1})', { service_apdex: { label: null, values: { values: [2, 2] } } }, true, 'TestEvaluateArray'],
  ['2 in result', [2, 2], true, 'TestEvaluateInOperator'],
  ['result > 1', 5, true, 'TestEvaluateFloat64'],
  ["result.Name() == 'hi'", true, 'compile', 'TestEvaluateInvalidStruct'],
  ['asInt(result) == 1.1', '1.1', 'error', 'TestEvaluateAsIntPanic: ParseInt fails'],
  ['asInt(result) == 1', 1.123, true, 'TestEvaluateAsInt: float truncates'],
  ['asFloat(result) == 1.1', 'NotANum', 'error', 'TestEvaluateAsFloatError: ParseFloat fails'],
  ['asFloat(result) == "1.1"', '1.1', 'compile', 'TestEvaluateAsFloatError: mismatched types float64 and string'],
  ['asFloat(result) <= 1.1', '1.1', true, 'TestEvaluateAsFloat'],
  // Indexing (runtime.Fetch)
  ['result[0] >= 0.95', [], 'error', 'index out of range: 0 (array length is 0)'],
  ['result[-1] == 3', [1, 2, 3], true, 'negative index counts from the end'],
  ['result[1.9] == 2', [1, 2, 3], true, 'ToInt truncates a float index'],
  ['result.missing == nil', { a: 1 }, true, 'a missing map key reads as the zero value, nil'],
  ['result.a.b == nil', {}, 'error', 'cannot fetch b from <nil>'],
  ['result?.a?.b == nil', {}, true, 'optional chaining yields nil'],
  // Operators (vm/runtime helpers, parser/operator)
  ['result > 1', null, 'error', 'invalid operation: <nil> > int'],
  ['result == nil', null, true, 'nil equals nil'],
  ['result == 1', '1', false, 'mismatched types at run time compare unequal'],
  ['result + 1 == 2', '1', 'error', 'invalid operation: string + int'],
  ['7 / 2 == 3.5', null, true, '/ is always float division'],
  ['isInf(1 / result)', 0, true, 'float division by zero is +Inf'],
  ['5 % result == 1', 0, 'error', 'integer divide by zero'],
  ['-2 ** 2 == -4', null, true, 'unary - (90) binds looser than ** (100)'],
  ['2 ^ 3 ^ 2 == 512', null, true, '^ is exponentiation, right-associative'],
  ['1 < result < 3', 2, true, 'parseComparison chains comparisons with &&'],
  ['not result in [1, 2]', true, false, 'not (50) binds tighter than in (20): (not true) in [1, 2]'],
  ['result not in [1, 2]', 3, true, 'not in'],
  ['result ?? 0 < 5', null, 'compile', 'Operator (<) and coalesce expressions (??) cannot be mixed'],
  ['(result ?? 0) < 5', null, true, '?? in parentheses'],
  ['"a" in result', { a: 1 }, true, 'in on a map tests keys'],
  ['1 in result', null, false, 'nothing is in nil'],
  ['result matches "^ok"', 'ok!', true, 'regexp.MatchString'],
  ['result startsWith "ok" and result endsWith "!"', 'ok!', true, 'string operators'],
  ['true ? result > 1 : false', 2, true, 'ternary'],
  // Builtins (builtin/builtin.go)
  ['len(result) == 0', [], true, 'len of an array'],
  ['len(result) == 2', 'é', true, 'len of a string counts bytes'],
  ['all(result, # > 0)', [], true, 'all of nothing is true'],
  ['any(result, # > 0)', [], false, 'any of nothing is false'],
  ['one(result, # > 0)', [1, 2], false, 'exactly one'],
  ['count(result, # > 1) == 1', [1, 2], true, 'count with a predicate'],
  ['first(result) == nil', [], true, 'first of nothing is nil'],
  ['max(result) == 3', [1, [3, 2]], true, 'max flattens nested arrays'],
  ['mean(result) == 0', [], true, 'mean of nothing is 0'],
  ['round(-2.5) == -3', null, true, 'math.Round: half away from zero'],
  ['string(result) == "[1 2]"', [1, 2], true, 'fmt %v of a slice'],
  ['int("12") == 12', null, true, 'strconv.Atoi'],
  ['trim("__a__", "_") == "a"', null, true, 'strings.Trim with a cutset'],
];

for (const [source, result, expected, why] of TABLE) {
  test(`${source} on ${JSON.stringify(result)} → ${String(expected)} (${why})`, () => {
    const compiled = compileCondition(source);
    if (expected === 'compile') {
      assert.equal(compiled.ok, false);
      return;
    }
    if (!compiled.ok) assert.fail(`does not compile: ${compiled.message}`);
    const evaluated = evaluateCondition(compiled.program, { result });
    if (expected === 'error') assert.equal(evaluated.ok, false, JSON.stringify(evaluated));
    else assert.deepEqual(evaluated, { ok: true, value: expected });
  });
}

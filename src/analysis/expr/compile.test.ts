// compileCondition: syntax, static checks, and expr's literal syntax as jsep is configured for it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import jsep from 'jsep';
import { compileCondition, evaluateCondition } from './index.ts';

function compileError(source: string): string {
  const compiled = compileCondition(source);
  assert.equal(compiled.ok, false, `${source} should not compile`);
  return compiled.ok ? '' : compiled.message;
}

function holds(source: string, result?: unknown): boolean {
  const compiled = compileCondition(source);
  if (!compiled.ok) throw new Error(`${source} does not compile: ${compiled.message}`);
  const evaluated = evaluateCondition(compiled.program, { result });
  if (!evaluated.ok) throw new Error(`${source} failed: ${evaluated.message}`);
  return evaluated.value;
}

describe('syntax errors name the problem and where it is', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['result[0] >=', 'syntax error at column 13: expected expression after >='],
    ['result[0', 'syntax error at column 9: unclosed ['],
    ['(result > 1', 'syntax error at column 12: unclosed ('],
    ['result > 1)', 'syntax error at column 11: unexpected ")" after a complete expression'],
    ['result > 1 result', 'syntax error at column 12: unexpected "r" after a complete expression'],
    ['result > 1; true', 'syntax error at column 11: unexpected ";" after a complete expression'],
    ['"abc', 'syntax error at column 1: unclosed string'],
    ['"a\\qb" == result', 'syntax error at column 3: invalid escape "\\q" in a string'],
    ['1..3', 'syntax error at column 2: unexpected "." after a complete expression'],
    ['1e == result', 'syntax error at column 2: invalid number "1e"'],
    ['/* never closed', 'syntax error at column 1: unclosed comment'],
    ['', 'syntax error at column 1: empty expression'],
    ['  ', 'syntax error at column 3: empty expression'],
    ['* 2', 'syntax error at column 1: unexpected "*"'],
    ['result ? true', 'syntax error at column 14: expected ":" in a ? b : c'],
    ['all(result, {# > 1)', 'syntax error at column 19: expected "}" to close the predicate (map literals are not supported)'],
    ['len(result,)', 'syntax error at column 13: unexpected token )'],
    ['() == 1', 'syntax error at column 1: empty parentheses'],
  ];
  for (const [source, message] of cases) {
    test(JSON.stringify(source), () => assert.equal(compileError(source), message));
  }

  test('`not in` written with more than one space gets a hint', () => {
    assert.match(compileError('1 not  in result'), /with a single space/);
  });
});

describe('static checks', () => {
  test('unknown names and functions are named', () => {
    assert.equal(compileError('invalidVariable'), 'unknown name invalidVariable (the only variable is result)');
    assert.equal(compileError('results[0] > 1'), 'unknown name results (the only variable is result)');
    assert.equal(compileError('avg(result) > 1'), 'unknown function avg');
    assert.equal(compileError('now() > 1'), 'function now is not supported');
    assert.equal(compileError('len > 1'), 'len is a function: call it, e.g. len(result)');
  });

  test('argument counts', () => {
    assert.equal(compileError('len() > 1'), 'len needs 1 argument, got 0');
    assert.equal(compileError('default(result) > 1'), 'default needs 2 arguments, got 1');
    assert.equal(compileError('trim("a", "b", "c") == ""'), 'trim needs 1 or 2 arguments, got 3');
    assert.equal(compileError('max() > 1'), 'max needs at least 1 argument, got 0');
    assert.equal(compileError('all(result)'), 'all needs 2 arguments (an array and a predicate such as {# > 0}), got 1');
  });

  test('# and .field only inside a predicate; a {predicate} only where one is expected', () => {
    assert.match(compileError('# > 1'), /# \(and \.field\) can only be used inside a predicate/);
    assert.match(compileError('.status == "ok"'), /can only be used inside a predicate/);
    assert.match(compileError('len({# > 1}) > 0'), /a predicate \{ … \} can only be the second argument of all, any/);
  });

  test('methods, sequences, array holes are refused', () => {
    assert.equal(compileError("result.Name() == 'hi'"), 'only builtin functions can be called, not result.Name');
    assert.equal(compileError('(1, 2) == 1'), 'parentheses must hold exactly one expression');
    assert.equal(compileError('[1,,2] == result'), 'an array literal has an empty element (two commas in a row)');
  });

  test('?? mixed with another operator needs parentheses (expr refuses it too)', () => {
    assert.equal(compileError('result ?? 0 < 5'), 'operator < and ?? cannot be mixed: wrap the ?? part in parentheses, e.g. (a ?? b) < c');
    assert.equal(compileError('result ?? 0 + 1 > 5'), 'operator + and ?? cannot be mixed: wrap the ?? part in parentheses, e.g. (a ?? b) + c');
    assert.equal(holds('(result ?? 0) < 5', null), true);
    assert.equal(holds('1 + result ?? 2 == 3', null), true, 'a ?? on the right of + is fine in expr');
  });

  test('types known before a result arrives, as expr checks them', () => {
    assert.equal(compileError('asFloat(result) == "1.1"'), 'invalid operation: number == string (mismatched types)');
    assert.equal(compileError('len(result) < "3"'), 'invalid operation: number < string (mismatched types)');
    assert.equal(compileError('true < false'), 'invalid operation: bool < bool (mismatched types)');
    assert.equal(compileError('1 && true'), 'invalid operation: "and" needs a bool, got a number');
    assert.equal(compileError('not len(result)'), 'invalid operation: "not" needs a bool, got a number');
    assert.equal(holds('result == nil', null), true, 'nil compares with anything');
  });

  test('a condition that can only compute a non-bool is refused', () => {
    assert.equal(compileError('result[0] * 100'), 'the condition computes a number, not a boolean: compare it, e.g. … >= 0.95');
    assert.equal(compileError('"ok"'), 'the condition computes a string, not a boolean: compare it, e.g. … >= 0.95');
    assert.equal(compileError('filter(result, # > 1)'), 'the condition computes an array, not a boolean: compare it, e.g. … >= 0.95');
    assert.equal(compileError('1'), 'the condition computes a number, not a boolean: compare it, e.g. … >= 0.95');
    assert.equal(compileCondition('result').ok, true, 'result may be a bool');
  });

  test('an invalid literal regular expression fails at compile time', () => {
    assert.match(compileError('result matches "("'), /^invalid regular expression "\(": /);
    assert.match(compileError('result matches "(a+)+$"'), /exponential time/);
  });
});

describe("expr's literal syntax", () => {
  test('numbers: ints, floats, exponents, hex, octal, binary, _ separators', () => {
    assert.equal(holds('42 == 42.0 and 0.5 == .5 and 1e3 == 1000 and 2.5E-3 == 0.0025'), true);
    assert.equal(holds('0x2A == 42 and 0o52 == 42 and 0b101010 == 42 and 1_000_000 == 1000000'), true);
  });

  test("strings: '…' and \"…\" with Go escapes, `…` raw", () => {
    assert.equal(holds(String.raw`"a\tb" == 'a	b'`), true);
    assert.equal(holds(String.raw`"\u00e9\x41\101\U0001F600" == "éAA😀"`), true);
    assert.equal(holds(String.raw`'it\'s' == "it's" and "say \"hi\"" == 'say "hi"'`), true);
    assert.equal(holds('`a\\nb` == "a\\\\nb"'), true);
    assert.equal(holds('len(`a\\nb`) == 4'), true);
  });

  test('arrays, nil, true, false; comments are whitespace', () => {
    assert.equal(holds('[1, "a", nil, true, [2]] == result', [1, 'a', null, true, [2]]), true);
    assert.equal(holds('result > 1 // a trailing comment', 2), true);
    assert.equal(holds('result /* inline */ > 1 and\n  // a line\n  result < 3', 2), true);
    assert.equal(holds('[1, 2,] == result', [1, 2]), true, 'a trailing comma is fine, as in expr');
  });

  test('word operators are whole words: identifiers may contain them', () => {
    assert.equal(holds('result.order > 1 and result.index < 3', { order: 2, index: 2 }), true);
    assert.equal(holds('result.in == 1 and result.not == 2', { in: 1, not: 2 }), true);
  });
});

describe('compiling leaves jsep as it was', () => {
  test("jsep's own grammar is untouched after a parse, successful or not", () => {
    const before = JSON.stringify(jsep('a ^ b ?? c'));
    assert.equal(compileCondition('result > 1 and not (result in [1, 2])').ok, true);
    assert.equal(compileCondition('result ??').ok, false);
    assert.equal(JSON.stringify(jsep('a ^ b ?? c')), before);
    assert.equal(jsep.binary_ops.and, undefined);
    assert.equal(jsep.unary_ops.not, undefined);
    assert.equal(jsep('a and b').type, 'Compound', 'stock jsep reads "a and b" as three expressions');
  });
});

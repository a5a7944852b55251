// Conditions come from users and results from remote servers: neither may reach a prototype,
// call anything, hang the controller, or make evaluateCondition throw.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileCondition, evaluateCondition, type Evaluated } from './index.ts';

function evaluate(source: string, result: unknown): Evaluated {
  const compiled = compileCondition(source);
  if (!compiled.ok) throw new Error(`${source} does not compile: ${compiled.message}`);
  return evaluateCondition(compiled.program, { result });
}

function compileError(source: string): string {
  const compiled = compileCondition(source);
  assert.equal(compiled.ok, false, `${source} should not compile`);
  return compiled.ok ? '' : compiled.message;
}

function failure(source: string, result: unknown): string {
  const evaluated = evaluate(source, result);
  assert.equal(evaluated.ok, false, `${source} should fail`);
  return evaluated.ok ? '' : evaluated.message;
}

describe('no way to a prototype', () => {
  test('__proto__, constructor and prototype are refused when written in the condition', () => {
    for (const source of ['result.__proto__ == nil', 'result["constructor"] == nil', 'result?.prototype == nil', 'all(result, .constructor == nil)', "result['__proto__'].polluted == 1"]) {
      assert.match(compileError(source), /^property "(__proto__|constructor|prototype)" is not accessible$/, source);
    }
  });

  test('and when the key comes from the data', () => {
    assert.equal(failure('result[result.key] == nil', { key: '__proto__' }), 'property "__proto__" is not accessible');
    assert.equal(failure('result.a[result.key] == nil', { a: {}, key: 'constructor' }), 'property "constructor" is not accessible');
  });

  test('inherited properties read as missing keys (nil), never as functions', () => {
    assert.equal(evaluate('result.toString == nil and result.hasOwnProperty == nil', {}).ok, true);
    assert.deepEqual(evaluate('result.toString == nil', {}), { ok: true, value: true });
    assert.deepEqual(evaluate('"toString" in result', {}), { ok: true, value: false });
  });

  test('nothing can be called but the builtins, which are looked up as own entries', () => {
    assert.equal(compileError('result.toString() == ""'), 'only builtin functions can be called, not result.toString');
    assert.equal(compileError('toString(result) == ""'), 'unknown function toString');
    assert.equal(compileError('constructor("return 1") == 1'), 'unknown function constructor');
    assert.equal(compileError('constructor("return 1")() == 1'), 'only builtin functions can be called, not constructor(…)');
    assert.equal(compileError('hasOwnProperty(result) == true'), 'unknown function hasOwnProperty');
    assert.equal(compileError('eval("1") == 1'), 'unknown function eval');
    assert.match(compileError('result.x = 1'), /^syntax error/);
  });

  test('class instances and functions in a result are not data', () => {
    assert.match(failure('result.x == 1', new Date(0)), /cannot fetch "x" from unsupported object/);
    assert.match(failure('result.size == 0', new Map()), /cannot fetch "size" from unsupported object/);
    assert.deepEqual(evaluate('result == 1', () => 1), { ok: true, value: false });
    assert.equal(failure('result > 1', () => 1), 'invalid operation: unsupported function > number');
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  });
});

describe('hostile input', () => {
  test('a condition longer than any real one is refused without parsing it', () => {
    const source = `result == "${'a'.repeat(20_000)}"`;
    assert.equal(compileError(source), `the condition is ${source.length} characters long; the limit is 10000`);
  });

  test('deep nesting is an error, not a crash', () => {
    assert.match(compileError(`${'('.repeat(3000)}true${')'.repeat(3000)}`), /nests (too deeply|more than 200 levels deep)/);
    assert.match(compileError(`${'!'.repeat(5000)}true`), /nests (too deeply|more than 200 levels deep)/);
    assert.match(compileError(`${'['.repeat(3000)}${']'.repeat(3000)} == result`), /nests (too deeply|more than 200 levels deep)/);
    assert.match(compileError(`${'result > 0 && '.repeat(400)}true`), /nests more than 200 levels deep/);
    assert.equal(compileCondition(`${'result > 0 && '.repeat(50)}true`).ok, true, 'fifty conditions joined by && are fine');
  });

  test('strings with quotes, NULs, control characters and non-ASCII text are just data', () => {
    const hostile = 'a"\'\\`\u0000\n\u202e🙂${x}</script>';
    assert.deepEqual(evaluate('result == result and len(result) > 0', hostile), { ok: true, value: true });
    assert.deepEqual(evaluate(String.raw`result contains "\u0000"`, hostile), { ok: true, value: true });
    assert.deepEqual(evaluate('result.text startsWith "a"', { text: hostile }), { ok: true, value: true });
    assert.deepEqual(evaluate('len(result) == 1048576', 'x'.repeat(1_048_576)), { ok: true, value: true });
  });

  test('catastrophic regular expressions are refused; safe ones run on long input', () => {
    assert.match(compileError('result matches "^(a+)+$"'), /exponential time/);
    assert.match(failure('result matches result', '(x|xx)*y'), /exponential time/);
    const started = Date.now();
    assert.deepEqual(evaluate('result matches "^a+$"', `${'a'.repeat(100_000)}b`), { ok: true, value: false });
    assert.ok(Date.now() - started < 1000);
  });

  test('nested predicates over large arrays run out of steps instead of stalling the controller', () => {
    const started = Date.now();
    const message = failure('all(result, all(result, all(result, # >= 0)))', Array.from({ length: 2000 }, (_, i) => i));
    assert.match(message, /evaluation took more than 1000000 steps/);
    assert.ok(Date.now() - started < 5000);
  });

  test('evaluateCondition never throws, whatever the result', () => {
    const trap = new Proxy({}, {
      get: () => {
        throw new Error('boom');
      },
      getOwnPropertyDescriptor: () => ({ value: 1, configurable: true, enumerable: true, writable: true }),
    });
    const results: unknown[] = [undefined, null, Number.NaN, -Infinity, 10n, Symbol('s'), () => 1, trap, [trap], { a: trap }, 'x', [], {}];
    const sources = ['result.a == 1', 'result[0] > 1', 'len(result) > 0', 'all(result, # > 0)', 'result matches "x"', 'string(result) == ""', 'result', 'default(result, 1) > 0', '-result < 0'];
    for (const source of sources) {
      for (const result of results) {
        const compiled = compileCondition(source);
        assert.ok(compiled.ok, source);
        assert.doesNotThrow(() => evaluateCondition(compiled.program, { result }), `${source} on ${String(typeof result)}`);
      }
    }
    assert.deepEqual(evaluate('result.a == 1', { a: trap }), { ok: true, value: false });
    assert.deepEqual(evaluate('result.a == 1', trap), { ok: false, message: 'evaluation failed: boom' });
  });
});

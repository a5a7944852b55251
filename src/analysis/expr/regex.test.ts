// `matches` patterns: Go (RE2) syntax translated, and what could backtrack catastrophically refused.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compilePattern, patternProblem } from './regex.ts';

function regex(pattern: string): RegExp {
  const compiled = compilePattern(pattern);
  if (!compiled.ok) throw new Error(compiled.message);
  return compiled.regex;
}

function refusal(pattern: string): string {
  const compiled = compilePattern(pattern);
  assert.equal(compiled.ok, false, `${pattern} should be refused`);
  return compiled.ok ? '' : compiled.message;
}

describe('Go regular expression syntax', () => {
  test('unanchored search, as Go MatchString', () => {
    assert.equal(regex('rr').test('error'), true);
    assert.equal(regex('^2\\d\\d$').test('204'), true);
    assert.equal(regex('^2\\d\\d$').test('2040'), false);
  });

  test('leading (?i), (?s), (?m) flags become JavaScript flags', () => {
    assert.equal(regex('(?i)^error').test('ERROR: x'), true);
    assert.equal(regex('(?s)a.b').test('a\nb'), true);
    assert.equal(regex('a.b').test('a\nb'), false);
    assert.equal(regex('(?im)^b$').test('a\nB'), true);
    assert.match(refusal('(?U)a+'), /flag U is not supported/);
  });

  test('(?P<name>…) named groups', () => {
    assert.equal(regex('(?P<code>5\\d\\d)').test('status 503'), true);
  });

  test('invalid patterns name the reason', () => {
    assert.equal(refusal('('), 'invalid regular expression "(": unterminated group');
    assert.match(refusal('a**'), /^invalid regular expression "a\*\*": nothing to repeat/);
  });

  test('what RE2 does not have is refused: backreferences, lookaround', () => {
    assert.match(refusal('(a)\\1'), /backreferences are not supported/);
    assert.match(refusal('(?<n>a)\\k<n>'), /backreferences are not supported/);
    assert.match(refusal('a(?=b)'), /lookahead and lookbehind are not supported/);
    assert.match(refusal('(?<!a)b'), /lookahead and lookbehind are not supported/);
  });
});

describe('catastrophic backtracking', () => {
  test('a repeated group that repeats or alternates inside is refused', () => {
    for (const pattern of ['(a+)+', '(a*)*b', '(a|aa)*', '(\\w+\\s?)*$', '((ab)*c)+', '(?:x+y?){2,}']) {
      assert.match(patternProblem(pattern) ?? '', /exponential time/, pattern);
    }
  });

  test('everything else passes: plain repetition, optional groups, classes, escaped parentheses', () => {
    for (const pattern of ['^(ab)+$', '(a+)?', '[(a+)+]*', '\\(a+\\)+', 'a+b*c?', '^(GET|POST) /api', '(\\d)+', 'x{2,3}']) {
      assert.equal(patternProblem(pattern), undefined, pattern);
    }
  });

  test('a refused pattern is refused before it ever runs', () => {
    assert.match(refusal('^(a+)+$'), /^invalid regular expression "\^\(a\+\)\+\$": the repeated group ending at character 5 repeats or alternates inside/);
  });

  test('compiled patterns are cached', () => {
    assert.equal(regex('^ok$'), regex('^ok$'));
  });
});

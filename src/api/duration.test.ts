import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDurationSeconds } from './duration.ts';

describe('parseDurationSeconds', () => {
  test('integers and numeric strings are seconds (Argo: strconv.ParseInt before time.ParseDuration)', () => {
    assert.equal(parseDurationSeconds(0), 0);
    assert.equal(parseDurationSeconds(30), 30);
    assert.equal(parseDurationSeconds('30'), 30);
    assert.equal(parseDurationSeconds('+30'), 30);
    assert.equal(parseDurationSeconds('0'), 0);
    assert.equal(parseDurationSeconds(2 ** 31 - 1), 2 ** 31 - 1);
  });

  test('Go durations with h, m, s, ms, us and ns, in any combination', () => {
    const cases: [string, number][] = [
      ['30s', 30],
      ['5m', 300],
      ['1h', 3600],
      ['1h30m', 5400],
      ['2h45m30s', 9930],
      ['1m30s', 90],
      ['250ms', 0.25],
      ['1s500ms', 1.5],
      ['1.5h', 5400],
      ['.5s', 0.5],
      ['1.s', 1],
      ['100ms200ms', 0.3],
      ['1500us', 0.0015],
      ['1500µs', 0.0015],
      ['1000000ns', 0.001],
      ['0s', 0],
      ['+5m', 300],
    ];
    for (const [text, seconds] of cases) assert.equal(parseDurationSeconds(text), seconds, text);
  });

  test('anything Argo would refuse is undefined', () => {
    const invalid: (string | number)[] = [
      '',
      ' ',
      'abc',
      '5x',
      '5 s',
      '5S',
      '-5s',
      '-5',
      '1d',
      's',
      '.s',
      '1h 30m',
      '30s ',
      -1,
      1.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      2 ** 31,
      '2147483648',
      '3000000h', // over Go's int64 nanoseconds (about 292 years)
    ];
    for (const value of invalid) assert.equal(parseDurationSeconds(value), undefined, JSON.stringify(value));
  });

  test('a wrongly typed value (unvalidated input) is not a duration', () => {
    assert.equal(parseDurationSeconds(true as unknown as string), undefined);
    assert.equal(parseDurationSeconds(null as unknown as string), undefined);
    assert.equal(parseDurationSeconds({} as unknown as string), undefined);
  });
});

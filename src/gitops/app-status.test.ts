import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HISTORY_LIMIT, withConditions, withHistory, withHistoryHealth } from './app-status.ts';

describe('application status', () => {
  test('a condition keeps its transition time while its status stays', () => {
    const first = withConditions(undefined, [{ type: 'Ready', status: 'True', reason: 'Synced', message: 'a' }], 't1');
    const same = withConditions(first, [{ type: 'Ready', status: 'True', reason: 'Synced', message: 'b' }], 't2');
    assert.equal(same[0]?.lastTransitionTime, 't1');
    const flipped = withConditions(same, [{ type: 'Ready', status: 'False', reason: 'SyncFailed', message: 'c' }], 't3');
    assert.equal(flipped[0]?.lastTransitionTime, 't3');
  });
  test('history: newest last, ids increase, a retry with the same result replaces its entry, at most 10', () => {
    let history = withHistory(undefined, { revision: 'a', result: 'Failed', message: 'x', at: 't1' });
    history = withHistory(history, { revision: 'a', result: 'Failed', message: 'y', at: 't2' });
    assert.deepEqual(history.map((h) => [h.id, h.revision, h.message]), [[1, 'a', 'y']]);
    history = withHistory(history, { revision: 'a', result: 'Succeeded', message: 'ok', at: 't3' });
    assert.deepEqual(history.map((h) => [h.id, h.result]), [[1, 'Failed'], [2, 'Succeeded']]);
    for (let i = 0; i < 20; i++) history = withHistory(history, { revision: `r${i}`, result: 'Succeeded', message: '', at: `t${i}` });
    assert.equal(history.length, HISTORY_LIMIT);
    assert.equal(history.at(-1)?.revision, 'r19');
    assert.equal(history.at(-1)?.id, 22);
  });
  test('the newest successful sync records the health its revision reached', () => {
    const history = withHistory(undefined, { revision: 'a', result: 'Succeeded', message: '', at: 't' });
    assert.equal(withHistoryHealth(history, 'Healthy')?.at(-1)?.health, 'Healthy');
    const failed = withHistory(history, { revision: 'b', result: 'Failed', message: '', at: 't' });
    assert.equal(withHistoryHealth(failed, 'Degraded')?.at(-1)?.health, undefined);
  });
});

// `make demo`'s story, non-interactively and in-process: the same environment the keeper runs
// (control plane, Prometheus, git daemon, the controller as shipped, demo runtime, mesh and load)
// and the same story, with shorter pauses and measurement intervals. v1 becomes Healthy, v2 is
// promoted through every step with Successful analysis, v3 (ERROR_RATE 0.3) is rolled back to
// v2 on its error rate, and the Application's lastHealthyRevision is v2's commit.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startDemoEnv, type DemoEnv } from '../../demo/env.ts';
import { playStory, type StoryResult } from '../../demo/story.ts';

/** A measurement's value: Prometheus results are written as "[0.29]". */
const num = (value: string | undefined): number => Number((value ?? '').replace(/^\[|\]$/gu, ''));

describe('make demo: the story', { timeout: 300_000 }, () => {
  let env: DemoEnv;
  let result: StoryResult;
  const narration: string[] = [];

  before(async () => {
    env = await startDemoEnv();
    result = await playStory(env, { pauseSeconds: 4, intervalSeconds: 3, rps: 300, log: (line) => narration.push(line) });
    console.log(`demo story: ${result.summary.split('\n').filter((l) => /^(time|traffic|  v\d canary|RESULT)/u.test(l)).join(' | ')}`);
  });
  after(async () => {
    await env?.stop();
  });

  test('the story came out as expected', () => {
    assert.deepEqual(result.problems, [], `${narration.join('\n')}\n${result.summary}`);
    assert.equal(result.ok, true);
  });

  test('v2 promoted; v3 rolled back to v2 on its error rate; lastHealthyRevision is v2\'s commit', () => {
    assert.equal(result.promoted, 'v2');
    assert.match(result.commits.v2, /^[0-9a-f]{40}$/u);
    assert.equal(result.rolledBack?.version, 'v3');
    assert.equal(result.rolledBack.to, result.commits.v2);
    assert.equal(result.rolledBack.metric, 'error-rate');
    assert.equal(result.rolledBack.condition, 'result[0] <= 0.01');
    const value = num(result.rolledBack.value);
    assert.ok(value > 0.2 && value < 0.4, `v3's error rate ${result.rolledBack.value}`);
    assert.match(result.rolledBack.message, /RolloutAborted/u);
    assert.equal(result.lastHealthyRevision, result.commits.v2);
  });

  test('the weights over time: v2 10 → 30 → 60 → 100 then Healthy; v3 10, then back to 0 (Degraded)', () => {
    const steps = (version: string): number[] => {
      const out: number[] = [];
      for (const w of result.weights.filter((x) => x.version === version)) if (w.canaryWeight !== undefined && out.at(-1) !== w.canaryWeight) out.push(w.canaryWeight);
      return out;
    };
    assert.deepEqual(steps('v2').filter((w) => w > 0), [10, 30, 60, 100]);
    assert.equal(result.weights.filter((w) => w.version === 'v2').at(-1)?.phase, 'Healthy');
    assert.deepEqual(steps('v3').filter((w) => w > 0), [10]);
    assert.equal(result.weights.filter((w) => w.version === 'v3').at(-1)?.phase, 'Degraded');
    assert.equal(result.weights.filter((w) => w.version === 'v3').at(-1)?.canaryWeight, 0);
  });

  test('the mesh\'s split matches each weight within ±3 points over ≥1,000 requests', () => {
    for (const weight of [10, 30, 60, 100]) {
      const split = result.splits.find((s) => s.version === 'v2' && s.weight === weight);
      assert.ok(split !== undefined, `v2 at ${weight}%`);
      assert.ok(split.requests >= 1000, `v2 at ${weight}%: ${split.requests} requests`);
      assert.ok(Math.abs(split.observed - weight) <= 3, `v2 at ${weight}%: observed ${split.observed}`);
    }
    const v3 = result.splits.find((s) => s.version === 'v3' && s.weight === 10);
    assert.ok(v3 !== undefined && v3.requests >= 1000 && Math.abs(v3.observed - 10) <= 3, JSON.stringify(v3));
  });

  test('the analysis values: v2 three Successful runs (no errors, low latency); v3 error rate above the limit', () => {
    const v2 = result.analysis.filter((a) => a.version === 'v2');
    const runs = new Set(v2.map((a) => a.run));
    assert.equal(runs.size, 3);
    // A run's first measurement may find fewer than two samples of the canary's new series in
    // its window: Inconclusive (tolerated: inconclusive-limit 2). Never Failed.
    for (const a of v2) assert.ok(a.phase === 'Successful' || a.phase === 'Inconclusive', JSON.stringify(a));
    for (const run of runs) {
      for (const metric of ['error-rate', 'latency-p95']) {
        const ok = v2.filter((a) => a.run === run && a.metric === metric && a.phase === 'Successful');
        assert.ok(ok.length >= 1, `${run} ${metric}: ${JSON.stringify(v2)}`);
      }
    }
    for (const a of v2.filter((x) => x.metric === 'error-rate' && x.phase === 'Successful')) assert.equal(num(a.value), 0, JSON.stringify(a));
    for (const a of v2.filter((x) => x.metric === 'latency-p95' && x.phase === 'Successful')) assert.ok(num(a.value) < 500, JSON.stringify(a));
    const failed = result.analysis.filter((a) => a.version === 'v3' && a.metric === 'error-rate' && a.phase === 'Failed');
    assert.ok(failed.length >= 2, JSON.stringify(result.analysis));
    assert.ok(failed.some((a) => num(a.value) > 0.2), JSON.stringify(failed));
  });
});

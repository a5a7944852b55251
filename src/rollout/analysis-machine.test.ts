// The rollout machine's analysis transitions, driven through decide() with a fixed clock and the
// in-memory World (machine-world.ts): the run controller's verdicts are set by hand.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { plan, World } from './machine-world.ts';
import type { PlanStep, RolloutPlan } from './plan.ts';

const steps: PlanStep[] = [{ kind: 'setWeight', weight: 20 }, { kind: 'analysis' }, { kind: 'setWeight', weight: 50 }, { kind: 'pause' }];

/** A Healthy rollout on h1, updated to h2 and ticked until it waits on something. */
function updated(p: RolloutPlan = plan('h2', steps)): World {
  const world = new World();
  world.analysisRuns = [];
  world.settle({ ...p, podHash: 'h1' });
  world.settle(p);
  return world;
}

const runsOf = (world: World) => world.analysisRuns ?? [];

describe('rollout machine: step analysis', () => {
  test('the analysis step creates one run (named as Argo: <rollout>-<hash>-<revision>-<step>) and waits for it', () => {
    const world = updated();
    assert.equal(world.status.currentStepIndex, 1);
    assert.deepEqual(runsOf(world).map((r) => [r.name, r.type, r.podHash, r.stepIndex]), [['web-h2-2-1', 'Step', 'h2', 1]]);
    assert.equal(world.canaryWeight, 20, 'traffic stays at the previous step');
    assert.deepEqual(world.status.canary?.currentStepAnalysisRunStatus, { name: 'web-h2-2-1', status: 'Pending' });
    // Waiting makes no more runs and no writes.
    world.setRun('web-h2-2-1', 'Running');
    world.settle(plan('h2', steps));
    assert.equal(runsOf(world).length, 1);
    assert.deepEqual(world.tick(plan('h2', steps)).effects, []);
    assert.equal(world.status.phase, 'Progressing');
  });

  test('Successful → the next step; the step run is no longer current', () => {
    const world = updated();
    world.setRun('web-h2-2-1', 'Successful');
    world.settle(plan('h2', steps));
    assert.equal(world.status.currentStepIndex, 3, 'setWeight 50 done, now at the pause');
    assert.equal(world.canaryWeight, 50);
    assert.equal(world.status.canary?.currentStepAnalysisRunStatus, undefined);
    assert.equal(world.status.phase, 'Paused');
  });

  test('Failed → aborted at once: weight 0, canary Service back to stable, Degraded naming the metric, value and limit', () => {
    const world = updated();
    const verdict = 'Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0); last value [0.82]; successCondition result[0] >= 0.99';
    world.setRun('web-h2-2-1', 'Failed', verdict);
    world.settle(plan('h2', steps));
    assert.equal(world.status.abort, true);
    assert.equal(world.canaryWeight, 0);
    assert.equal(world.canaryServiceHash, 'h1');
    assert.equal(world.status.phase, 'Degraded');
    assert.match(world.status.message ?? '', /RolloutAborted: .*AnalysisRun web-h2-2-1 Failed: Metric "success-rate" assessed Failed due to failed \(1\) > failureLimit \(0\); last value \[0\.82\]/);
    assert.match(world.status.message ?? '', /traffic is back on h1/);
    assert.deepEqual(world.status.rolledBackTo, { podTemplateHash: 'h1', gitRevision: undefined });
    assert.ok(world.events().includes('RolloutAborted'));
  });

  test('Error aborts too; retry starts over with a new run (the failed one is kept)', () => {
    const world = updated();
    world.setRun('web-h2-2-1', 'Error', 'consecutiveErrors (5) > consecutiveErrorLimit (4)');
    world.settle(plan('h2', steps));
    assert.equal(world.status.abort, true);
    world.status = { ...world.status, abort: false }; // kubectl sluice retry
    world.settle(plan('h2', steps));
    assert.equal(world.status.currentStepIndex, 1);
    assert.deepEqual(runsOf(world).map((r) => r.name), ['web-h2-2-1', 'web-h2-2-1.1']);
    assert.equal(world.status.canary?.currentStepAnalysisRunStatus?.name, 'web-h2-2-1.1');
  });

  test('Inconclusive → Paused (InconclusiveAnalysisRun); promote continues to the next step', () => {
    const world = updated();
    world.setRun('web-h2-2-1', 'Inconclusive', 'Metric "latency" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0)');
    world.settle(plan('h2', steps));
    assert.equal(world.status.phase, 'Paused');
    assert.deepEqual(world.status.pauseConditions?.map((c) => c.reason), ['InconclusiveAnalysisRun']);
    assert.equal(world.status.currentStepIndex, 1);
    assert.deepEqual(world.tick(plan('h2', steps)).effects, [], 'paused: no writes');
    world.status = { ...world.status, pauseConditions: [] }; // kubectl sluice promote
    world.settle(plan('h2', steps));
    assert.equal(world.status.currentStepIndex, 3);
    assert.equal(world.canaryWeight, 50);
    assert.equal(world.status.controllerPause, true, 'now paused at the pause step');
    assert.deepEqual(world.status.pauseConditions?.map((c) => c.reason), ['CanaryPauseStep']);
  });

  test('Inconclusive then abort → rolled back', () => {
    const world = updated();
    world.setRun('web-h2-2-1', 'Inconclusive');
    world.settle(plan('h2', steps));
    world.status = { ...world.status, abort: true };
    world.settle(plan('h2', steps));
    assert.equal(world.canaryWeight, 0);
    assert.equal(world.status.phase, 'Degraded');
  });

  test('a new revision during the analysis terminates the old run and starts the steps over', () => {
    const world = updated();
    world.settle(plan('h3', steps));
    const old = runsOf(world).find((r) => r.podHash === 'h2');
    assert.equal(old?.terminate, true);
    assert.deepEqual(runsOf(world).filter((r) => r.podHash === 'h3').map((r) => r.name), ['web-h3-3-1']);
  });

  test('fully promoted: nothing is waited on, unfinished runs are terminated', () => {
    const world = updated();
    world.status = { ...world.status, promoteFull: true };
    world.settle(plan('h2', steps));
    assert.equal(world.status.stableRS, 'h2');
    assert.equal(world.status.phase, 'Healthy');
    assert.equal(runsOf(world)[0]?.terminate, true);
    assert.equal(world.status.canary?.currentStepAnalysisRunStatus, undefined);
  });

  test('no analysis for the first version', () => {
    const world = new World();
    world.analysisRuns = [];
    world.settle(plan('h1', steps));
    assert.equal(world.status.phase, 'Healthy');
    assert.deepEqual(runsOf(world), []);
  });
});

describe('rollout machine: background analysis', () => {
  const background = (startingStep: number): RolloutPlan => plan('h2', [{ kind: 'setWeight', weight: 20 }, { kind: 'pause' }, { kind: 'setWeight', weight: 60 }, { kind: 'pause' }], { backgroundAnalysis: { startingStep } });

  test('starts at startingStep, not before; one run for the update', () => {
    const world = updated(background(2));
    assert.equal(world.status.currentStepIndex, 1, 'paused at step 1');
    assert.deepEqual(runsOf(world), [], 'not yet at startingStep');
    world.status = { ...world.status, pauseConditions: [] }; // promote
    world.settle(background(2));
    assert.equal(world.status.currentStepIndex, 3);
    assert.deepEqual(runsOf(world).map((r) => [r.name, r.type]), [['web-h2-2', 'Background']]);
  });

  test('a failing background run aborts mid-rollout', () => {
    const world = updated(background(0));
    assert.equal(world.canaryWeight, 20);
    world.setRun('web-h2-2', 'Failed', 'Metric "error-rate" assessed Failed due to failed (2) > failureLimit (1)');
    world.settle(background(0));
    assert.equal(world.status.abort, true);
    assert.equal(world.canaryWeight, 0);
    assert.match(world.status.message ?? '', /error-rate/);
  });

  test('an Inconclusive background run pauses; promote continues with a fresh background run', () => {
    const world = updated(background(0));
    world.status = { ...world.status, pauseConditions: [] }; // past the first pause
    world.settle(background(0));
    assert.equal(world.status.currentStepIndex, 3);
    world.setRun('web-h2-2', 'Inconclusive');
    world.settle(background(0));
    assert.deepEqual(world.status.pauseConditions?.map((c) => c.reason), ['CanaryPauseStep', 'InconclusiveAnalysisRun']);
    world.status = { ...world.status, pauseConditions: [] }; // promote
    world.settle(background(0));
    assert.deepEqual(runsOf(world).map((r) => r.name), ['web-h2-2', 'web-h2-2.1']);
    assert.equal(world.status.canary?.currentBackgroundAnalysisRunStatus?.name, 'web-h2-2.1');
  });

  test('completed runs beyond the history limits are deleted, oldest first', () => {
    const world = updated(background(0));
    const limits = { analysisRunHistory: { successful: 1, unsuccessful: 1 } };
    world.analysisRuns = [
      { name: 'old-1', type: 'Step', podHash: 'h0', stepIndex: 1, phase: 'Successful', terminate: false, createdAt: 1 },
      { name: 'old-2', type: 'Step', podHash: 'h0', stepIndex: 1, phase: 'Successful', terminate: false, createdAt: 2 },
      { name: 'old-3', type: 'Step', podHash: 'h0', stepIndex: 1, phase: 'Failed', terminate: false, createdAt: 3 },
      { name: 'old-4', type: 'Step', podHash: 'h0', stepIndex: 1, phase: 'Failed', terminate: false, createdAt: 4 },
      ...runsOf(world),
    ];
    world.settle({ ...background(0), ...limits });
    assert.deepEqual(runsOf(world).map((r) => r.name).sort(), ['old-2', 'old-4', 'web-h2-2']);
  });
});

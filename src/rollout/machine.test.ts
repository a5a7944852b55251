// Every transition of the rollout machine, driven through decide() with a fixed clock and a
// tiny in-memory "cluster" that applies the effects (pure test double: no I/O).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { plan, T0, World } from './machine-world.ts';
import type { PlanStep, RolloutPlan } from './plan.ts';
import type { MachineStatus } from './status.ts';

const twoSteps: PlanStep[] = [{ kind: 'setWeight', weight: 10 }, { kind: 'pause' }];

function healthyAt(hash: string, steps: PlanStep[] = twoSteps): World {
  const world = new World();
  world.settle(plan(hash, steps));
  world.log = [];
  return world;
}

describe('rollout machine', () => {
  test('the first revision goes straight to Healthy with no steps, then stays idle', () => {
    const world = new World();
    const first = world.tick(plan('h1', twoSteps));
    assert.deepEqual(
      first.effects.filter((e) => e.type !== 'recordEvent').map((e) => e.type),
      ['ensureReplicaSet', 'setServiceSelector', 'setServiceSelector'],
    );
    assert.equal(world.status.stableRS, 'h1');
    assert.equal(world.status.currentStepIndex, 2);
    assert.equal(world.status.phase, 'Progressing', 'pods not seen ready yet');
    assert.deepEqual(world.tick(plan('h1', twoSteps)).effects, [], 'idle means idle');
    assert.equal(world.status.phase, 'Healthy');
  });

  test('a new revision waits for canary pods before moving the weight, then pauses', () => {
    const world = healthyAt('h1');
    world.ready = false;
    world.tick(plan('h2', twoSteps));
    assert.equal(world.replicaSets.get('h2')?.replicas, 1, 'ceil(10% of 3) = 1 canary pod');
    assert.equal(world.canaryServiceHash, 'h2');
    assert.equal(world.stableServiceHash, 'h1');
    assert.equal(world.canaryWeight, 0, 'no traffic before the canary pod is ready');
    assert.equal(world.status.phase, 'Progressing');
    world.makeReady();
    world.settle(plan('h2', twoSteps));
    assert.equal(world.canaryWeight, 10);
    assert.equal(world.status.phase, 'Paused');
    assert.equal(world.status.message, 'CanaryPauseStep');
    assert.equal(world.status.currentStepIndex, 1);
    assert.deepEqual(world.events(), ['RolloutUpdated', 'RolloutStepCompleted', 'RolloutPaused']);
    assert.deepEqual(world.tick(plan('h2', twoSteps)).effects, [], 'a paused rollout makes no writes');
    assert.equal(world.tick(plan('h2', twoSteps)).requeueAfterMs, undefined, 'an indefinite pause has no deadline');
  });

  test('promote ends the pause; the canary becomes stable; the old ReplicaSet goes after the delay', () => {
    const world = healthyAt('h1');
    world.settle(plan('h2', twoSteps));
    world.status = { ...world.status, pauseConditions: [] }; // what `promote` patches
    world.log = [];
    world.settle(plan('h2', twoSteps));
    assert.equal(world.status.stableRS, 'h2');
    assert.equal(world.stableServiceHash, 'h2');
    assert.equal(world.canaryServiceHash, 'h2');
    assert.equal(world.canaryWeight, 0);
    assert.equal(world.status.phase, 'Healthy');
    const selectorAt = world.log.findIndex((e) => e.type === 'setServiceSelector' && e.params.role === 'stable');
    const weightAt = world.log.findIndex((e) => e.type === 'setCanaryWeight');
    assert.ok(selectorAt >= 0 && selectorAt < weightAt, 'the stable Service moves before the canary weight drops');
    const old = world.replicaSets.get('h1');
    assert.equal(old?.replicas, 3, 'the old ReplicaSet keeps its pods during the delay');
    assert.equal(old?.scaleDownDeadline, new Date(T0 + 30_000).toISOString());
    assert.equal(world.tick(plan('h2', twoSteps)).requeueAfterMs, 30_000);
    world.now = T0 + 30_000;
    world.settle(plan('h2', twoSteps));
    assert.equal(world.replicaSets.get('h1')?.replicas, 0);
    assert.deepEqual(world.tick(plan('h2', twoSteps)).effects, []);
  });

  test('a timed pause advances at its deadline, and not before', () => {
    const steps: PlanStep[] = [{ kind: 'setWeight', weight: 50 }, { kind: 'pause', durationSeconds: 10 }, { kind: 'setWeight', weight: 80 }, { kind: 'pause', durationSeconds: 5 }];
    const world = healthyAt('h1', steps);
    world.settle(plan('h2', steps));
    assert.equal(world.status.phase, 'Paused');
    assert.equal(world.tick(plan('h2', steps)).requeueAfterMs, 10_000);
    world.now = T0 + 9_999;
    world.settle(plan('h2', steps));
    assert.equal(world.canaryWeight, 50, 'still paused one ms before the deadline');
    world.now = T0 + 10_000;
    world.settle(plan('h2', steps));
    assert.equal(world.canaryWeight, 80);
    world.now = T0 + 15_000;
    world.settle(plan('h2', steps));
    assert.equal(world.status.phase, 'Healthy');
    assert.equal(world.status.stableRS, 'h2');
  });

  test('a restarted controller resumes the same step with the same weights and the original deadline', () => {
    const steps: PlanStep[] = [{ kind: 'setWeight', weight: 20 }, { kind: 'pause', durationSeconds: 60 }];
    const world = healthyAt('h1', steps);
    world.settle(plan('h2', steps));
    // A new controller only has the status and what it observes.
    const restarted = new World();
    restarted.status = JSON.parse(JSON.stringify(world.status)) as MachineStatus;
    restarted.replicaSets = new Map(world.replicaSets);
    restarted.canaryServiceHash = world.canaryServiceHash;
    restarted.stableServiceHash = world.stableServiceHash;
    restarted.canaryWeight = world.canaryWeight;
    restarted.now = T0 + 45_000;
    const decision = restarted.tick(plan('h2', steps));
    assert.deepEqual(decision.effects, [], 'no traffic change on restart');
    assert.equal(decision.requeueAfterMs, 15_000, 'the pause ends at its original deadline');
    restarted.now = T0 + 60_000;
    restarted.settle(plan('h2', steps));
    assert.equal(restarted.status.stableRS, 'h2');
  });

  test('abort: weight to stable at once, canary Service back, Degraded, canary pods after the delay; retry starts over', () => {
    const world = healthyAt('h1');
    world.settle(plan('h2', twoSteps));
    world.status = { ...world.status, abort: true };
    world.log = [];
    world.settle(plan('h2', twoSteps));
    assert.equal(world.canaryWeight, 0);
    assert.equal(world.canaryServiceHash, 'h1');
    assert.equal(world.status.phase, 'Degraded');
    assert.match(world.status.message ?? '', /^RolloutAborted: /);
    assert.equal(world.status.rolledBackTo?.podTemplateHash, 'h1');
    assert.equal(world.log[0]?.type, 'setCanaryWeight', 'traffic moves first');
    assert.equal(world.replicaSets.get('h2')?.replicas, 1, 'canary pods stay during abortScaleDownDelaySeconds');
    world.now = T0 + 30_000;
    world.settle(plan('h2', twoSteps));
    assert.equal(world.replicaSets.get('h2')?.replicas, 0);
    assert.deepEqual(world.events(), ['RolloutAborted']);

    world.status = { ...world.status, abort: false }; // what `retry` patches
    world.settle(plan('h2', twoSteps));
    assert.equal(world.status.phase, 'Paused');
    assert.equal(world.canaryWeight, 10);
    assert.equal(world.status.abortedAt, undefined);
  });

  test('abortScaleDownDelaySeconds 0 keeps the canary pods', () => {
    const keep = plan('h2', twoSteps, { abortScaleDownDelaySeconds: 0 });
    const world = healthyAt('h1');
    world.settle(keep);
    world.status = { ...world.status, abort: true };
    world.now = T0 + 3_600_000;
    world.settle(keep);
    assert.equal(world.replicaSets.get('h2')?.replicas, 1);
    assert.equal(world.replicaSets.get('h2')?.scaleDownDeadline, undefined);
  });

  test('abort on a Healthy rollout changes nothing', () => {
    const world = healthyAt('h1');
    world.status = { ...world.status, abort: true };
    const decision = world.tick(plan('h1', twoSteps));
    assert.deepEqual(decision.effects, []);
    assert.equal(world.status.phase, 'Healthy');
  });

  test('setCanaryScale sizes the canary explicitly: 2 then 4 of 5', () => {
    const steps: PlanStep[] = [
      { kind: 'setCanaryScale', scale: { replicas: 2 } },
      { kind: 'setWeight', weight: 20 },
      { kind: 'pause' },
      { kind: 'setCanaryScale', scale: { replicas: 4 } },
      { kind: 'setWeight', weight: 40 },
      { kind: 'pause' },
    ];
    const five = (hash: string): RolloutPlan => plan(hash, steps, { replicas: 5 });
    const world = new World();
    world.settle(five('h1'));
    world.settle(five('h2'));
    assert.equal(world.replicaSets.get('h2')?.replicas, 2);
    assert.equal(world.canaryWeight, 20);
    world.status = { ...world.status, pauseConditions: [] };
    world.settle(five('h2'));
    assert.equal(world.replicaSets.get('h2')?.replicas, 4);
    assert.equal(world.canaryWeight, 40);
    assert.equal(world.replicaSets.get('h1')?.replicas, 5, 'the stable stays at full size');
  });

  test('an invalid spec changes nothing but status; fixing it resumes', () => {
    const world = healthyAt('h1');
    world.settle(plan('h2', twoSteps));
    const decision = world.tick(undefined, [{ field: 'spec.strategy.blueGreen', message: 'not supported' }]);
    assert.deepEqual(decision.effects.map((e) => e.type), ['recordEvent']);
    assert.equal(world.status.phase, 'Degraded');
    assert.match(world.status.message ?? '', /InvalidSpec: spec\.strategy\.blueGreen: not supported/);
    assert.deepEqual(world.tick(undefined, [{ field: 'spec.strategy.blueGreen', message: 'not supported' }]).effects, [], 'the event is recorded once');
    world.settle(plan('h2', twoSteps));
    assert.equal(world.status.phase, 'Paused');
    assert.equal(world.status.conditions?.some((c) => c.type === 'InvalidSpec'), false);
  });

  test('a template back to the stable one mid-canary goes straight back (fast track)', () => {
    const world = healthyAt('h1');
    world.settle(plan('h2', twoSteps));
    world.settle(plan('h1', twoSteps));
    assert.equal(world.canaryWeight, 0);
    assert.equal(world.canaryServiceHash, 'h1');
    assert.equal(world.status.phase, 'Healthy');
    assert.equal(world.replicaSets.get('h2')?.scaleDownDeadline, new Date(T0 + 30_000).toISOString());
  });

  test('promote skipping a step (currentStepIndex + 1) and promoteFull', () => {
    const steps: PlanStep[] = [{ kind: 'setWeight', weight: 10 }, { kind: 'pause' }, { kind: 'setWeight', weight: 50 }, { kind: 'pause' }];
    const world = healthyAt('h1', steps);
    world.settle(plan('h2', steps));
    world.status = { ...world.status, promoteFull: true, pauseConditions: [] };
    world.settle(plan('h2', steps));
    assert.equal(world.status.stableRS, 'h2');
    assert.equal(world.status.phase, 'Healthy');
  });

  test('spec.paused holds the rollout (Paused, "manually paused") without writes', () => {
    const world = healthyAt('h1');
    const paused = plan('h2', twoSteps, { paused: true });
    world.tick(plan('h2', twoSteps));
    world.log = [];
    const decision = world.tick(paused);
    assert.deepEqual(decision.effects, []);
    assert.equal(world.status.phase, 'Paused');
    assert.equal(world.status.message, 'manually paused');
  });

  test('Git commits of the stable and canary revisions are reported, and the one an abort went back to', () => {
    const world = new World();
    world.settle(plan('h1', twoSteps, { gitRevision: 'aaa111' }));
    assert.equal(world.status.stableGitRevision, 'aaa111');
    world.settle(plan('h2', twoSteps, { gitRevision: 'bbb222' }));
    assert.equal(world.status.canaryGitRevision, 'bbb222');
    world.status = { ...world.status, abort: true };
    world.settle(plan('h2', twoSteps, { gitRevision: 'bbb222' }));
    assert.deepEqual(world.status.rolledBackTo, { podTemplateHash: 'h1', gitRevision: 'aaa111' });
    world.settle(plan('h3', twoSteps, { gitRevision: 'ccc333' }));
    world.status = { ...world.status, pauseConditions: [] };
    world.settle(plan('h3', twoSteps, { gitRevision: 'ccc333' }));
    assert.equal(world.status.stableGitRevision, 'ccc333');
    assert.equal(world.status.canaryGitRevision, undefined);
  });

  test('a new template mid-canary: traffic leaves the old canary before the Service moves; steps start over', () => {
    const world = healthyAt('h1');
    world.settle(plan('h2', twoSteps));
    assert.equal(world.canaryWeight, 10);
    world.ready = false;
    world.log = [];
    world.tick(plan('h3', twoSteps));
    const weightAt = world.log.findIndex((e) => e.type === 'setCanaryWeight' && e.params.canaryWeight === 0);
    const selectorAt = world.log.findIndex((e) => e.type === 'setServiceSelector' && e.params.role === 'canary' && e.params.hash === 'h3');
    assert.ok(weightAt >= 0 && weightAt < selectorAt, 'weight 0 before the canary Service selects h3');
    assert.equal(world.status.currentStepIndex, 0);
    assert.equal(world.canaryWeight, 0, 'no traffic to h3 before its pods are ready');
    assert.equal(world.replicaSets.get('h2')?.scaleDownDeadline, new Date(T0 + 30_000).toISOString(), 'the middle canary goes after the delay');
    world.makeReady();
    world.settle(plan('h3', twoSteps));
    assert.equal(world.status.phase, 'Paused');
    assert.equal(world.canaryWeight, 10);
  });

  test('progress deadline: a canary that never becomes available is Degraded at the deadline, not before', () => {
    const p = plan('h2', twoSteps, { progressDeadlineSeconds: 10 });
    const world = healthyAt('h1');
    world.ready = false;
    world.tick(p); // creates the canary ReplicaSet
    const first = world.tick(p); // sees it: 0 of 1 available, the clock starts
    assert.equal(first.requeueAfterMs, 10_000);
    world.now = T0 + 9_999;
    world.tick(p);
    assert.equal(world.status.phase, 'Progressing');
    world.now = T0 + 10_000;
    world.tick(p);
    assert.equal(world.status.phase, 'Degraded');
    assert.match(world.status.message ?? '', /^ProgressDeadlineExceeded: .*0 of 1 canary pods .*no progress for 10 s/);
    assert.notEqual(world.status.abort, true, 'not aborted without progressDeadlineAbort');
    assert.ok(world.events().includes('ProgressDeadlineExceeded'));
    assert.equal(world.canaryWeight, 0, 'no traffic ever reached the unready canary');
    // Pods finally become available: that is progress, and the rollout carries on.
    world.makeReady();
    world.settle(p);
    assert.equal(world.status.phase, 'Paused');
  });

  test('progressDeadlineAbort aborts; a paused rollout never times out; progress restarts the clock', () => {
    const abortPlan = plan('h2', twoSteps, { progressDeadlineSeconds: 10, progressDeadlineAbort: true });
    const world = healthyAt('h1');
    world.ready = false;
    world.tick(abortPlan);
    world.tick(abortPlan);
    world.now = T0 + 10_000;
    world.settle(abortPlan);
    assert.equal(world.status.abort, true);
    assert.match(world.status.message ?? '', /^RolloutAborted: /);

    const pausePlan = plan('h2', twoSteps, { progressDeadlineSeconds: 10 });
    const paused = healthyAt('h1');
    paused.settle(pausePlan);
    assert.equal(paused.status.phase, 'Paused');
    assert.equal(paused.tick(pausePlan).requeueAfterMs, undefined, 'no deadline while paused');
    paused.now = T0 + 3_600_000;
    paused.settle(pausePlan);
    assert.equal(paused.status.phase, 'Paused');
    paused.status = { ...paused.status, pauseConditions: [] };
    paused.ready = false;
    paused.tick(pausePlan);
    assert.equal(paused.status.phase, 'Progressing', 'resumed with a fresh clock, not timed out by the hour paused');
  });

  test('revisionHistoryLimit keeps that many scaled-down ReplicaSets; an undo reuses one with a new revision', () => {
    const keepOne = (hash: string): RolloutPlan => plan(hash, [], { revisionHistoryLimit: 1, scaleDownDelaySeconds: 0 });
    const world = new World();
    for (const hash of ['h1', 'h2', 'h3', 'h4']) world.settle(keepOne(hash));
    assert.deepEqual([...world.replicaSets.keys()].sort(), ['h3', 'h4'], 'the stable and one old revision');
    assert.deepEqual([world.replicaSets.get('h3')?.revision, world.replicaSets.get('h4')?.revision], [3, 4]);
    world.settle(keepOne('h3')); // undo to the previous template
    assert.equal(world.status.stableRS, 'h3');
    assert.equal(world.replicaSets.get('h3')?.revision, 5, 'the reused ReplicaSet becomes the newest revision');
    assert.equal(world.replicaSets.get('h3')?.replicas, 3);
    assert.equal(world.replicaSets.get('h4')?.replicas, 0);
  });

  test('dynamicStableScale: the stable shrinks as traffic leaves it; on abort it is back to full size before traffic returns', () => {
    const steps: PlanStep[] = [{ kind: 'setWeight', weight: 25 }, { kind: 'pause' }, { kind: 'setWeight', weight: 75 }, { kind: 'pause' }];
    const dyn = (hash: string): RolloutPlan => plan(hash, steps, { replicas: 4, dynamicStableScale: true });
    const world = new World();
    world.settle(dyn('h1'));
    world.settle(dyn('h2'));
    assert.deepEqual([world.replicaSets.get('h1')?.replicas, world.replicaSets.get('h2')?.replicas], [3, 1]);
    world.status = { ...world.status, pauseConditions: [] };
    world.settle(dyn('h2'));
    assert.deepEqual([world.replicaSets.get('h1')?.replicas, world.replicaSets.get('h2')?.replicas], [1, 3]);
    assert.equal(world.canaryWeight, 75);

    world.ready = false; // the stable's new pods take a while
    world.status = { ...world.status, abort: true };
    world.log = [];
    world.tick(dyn('h2'));
    assert.equal(world.replicaSets.get('h1')?.replicas, 4, 'the stable is scaled back up first');
    assert.equal(world.canaryWeight, 75, 'traffic stays on the canary until the stable is available');
    assert.equal(world.canaryServiceHash, 'h2');
    assert.equal(world.status.phase, 'Degraded');
    world.makeReady();
    world.settle(dyn('h2'));
    assert.equal(world.canaryWeight, 0);
    assert.equal(world.canaryServiceHash, 'h1');
    const scaleUp = world.log.findIndex((e) => e.type === 'ensureReplicaSet' && e.params.hash === 'h1');
    const back = world.log.findIndex((e) => e.type === 'setCanaryWeight');
    assert.ok(scaleUp >= 0 && scaleUp < back, 'scale-up before the weight moves back');
  });
});

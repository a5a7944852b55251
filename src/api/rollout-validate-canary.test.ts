import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateRollout } from './rollout-validate.ts';
import { fields, loadFixture, onlyProblem, withCanary, withSteps } from './testdata/load.ts';

describe('validateRollout: strategy and traffic routing', () => {
  test('strategy.canary is required; a blueGreen-only spec is told to use canary, once', () => {
    const none = loadFixture('rollout-istio-host');
    none.spec.strategy = {};
    assert.equal(onlyProblem(none).field, 'spec.strategy.canary');
    const blueGreen = loadFixture('rollout-istio-host');
    blueGreen.spec.strategy = { blueGreen: { activeService: 'a' } };
    assert.deepEqual(onlyProblem(blueGreen), { field: 'spec.strategy.blueGreen', message: 'blueGreen is not supported by Sluice yet; use strategy.canary' });
  });

  test('Istio is required; another router gets its own message only', () => {
    const none = withCanary((canary) => delete canary.trafficRouting);
    assert.deepEqual(onlyProblem(none), {
      field: 'spec.strategy.canary.trafficRouting.istio',
      message: 'Sluice routes traffic through Istio: set strategy.canary.trafficRouting.istio',
    });
    const nginx = withCanary((canary) => {
      canary.trafficRouting = { nginx: { stableIngress: 'web' } };
    });
    assert.equal(onlyProblem(nginx).field, 'spec.strategy.canary.trafficRouting.nginx');
  });

  test('exactly one of virtualService and virtualServices', () => {
    const both = withCanary((canary) => {
      canary.trafficRouting = { istio: { virtualService: { name: 'a' }, virtualServices: [{ name: 'b' }] } };
    });
    assert.deepEqual(onlyProblem(both), {
      field: 'spec.strategy.canary.trafficRouting.istio.virtualServices',
      message: 'set either virtualService or virtualServices, not both',
    });
    const neither = withCanary((canary) => {
      canary.trafficRouting = { istio: {} };
    });
    assert.equal(onlyProblem(neither).field, 'spec.strategy.canary.trafficRouting.istio.virtualService');
    const emptyList = withCanary((canary) => {
      canary.trafficRouting = { istio: { virtualServices: [] } };
    });
    assert.equal(onlyProblem(emptyList).field, 'spec.strategy.canary.trafficRouting.istio.virtualService');
    const several = withCanary((canary) => {
      canary.trafficRouting = { istio: { virtualServices: [{ name: 'a' }, { name: 'b', routes: ['r'] }] } };
    });
    assert.deepEqual(validateRollout(several), []);
  });

  test('host-level routing needs two different Services', () => {
    const missing = withCanary((canary) => delete canary.canaryService);
    assert.deepEqual(fields(validateRollout(missing)), ['spec.strategy.canary.canaryService']);
    assert.match(onlyProblem(missing).message, /needs both canaryService and stableService/);
    const empty = withCanary((canary) => {
      canary.stableService = '';
    });
    assert.equal(onlyProblem(empty).field, 'spec.strategy.canary.stableService');
    const same = withCanary((canary) => {
      canary.stableService = canary.canaryService;
    });
    assert.deepEqual(onlyProblem(same), {
      field: 'spec.strategy.canary.stableService',
      message: 'stableService must differ from canaryService: Sluice points each at a different revision',
    });
  });

  test('a destinationRule is subset-level routing: the Services are not demanded; additionalSubsetNames is not supported yet', () => {
    const subset = withCanary((canary) => {
      delete canary.canaryService;
      delete canary.stableService;
      canary.trafficRouting = {
        istio: { virtualService: { name: 'vs' }, destinationRule: { name: 'dr', canarySubsetName: 'canary', stableSubsetName: 'stable' } },
      };
    });
    assert.deepEqual(validateRollout(subset), []);
    const extra = withCanary((canary) => {
      canary.trafficRouting = {
        istio: { virtualService: { name: 'vs' }, destinationRule: { name: 'dr', canarySubsetName: 'canary', stableSubsetName: 'stable', additionalSubsetNames: ['x'] } },
      };
    });
    const problem = onlyProblem(extra);
    assert.equal(problem.field, 'spec.strategy.canary.trafficRouting.istio.destinationRule.additionalSubsetNames');
  });

  test('background analysis is accepted; a startingStep beyond the steps and a template-less analysis are named', () => {
    const ok = withCanary((canary) => {
      canary.analysis = { templates: [{ templateName: 'success-rate' }], startingStep: 1 };
    });
    assert.deepEqual(validateRollout(ok), []);
    const beyond = withCanary((canary) => {
      canary.analysis = { templates: [{ templateName: 'success-rate' }], startingStep: 99 };
    });
    assert.equal(onlyProblem(beyond).field, 'spec.strategy.canary.analysis.startingStep');
    const none = withCanary((canary) => {
      canary.analysis = { templates: [] };
    });
    assert.deepEqual(onlyProblem(none), {
      field: 'spec.strategy.canary.analysis.templates',
      message: 'Required value: name at least one AnalysisTemplate (templateName)',
    });
  });

  test('dynamicStableScale excludes an explicit scaleDownDelaySeconds', () => {
    const both = withCanary((canary) => {
      canary.dynamicStableScale = true;
      canary.scaleDownDelaySeconds = 30;
    });
    assert.deepEqual(onlyProblem(both), {
      field: 'spec.strategy.canary.dynamicStableScale',
      message: 'dynamicStableScale cannot be used with scaleDownDelaySeconds: remove one of them',
    });
    assert.deepEqual(validateRollout(withCanary((canary) => (canary.dynamicStableScale = true))), []);
    assert.deepEqual(validateRollout(withCanary((canary) => (canary.scaleDownDelaySeconds = 0))), []);
  });

  test('maxSurge and maxUnavailable: not both zero, numbers or percentages', () => {
    for (const [maxSurge, maxUnavailable] of [[0, 0], ['0%', 0], ['0%', '0%']] as const) {
      const rollout = withCanary((canary) => Object.assign(canary, { maxSurge, maxUnavailable }));
      const problem = onlyProblem(rollout);
      assert.equal(problem.field, 'spec.strategy.canary.maxSurge', `${maxSurge}/${maxUnavailable}`);
      assert.match(problem.message, /cannot both be 0/);
    }
    assert.deepEqual(validateRollout(withCanary((canary) => Object.assign(canary, { maxSurge: 0, maxUnavailable: undefined }))), []);
    assert.deepEqual(validateRollout(withCanary((canary) => Object.assign(canary, { maxSurge: 3, maxUnavailable: '100%' }))), []);
    const ambiguous = onlyProblem(withCanary((canary) => (canary.maxSurge = '5')));
    assert.deepEqual(ambiguous, {
      field: 'spec.strategy.canary.maxSurge',
      message: '"5" is ambiguous (Argo reads it as 5%): write 5 for a number of pods or "5%" for a percentage',
    });
    const garbage = onlyProblem(withCanary((canary) => (canary.maxUnavailable = 'a lot')));
    assert.deepEqual(garbage, {
      field: 'spec.strategy.canary.maxUnavailable',
      message: '"a lot" is neither a number of pods nor a percentage: write e.g. 1 or "25%"',
    });
  });
});

describe('validateRollout: steps', () => {
  test('a step with two kinds is one problem naming both, instead of the schema count', () => {
    assert.deepEqual(onlyProblem(withSteps({ setWeight: 10 }, { setWeight: 20, pause: {} })), {
      field: 'spec.strategy.canary.steps[1]',
      message: 'a step has exactly one kind, this one has setWeight and pause: split it into separate steps',
    });
  });

  test('an empty step, or one with only nulls', () => {
    for (const step of [{}, { pause: null }]) {
      assert.deepEqual(onlyProblem(withSteps(step)), {
        field: 'spec.strategy.canary.steps[0]',
        message: 'a step needs exactly one of setWeight, pause or setCanaryScale',
      });
    }
  });

  test('analysis steps: accepted with templates; an argument needs exactly one of value or valueFrom', () => {
    const analysis = { templates: [{ templateName: 'success-rate' }], args: [{ name: 'service', value: 'web-canary' }, { name: 'hash', valueFrom: { podTemplateHashValue: 'Latest' } }] };
    assert.deepEqual(validateRollout(withSteps({ setWeight: 10 }, { analysis })), []);
    const both = { templates: [{ templateName: 'x' }], args: [{ name: 'a', value: '1', valueFrom: { podTemplateHashValue: 'Stable' } }] };
    assert.deepEqual(onlyProblem(withSteps({ analysis: both })), { field: 'spec.strategy.canary.steps[0].analysis.args[0]', message: 'set value or valueFrom, not both' });
    const neither = { templates: [{ templateName: 'x' }], args: [{ name: 'a' }] };
    assert.equal(onlyProblem(withSteps({ analysis: neither })).field, 'spec.strategy.canary.steps[0].analysis.args[0]');
  });

  test('pause durations: seconds or Go durations; anything else names the step', () => {
    const valid = withSteps({ pause: {} }, { pause: { duration: 0 } }, { pause: { duration: '45' } }, { pause: { duration: '1h30m' } }, { pause: { duration: '250ms' } });
    assert.deepEqual(validateRollout(valid), []);
    for (const duration of ['5x', '1d', '-5s', 'soon', -1, true]) {
      const problem = onlyProblem(withSteps({ setWeight: 5 }, { pause: { duration } }));
      assert.equal(problem.field, 'spec.strategy.canary.steps[1].pause.duration', String(duration));
      assert.match(problem.message, /is not a duration: use seconds \(30\) or a duration with a unit/);
    }
  });

  test('setCanaryScale takes exactly one of weight, replicas, matchTrafficWeight', () => {
    assert.deepEqual(validateRollout(withSteps({ setCanaryScale: { weight: 10, matchTrafficWeight: false } })), []);
    const cases: [unknown, string][] = [
      [{}, 'none'],
      [{ matchTrafficWeight: false }, 'none'],
      [{ weight: 10, replicas: 2 }, 'weight and replicas'],
      [{ weight: 10, replicas: 2, matchTrafficWeight: true }, 'weight, replicas and matchTrafficWeight'],
    ];
    for (const [setCanaryScale, found] of cases) {
      assert.deepEqual(onlyProblem(withSteps({ setCanaryScale })), {
        field: 'spec.strategy.canary.steps[0].setCanaryScale',
        message: `set exactly one of weight, replicas or matchTrafficWeight: true (found ${found})`,
      });
    }
  });
});

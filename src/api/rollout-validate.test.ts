import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rolloutSchema } from './rollout.ts';
import { unsupportedFields, validateRollout } from './rollout-validate.ts';
import { validate } from './schema-validate.ts';
import { fields, loadFixture, onlyProblem, withCanary, withSteps } from './testdata/load.ts';

describe('validateRollout: valid manifests', () => {
  test('an Argo Rollouts Istio host-split canary (apiVersion changed) has no problems', () => {
    assert.deepEqual(validateRollout(loadFixture('rollout-istio-host')), []);
  });

  test('a minimal canary has no problems (defaults cover the rest)', () => {
    const rollout = {
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } },
        strategy: {
          canary: {
            canaryService: 'web-canary',
            stableService: 'web-stable',
            trafficRouting: { istio: { virtualService: { name: 'web' } } },
          },
        },
      },
    };
    assert.deepEqual(validateRollout(rollout), []);
  });

  test('status is not checked: a stale or foreign status does not make the spec invalid', () => {
    const rollout = { ...loadFixture('rollout-istio-host'), status: { phase: 'Unknown', bogus: 1 } };
    assert.deepEqual(validateRollout(rollout), []);
  });

  test('matchExpressions that the template labels satisfy are fine', () => {
    const rollout = loadFixture('rollout-istio-host');
    rollout.spec.selector.matchExpressions = [
      { key: 'app', operator: 'In', values: ['rollouts-demo', 'other'] },
      { key: 'debug', operator: 'DoesNotExist' },
      { key: 'app', operator: 'Exists' },
      { key: 'tier', operator: 'NotIn', values: ['db'] },
    ];
    assert.deepEqual(validateRollout(rollout), []);
  });
});

describe('validateRollout: every Argo field is declared, the unsupported ones are named', () => {
  test('the schema knows every field of a manifest that uses all of Argo (nothing would be dropped)', () => {
    assert.deepEqual(validate(rolloutSchema, loadFixture('rollout-argo-everything')), []);
  });

  test('one problem per unsupported Argo field, each saying what to do', () => {
    const problems = validateRollout(loadFixture('rollout-argo-everything'));
    const unsupported = [
      'spec.workloadRef',
      'spec.rollbackWindow',
      'spec.strategy.blueGreen',
      'spec.strategy.canary.antiAffinity',
      'spec.strategy.canary.canaryMetadata',
      'spec.strategy.canary.stableMetadata',
      'spec.strategy.canary.scaleDownDelayRevisionLimit',
      'spec.strategy.canary.minPodsPerReplicaSet',
      'spec.strategy.canary.replicaProgressThreshold',
      'spec.strategy.canary.pingPong',
      'spec.strategy.canary.trafficRouting.nginx',
      'spec.strategy.canary.trafficRouting.alb',
      'spec.strategy.canary.trafficRouting.smi',
      'spec.strategy.canary.trafficRouting.ambassador',
      'spec.strategy.canary.trafficRouting.appMesh',
      'spec.strategy.canary.trafficRouting.traefik',
      'spec.strategy.canary.trafficRouting.apisix',
      'spec.strategy.canary.trafficRouting.plugins',
      'spec.strategy.canary.trafficRouting.managedRoutes',
      'spec.strategy.canary.trafficRouting.maxTrafficWeight',
      'spec.strategy.canary.trafficRouting.istio.destinationRule.additionalSubsetNames',
      'spec.strategy.canary.steps[4].experiment',
      'spec.strategy.canary.steps[5].setHeaderRoute',
      'spec.strategy.canary.steps[6].setMirrorRoute',
      'spec.strategy.canary.steps[7].plugin',
    ];
    assert.deepEqual(fields(problems).sort(), [...unsupported].sort());
    for (const problem of problems) assert.match(problem.message, /not supported|later release/, problem.field);
    const byField = new Map(problems.map((p) => [p.field, p.message]));
    assert.equal(byField.get('spec.strategy.blueGreen'), 'blueGreen is not supported by Sluice yet; use strategy.canary');
    // Analysis (step and background) is supported: neither is named.
    assert.equal(byField.has('spec.strategy.canary.steps[3].analysis'), false);
    assert.equal(byField.has('spec.strategy.canary.analysis'), false);
    assert.match(byField.get('spec.strategy.canary.trafficRouting.istio.destinationRule.additionalSubsetNames') ?? '', /arrive in a later release/);
    assert.match(byField.get('spec.strategy.canary.trafficRouting.nginx') ?? '', /use strategy\.canary\.trafficRouting\.istio/);
  });

  test('unsupportedFields reports on a spec alone, and nothing for a supported one', () => {
    assert.deepEqual(unsupportedFields(loadFixture('rollout-istio-host').spec), []);
    assert.deepEqual(fields(unsupportedFields({ rollbackWindow: { revisions: 1 }, workloadRef: null })), ['spec.rollbackWindow']);
    assert.deepEqual(unsupportedFields('not a spec'), []);
  });
});

describe('validateRollout: identity and pods', () => {
  test('an Argo apiVersion is named with the fix', () => {
    const rollout = { ...loadFixture('rollout-istio-host'), apiVersion: 'argoproj.io/v1alpha1' };
    assert.deepEqual(onlyProblem(rollout), {
      field: 'apiVersion',
      message: 'change apiVersion argoproj.io/v1alpha1 to sluice.dev/v1alpha1: the rest of an Argo Rollout carries over',
    });
    assert.equal(onlyProblem({ ...loadFixture('rollout-istio-host'), kind: 'Deployment' }).field, 'kind');
    assert.equal(onlyProblem({ ...loadFixture('rollout-istio-host'), metadata: {} }).field, 'metadata.name');
  });

  test('a manifest that is not an object', () => {
    assert.deepEqual(validateRollout('kind: Rollout'), [{ field: '', message: 'a Rollout manifest must be an object' }]);
    assert.deepEqual(fields(validateRollout({ apiVersion: 'sluice.dev/v1alpha1', kind: 'Rollout', metadata: { name: 'x' } })), ['spec']);
  });

  test('template is required, once, with what to do', () => {
    const rollout = loadFixture('rollout-istio-host') as { spec: Record<string, unknown> };
    delete rollout.spec.template;
    assert.deepEqual(onlyProblem(rollout), {
      field: 'spec.template',
      message: 'Required value: set spec.template, the pod template Sluice creates ReplicaSets from',
    });
  });

  test('selector is required, must not be empty, and must match the template labels', () => {
    const noSelector = loadFixture('rollout-istio-host') as { spec: Record<string, unknown> };
    delete noSelector.spec.selector;
    assert.equal(onlyProblem(noSelector).field, 'spec.selector');

    const empty = loadFixture('rollout-istio-host');
    empty.spec.selector = {};
    assert.match(onlyProblem(empty).message, /empty selector selects every pod/);

    const mismatch = loadFixture('rollout-istio-host');
    mismatch.spec.selector = { matchLabels: { app: 'other' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] };
    const problem = onlyProblem(mismatch);
    assert.equal(problem.field, 'spec.template.metadata.labels');
    assert.match(problem.message, /unmet: app=other, tier\)/);
  });

  test('the pod template needs a container', () => {
    const rollout = loadFixture('rollout-istio-host');
    rollout.spec.template.spec = {};
    assert.equal(onlyProblem(rollout).field, 'spec.template.spec.containers');
  });

  test('progressDeadlineSeconds must exceed minReadySeconds, defaults included', () => {
    const rollout = loadFixture('rollout-istio-host');
    rollout.spec.minReadySeconds = 300;
    assert.deepEqual(onlyProblem(rollout), {
      field: 'spec.progressDeadlineSeconds',
      message: 'must be greater than minReadySeconds (300): a pod could never become available in time',
    });
    delete rollout.spec.progressDeadlineSeconds;
    assert.deepEqual(validateRollout(rollout), [], 'the default deadline (600) exceeds 300');
    rollout.spec.minReadySeconds = 600;
    assert.equal(onlyProblem(rollout).field, 'spec.progressDeadlineSeconds');
  });

  test('schema problems come through with their path, typos included', () => {
    assert.deepEqual(onlyProblem(withSteps({ setWeight: 120 })), {
      field: 'spec.strategy.canary.steps[0].setWeight',
      message: '120 must be less than or equal to 100',
    });
    const typo = withCanary((canary) => Object.assign(canary, { setps: [] }));
    assert.equal(onlyProblem(typo).field, 'spec.strategy.canary.setps');
    const badReplicas = loadFixture('rollout-istio-host') as { spec: Record<string, unknown> };
    badReplicas.spec.replicas = 'three';
    assert.deepEqual(onlyProblem(badReplicas), { field: 'spec.replicas', message: 'must be of type integer, got string' });
  });
});

describe('validateRollout: robustness', () => {
  test('any value anywhere in the manifest is reported on, never thrown over', () => {
    const replacements: unknown[] = [null, 'x', -1, 1.5, true, [], {}, [{}], { unexpected: 1 }];
    const paths = allPaths(loadFixture('rollout-argo-everything'), []);
    assert.ok(paths.length > 150, `walked ${paths.length} paths`);
    for (const path of paths) {
      for (const replacement of replacements) {
        const rollout = loadFixture('rollout-argo-everything');
        setAt(rollout, path, replacement);
        assert.doesNotThrow(() => validateRollout(rollout), `${path.join('.')} = ${JSON.stringify(replacement)}`);
      }
    }
  });
});

function allPaths(value: unknown, prefix: (string | number)[]): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((item, i) => [i, item]) : Object.entries(value);
  return entries.flatMap(([key, item]) => [[...prefix, key], ...allPaths(item, [...prefix, key])]);
}

function setAt(root: unknown, path: (string | number)[], value: unknown): void {
  let parent = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  parent[path.at(-1) as string | number] = value;
}

// Test fixtures: Rollout manifests in Argo's syntax (apiVersion changed), fresh copies each call,
// and small helpers the validation tests share.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import type { CanaryStep, CanaryStrategy, Rollout } from '../rollout.ts';
import { validateRollout, type SpecProblem } from '../rollout-validate.ts';

export type Fixture = 'rollout-istio-host' | 'rollout-argo-everything';

export function loadFixture(name: Fixture): Rollout {
  return load(readFileSync(join(import.meta.dirname, `${name}.yaml`), 'utf8')) as Rollout;
}

/** The Istio host-split fixture with its canary strategy changed. */
export function withCanary(change: (canary: CanaryStrategy) => void): Rollout {
  const rollout = loadFixture('rollout-istio-host');
  const canary = rollout.spec.strategy?.canary;
  assert.ok(canary);
  change(canary);
  return rollout;
}

/** The Istio host-split fixture with these steps (any values: tests feed invalid ones too). */
export function withSteps(...steps: unknown[]): Rollout {
  return withCanary((canary) => {
    canary.steps = steps as CanaryStep[];
  });
}

export const fields = (problems: readonly SpecProblem[]): string[] => problems.map((p) => p.field);

/** The one problem validateRollout finds (fails the test when there are none or several). */
export function onlyProblem(rollout: unknown): SpecProblem {
  const problems = validateRollout(rollout);
  assert.equal(problems.length, 1, `expected one problem, got ${JSON.stringify(problems, null, 2)}`);
  return problems[0] as SpecProblem;
}

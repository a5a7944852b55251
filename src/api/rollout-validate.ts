// validateRollout: everything wrong with a Rollout manifest, each problem naming the field and
// what to do. The schema check reports what the API server would refuse (or drop); the semantic
// checks add Argo Rollouts' own validation and what Sluice does not support yet. The controller
// turns a non-empty result into the InvalidSpec condition; `kubectl sluice lint` prints it.
import { unmetRequirements } from './label-selector.ts';
import { API_VERSION } from './names.ts';
import { labelSelectorSchema, type LabelSelector } from './rollout-common.ts';
import { ROLLOUT_DEFAULTS } from './rollout-defaults.ts';
import { unsupportedFields } from './rollout-unsupported.ts';
import { canaryProblems } from './rollout-validate-canary.ts';
import { ROLLOUT_KIND, rolloutSchema } from './rollout.ts';
import { validate } from './schema-validate.ts';
import { isSet, listAt, objectAt, type Loose, type SpecProblem } from './spec-problem.ts';

export type { SpecProblem } from './spec-problem.ts';
export { unsupportedFields } from './rollout-unsupported.ts';

const ARGO_API_VERSION = 'argoproj.io/v1alpha1';

/**
 * Every problem with a Rollout manifest, empty when Sluice can run it. Reads anything (a parsed
 * YAML document, an object from the informer, which always carries apiVersion and kind); never
 * throws. The status is not checked: it is the controller's, and a spec problem is what InvalidSpec
 * reports.
 */
export function validateRollout(obj: unknown): SpecProblem[] {
  const rollout = objectAt(obj);
  if (rollout === undefined) return [{ field: '', message: 'a Rollout manifest must be an object' }];
  const { status: _status, ...manifest } = rollout;
  const schema = validate(rolloutSchema, manifest).map(({ path, message }) => ({ field: path, message }));
  const semantic = [...identityProblems(rollout), ...specProblems(objectAt(rollout.spec))];
  // Where a semantic check speaks about a field, its message is the more helpful one.
  const explained = new Set(semantic.map((problem) => problem.field));
  return [...schema.filter((problem) => !explained.has(problem.field)), ...semantic];
}

function identityProblems(rollout: Loose): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (rollout.apiVersion === ARGO_API_VERSION) {
    problems.push({ field: 'apiVersion', message: `change apiVersion ${ARGO_API_VERSION} to ${API_VERSION}: the rest of an Argo Rollout carries over` });
  } else if (rollout.apiVersion !== API_VERSION) {
    problems.push({ field: 'apiVersion', message: `must be ${API_VERSION}, got ${JSON.stringify(rollout.apiVersion ?? null)}` });
  }
  if (rollout.kind !== ROLLOUT_KIND) {
    problems.push({ field: 'kind', message: `must be ${ROLLOUT_KIND}, got ${JSON.stringify(rollout.kind ?? null)}` });
  }
  const metadata = objectAt(rollout.metadata);
  if (!isSet(metadata, 'name') && !isSet(metadata, 'generateName')) {
    problems.push({ field: 'metadata.name', message: 'Required value: name the Rollout' });
  }
  return problems;
}

function specProblems(spec: Loose | undefined): SpecProblem[] {
  if (spec === undefined) return []; // the schema check reports a missing spec
  return [
    ...unsupportedFields(spec),
    ...podProblems(spec),
    ...deadlineProblems(spec),
    ...strategyProblems(spec),
  ];
}

function podProblems(spec: Loose): SpecProblem[] {
  const template = objectAt(spec.template);
  if (template === undefined) {
    return [{ field: 'spec.template', message: 'Required value: set spec.template, the pod template Sluice creates ReplicaSets from' }];
  }
  const containers = objectAt(template.spec)?.containers;
  const problems = selectorProblems(spec.selector, objectAt(template.metadata)?.labels);
  if (listAt(containers).length === 0) {
    problems.push({ field: 'spec.template.spec.containers', message: 'Required value: the pod template needs at least one container' });
  }
  return problems;
}

function selectorProblems(selectorValue: unknown, labelsValue: unknown): SpecProblem[] {
  const selector = objectAt(selectorValue);
  if (selector === undefined) {
    return [{ field: 'spec.selector', message: "Required value: set spec.selector.matchLabels to the pod template's labels" }];
  }
  // The typed comparison below needs a well-formed selector; a malformed one is the schema's to report.
  if (validate(labelSelectorSchema, selector).length > 0) return [];
  const typed = selector as LabelSelector;
  if (Object.keys(typed.matchLabels ?? {}).length === 0 && (typed.matchExpressions ?? []).length === 0) {
    return [{ field: 'spec.selector', message: "an empty selector selects every pod: set matchLabels to the pod template's labels" }];
  }
  const labels = stringLabels(labelsValue);
  const unmet = unmetRequirements(typed, labels);
  if (unmet.length === 0) return [];
  return [
    {
      field: 'spec.template.metadata.labels',
      message: `the pod template's labels do not match spec.selector (unmet: ${unmet.join(', ')}): the pods must carry the labels the selector asks for`,
    },
  ];
}

function stringLabels(value: unknown): Record<string, string> {
  const entries = Object.entries(objectAt(value) ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
  return Object.fromEntries(entries);
}

function deadlineProblems(spec: Loose): SpecProblem[] {
  const deadline = spec.progressDeadlineSeconds ?? ROLLOUT_DEFAULTS.progressDeadlineSeconds;
  const minReady = spec.minReadySeconds ?? ROLLOUT_DEFAULTS.minReadySeconds;
  if (typeof deadline !== 'number' || typeof minReady !== 'number' || deadline > minReady) return [];
  return [
    {
      field: 'spec.progressDeadlineSeconds',
      message: `must be greater than minReadySeconds (${minReady}): a pod could never become available in time`,
    },
  ];
}

function strategyProblems(spec: Loose): SpecProblem[] {
  const strategy = objectAt(spec.strategy);
  const canary = objectAt(strategy?.canary);
  if (canary !== undefined) return canaryProblems(canary);
  // A blueGreen strategy is reported by unsupportedFields, which says to use canary instead.
  if (isSet(strategy, 'blueGreen')) return [];
  return [{ field: 'spec.strategy.canary', message: 'Required value: Sluice runs canary rollouts; set strategy.canary' }];
}

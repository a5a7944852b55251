// metav1.LabelSelector semantics (matchLabels AND matchExpressions), pure.
import type { LabelSelector, LabelSelectorRequirement } from './rollout-common.ts';

type Labels = Readonly<Record<string, string>>;

/** The requirements of `selector` that `labels` do not meet, written as in kubectl (`app=web`, `tier in (a,b)`). */
export function unmetRequirements(selector: LabelSelector, labels: Labels): string[] {
  const unmet = Object.entries(selector.matchLabels ?? {})
    .filter(([key, value]) => labels[key] !== value)
    .map(([key, value]) => `${key}=${value}`);
  for (const requirement of selector.matchExpressions ?? []) {
    if (!meets(requirement, labels)) unmet.push(describe(requirement));
  }
  return unmet;
}

export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  return unmetRequirements(selector, labels).length === 0;
}

/** The selector in the string form the scale subresource and `kubectl -l` use. */
export function selectorString(selector: LabelSelector): string {
  const labels = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  return [...labels, ...(selector.matchExpressions ?? []).map(describe)].join(',');
}

function meets(requirement: LabelSelectorRequirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  const value = labels[requirement.key] ?? '';
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return has && values.includes(value);
    case 'NotIn':
      return !has || !values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

function describe(requirement: LabelSelectorRequirement): string {
  const values = `(${(requirement.values ?? []).join(',')})`;
  switch (requirement.operator) {
    case 'In':
      return `${requirement.key} in ${values}`;
    case 'NotIn':
      return `${requirement.key} notin ${values}`;
    case 'Exists':
      return requirement.key;
    case 'DoesNotExist':
      return `!${requirement.key}`;
  }
}

// Pure arithmetic of canary steps: which weight and canary size are in force at a step.
// Argo's rules: the canary's size follows the last setWeight (ceil(weight × replicas / 100))
// unless a setCanaryScale set it explicitly; `matchTrafficWeight` returns to following it.
import type { CanaryScale, PlanStep } from './plan.ts';

/** The traffic weight in force when steps [0, index) have completed (0 before any setWeight). */
export function weightAt(steps: readonly PlanStep[], index: number): number {
  let weight = 0;
  for (const step of steps.slice(0, index)) if (step.kind === 'setWeight') weight = step.weight;
  return weight;
}

/** The setCanaryScale in force when steps [0, index) have completed, if any. */
export function canaryScaleAt(steps: readonly PlanStep[], index: number): CanaryScale | undefined {
  let scale: CanaryScale | undefined;
  for (const step of steps.slice(0, index)) {
    if (step.kind === 'setCanaryScale') scale = 'matchTrafficWeight' in step.scale ? undefined : step.scale;
  }
  return scale;
}

export function replicasForWeight(weight: number, replicas: number): number {
  return Math.min(replicas, Math.ceil((weight * replicas) / 100));
}

/**
 * Canary pods wanted while executing step `index` (its own scale applies as it runs: a
 * setWeight needs its canary pods ready before the weight moves).
 */
export function canaryReplicasAt(steps: readonly PlanStep[], index: number, replicas: number): number {
  if (index >= steps.length) return replicas;
  const through = index + 1;
  const scale = canaryScaleAt(steps, through);
  if (scale === undefined) return replicasForWeight(weightAt(steps, through), replicas);
  if ('replicas' in scale) return scale.replicas;
  if ('weight' in scale) return replicasForWeight(scale.weight, replicas);
  return replicasForWeight(weightAt(steps, through), replicas);
}

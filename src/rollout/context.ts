// The rollout machine's context and its one event (machine.ts).
import type { Observations } from './observations.ts';
import type { RolloutPlan } from './plan.ts';
import type { MachineStatus } from './status.ts';

export interface SpecProblem {
  readonly field: string;
  readonly message: string;
}

export interface TickEvent {
  readonly type: 'TICK';
  /** ms since the epoch */
  readonly now: number;
  /** undefined when the spec is invalid */
  readonly plan: RolloutPlan | undefined;
  readonly observations: Observations;
  readonly problems: readonly SpecProblem[];
}

export interface MachineContext {
  readonly status: MachineStatus;
  readonly now: number;
  readonly plan: RolloutPlan | undefined;
  readonly observations: Observations;
  readonly problems: readonly SpecProblem[];
}

// Rollout phase and message by Argo's rules (CalculateRolloutPhase), checked in order:
// Degraded (InvalidSpec, RolloutAborted, ProgressDeadlineExceeded) → Paused (spec.paused or a
// pause condition) → Progressing (not all pods updated/available, or steps remaining) → Healthy.
import { replicaSetOf, type Observations } from './observations.ts';
import type { RolloutPlan } from './plan.ts';
import type { MachineStatus } from './status.ts';

const DEGRADING = new Set(['RolloutAborted', 'ProgressDeadlineExceeded']);

export function withPhase(status: MachineStatus, plan: RolloutPlan | undefined, observations: Observations): MachineStatus {
  const counts = replicaCounts(status, observations);
  const weights = weightsOf(status, plan, observations);
  const { phase, message } = phaseOf({ ...status, ...counts }, plan);
  return { ...status, ...counts, ...weights, phase, message };
}

type PhaseAndMessage = Pick<MachineStatus, 'phase' | 'message'>;

function phaseOf(status: MachineStatus, plan: RolloutPlan | undefined): PhaseAndMessage {
  return degraded(status) ?? paused(status, plan) ?? progressing(status, plan) ?? { phase: 'Healthy', message: '' };
}

function degraded(status: MachineStatus): PhaseAndMessage | undefined {
  const invalid = status.conditions?.find((c) => c.type === 'InvalidSpec' && c.status === 'True');
  if (invalid !== undefined) return { phase: 'Degraded', message: `InvalidSpec: ${invalid.message}` };
  const degrading = status.conditions?.find((c) => DEGRADING.has(c.reason) && c.status === 'False');
  return degrading === undefined ? undefined : { phase: 'Degraded', message: `${degrading.reason}: ${degrading.message}` };
}

function paused(status: MachineStatus, plan: RolloutPlan | undefined): PhaseAndMessage | undefined {
  if (plan?.paused === true) return { phase: 'Paused', message: 'manually paused' };
  const pause = status.pauseConditions?.[0];
  return pause === undefined ? undefined : { phase: 'Paused', message: pause.reason };
}

function progressing(status: MachineStatus, plan: RolloutPlan | undefined): PhaseAndMessage | undefined {
  if (plan === undefined) return { phase: 'Progressing', message: '' };
  if (status.stableRS !== status.currentPodHash) return { phase: 'Progressing', message: 'waiting for all steps to complete' };
  if ((status.updatedReplicas ?? 0) < plan.replicas) return { phase: 'Progressing', message: 'updated replicas are still becoming ready' };
  if ((status.availableReplicas ?? 0) < plan.replicas) return { phase: 'Progressing', message: 'updated replicas are still becoming available' };
  return undefined;
}

function replicaCounts(status: MachineStatus, observations: Observations): Partial<MachineStatus> {
  const current = replicaSetOf(observations, status.currentPodHash);
  const stable = replicaSetOf(observations, status.stableRS);
  // Counted over the current and stable revisions: old ones only wait for their scale-down.
  const live = [...new Set([current, stable])].filter((rs) => rs !== undefined);
  const sum = (f: (rs: NonNullable<typeof current>) => number): number => live.reduce((n, rs) => n + f(rs), 0);
  return {
    replicas: sum((rs) => rs.replicas),
    updatedReplicas: current?.replicas ?? 0,
    readyReplicas: sum((rs) => rs.readyReplicas),
    availableReplicas: current === stable ? (current?.availableReplicas ?? 0) : sum((rs) => rs.availableReplicas),
  };
}

function weightsOf(status: MachineStatus, plan: RolloutPlan | undefined, observations: Observations): Partial<MachineStatus> {
  if (plan === undefined || observations.canaryWeight === undefined) return {};
  const canaryWeight = observations.canaryWeight;
  return {
    canary: {
      ...status.canary,
      weights: {
        canary: { weight: canaryWeight, serviceName: plan.canaryService, podTemplateHash: status.currentPodHash },
        stable: { weight: 100 - canaryWeight, serviceName: plan.stableService, podTemplateHash: status.stableRS },
      },
    },
  };
}

// The part of Rollout.status the machine reads and writes (field names as Argo Rollouts').
export interface PauseCondition {
  readonly reason: string;
  readonly startTime: string;
}

export interface RolloutCondition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly lastUpdateTime?: string;
  readonly lastTransitionTime?: string;
}

export interface WeightDestination {
  readonly weight: number;
  readonly serviceName?: string;
  readonly podTemplateHash?: string;
}

export interface AnalysisRunRef {
  readonly name: string;
  readonly status?: string;
  readonly message?: string;
}

export interface MachineStatus {
  readonly phase?: 'Healthy' | 'Progressing' | 'Paused' | 'Degraded';
  readonly message?: string;
  readonly observedGeneration?: number;
  readonly currentPodHash?: string;
  readonly currentStepHash?: string;
  readonly currentStepIndex?: number;
  readonly stableRS?: string;
  readonly pauseConditions?: readonly PauseCondition[];
  readonly controllerPause?: boolean;
  readonly abort?: boolean;
  readonly abortedAt?: string;
  readonly promoteFull?: boolean;
  readonly restartedAt?: string;
  readonly replicas?: number;
  readonly updatedReplicas?: number;
  readonly readyReplicas?: number;
  readonly availableReplicas?: number;
  readonly selector?: string;
  readonly conditions?: readonly RolloutCondition[];
  readonly canary?: {
    readonly setWeight?: number;
    readonly currentStepAnalysisRunStatus?: AnalysisRunRef;
    readonly currentBackgroundAnalysisRunStatus?: AnalysisRunRef;
    readonly weights?: { readonly canary: WeightDestination; readonly stable: WeightDestination };
  };
  readonly stableGitRevision?: string;
  readonly canaryGitRevision?: string;
  readonly rolledBackTo?: { readonly podTemplateHash: string; readonly gitRevision?: string };
}

/** Sets (or replaces) a condition; lastTransitionTime changes only when its status does. */
export function withCondition(
  conditions: readonly RolloutCondition[] | undefined,
  next: Omit<RolloutCondition, 'lastUpdateTime' | 'lastTransitionTime'>,
  nowIso: string,
): RolloutCondition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === next.type);
  const previous = index >= 0 ? list[index] : undefined;
  if (previous !== undefined && sameCondition(previous, next)) return list;
  const transitioned = previous === undefined || previous.status !== next.status;
  const condition: RolloutCondition = {
    ...next,
    lastUpdateTime: nowIso,
    lastTransitionTime: transitioned ? nowIso : (previous.lastTransitionTime ?? nowIso),
  };
  if (index >= 0) list[index] = condition;
  else list.push(condition);
  return list;
}

function sameCondition(a: Omit<RolloutCondition, 'lastUpdateTime' | 'lastTransitionTime'>, b: typeof a): boolean {
  return a.status === b.status && a.reason === b.reason && a.message === b.message;
}

export function withoutCondition(conditions: readonly RolloutCondition[] | undefined, type: string): RolloutCondition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

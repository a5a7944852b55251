// Test support for the machine's unit tests: a plan builder and a tiny in-memory "cluster" that
// applies the machine's effects (a pure test double: no I/O). Not a test file itself.
import { decide, type Decision } from './decide.ts';
import type { Effect } from './effects.ts';
import type { AnalysisRunView, Observations, ReplicaSetView } from './observations.ts';
import type { PlanStep, RolloutPlan } from './plan.ts';
import type { MachineStatus } from './status.ts';

export const T0 = Date.parse('2026-11-22T10:00:00Z');

export function plan(podHash: string, steps: PlanStep[], extra: Partial<RolloutPlan> = {}): RolloutPlan {
  return {
    name: 'web',
    podHash,
    replicas: 3,
    steps,
    stepsHash: JSON.stringify(steps),
    paused: false,
    scaleDownDelaySeconds: 30,
    abortScaleDownDelaySeconds: 30,
    canaryService: 'web-canary',
    stableService: 'web-stable',
    revisionHistoryLimit: 10,
    dynamicStableScale: false,
    progressDeadlineSeconds: 600,
    progressDeadlineAbort: false,
    analysisRunHistory: { successful: 5, unsuccessful: 5 },
    ...extra,
  };
}

/** A pretend cluster: ReplicaSets become ready at once unless `ready` is false. */
export class World {
  replicaSets = new Map<string, ReplicaSetView>();
  canaryServiceHash: string | undefined;
  stableServiceHash: string | undefined;
  canaryWeight: number | undefined = 0;
  status: MachineStatus = {};
  now = T0;
  ready = true;
  log: Effect[] = [];
  /** AnalysisRuns, when the plan uses analysis (createAnalysisRun adds one, Pending). */
  analysisRuns: AnalysisRunView[] | undefined;

  observations(): Observations {
    return {
      replicaSets: [...this.replicaSets.values()],
      canaryServiceHash: this.canaryServiceHash,
      stableServiceHash: this.stableServiceHash,
      canaryWeight: this.canaryWeight,
      ...(this.analysisRuns === undefined ? {} : { analysisRuns: this.analysisRuns }),
    };
  }

  tick(p: RolloutPlan | undefined, problems: { field: string; message: string }[] = []): Decision {
    const decision = decide({ plan: p, status: this.status, observations: this.observations(), problems, now: this.now });
    for (const effect of decision.effects) this.apply(effect);
    this.log.push(...decision.effects);
    this.status = decision.status;
    return decision;
  }

  /** Ticks until nothing changes (at most 20 times); returns the effects of the last tick. */
  settle(p: RolloutPlan | undefined): Effect[] {
    for (let i = 0; i < 20; i++) {
      const before = JSON.stringify([this.status, this.observations()]);
      const { effects } = this.tick(p);
      if (JSON.stringify([this.status, this.observations()]) === before) return [...effects];
    }
    throw new Error('did not settle');
  }

  apply(effect: Effect): void {
    const handler = this.#handlers[effect.type] as ((params: Effect['params']) => void) | undefined;
    handler?.(effect.params);
  }

  readonly #handlers: { [K in Effect['type']]?: (params: Extract<Effect, { type: K }>['params']) => void } = {
    ensureReplicaSet: (p) => this.#scale(p.hash, p.replicas, p.revision),
    scaleReplicaSet: (p) => this.#scale(p.hash, p.replicas, undefined),
    deleteReplicaSet: (p) => this.replicaSets.delete(p.hash),
    setScaleDownDeadline: (p) => {
      const rs = this.replicaSets.get(p.hash);
      if (rs !== undefined) this.replicaSets.set(rs.hash, { ...rs, scaleDownDeadline: p.deadline ?? undefined });
    },
    setServiceSelector: (p) => {
      if (p.role === 'canary') this.canaryServiceHash = p.hash;
      else this.stableServiceHash = p.hash;
    },
    setCanaryWeight: (p) => (this.canaryWeight = p.canaryWeight),
    createAnalysisRun: ({ name, kind, podHash, stepIndex }) => {
      const run: AnalysisRunView = { name, type: kind, podHash, phase: 'Pending', terminate: false, createdAt: this.now, ...(stepIndex === undefined ? {} : { stepIndex }) };
      this.analysisRuns = [...(this.analysisRuns ?? []), run];
    },
    terminateAnalysisRun: (p) => (this.analysisRuns = (this.analysisRuns ?? []).map((r) => (r.name === p.name ? { ...r, terminate: true } : r))),
    deleteAnalysisRun: (p) => (this.analysisRuns = (this.analysisRuns ?? []).filter((r) => r.name !== p.name)),
  };

  #scale(hash: string, replicas: number, revision: number | undefined): void {
    const existing = this.replicaSets.get(hash);
    const ready = this.ready ? replicas : (existing?.readyReplicas ?? 0);
    this.replicaSets.set(hash, {
      hash,
      revision: revision ?? existing?.revision ?? 0,
      replicas,
      readyReplicas: Math.min(ready, replicas),
      availableReplicas: Math.min(ready, replicas),
      scaleDownDeadline: existing?.scaleDownDeadline,
    });
  }

  makeReady(): void {
    for (const rs of this.replicaSets.values()) {
      this.replicaSets.set(rs.hash, { ...rs, readyReplicas: rs.replicas, availableReplicas: rs.replicas });
    }
  }

  /** What the run controller would write: a run's phase (and message). */
  setRun(name: string, phase: AnalysisRunView['phase'], message?: string): void {
    this.analysisRuns = (this.analysisRuns ?? []).map((r) => (r.name === name ? { ...r, phase, ...(message === undefined ? {} : { message }) } : r));
  }

  events(): string[] {
    return this.log.filter((e) => e.type === 'recordEvent').map((e) => (e.params as { reason: string }).reason);
  }
}


// spec.restartAt (Argo's `kubectl argo rollouts restart`): once the time has come, the pods of the
// stable ReplicaSet created before it are deleted one at a time — the next only when every stable
// pod is available again — and status.restartedAt records that the restart was carried out.
import type { MachineContext } from './context.ts';
import type { Effect } from './effects.ts';
import { replicaSetOf } from './observations.ts';
import type { MachineStatus } from './status.ts';

interface Outcome {
  readonly status: MachineStatus;
  readonly effects: readonly Effect[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

function restartRequested(ctx: MachineContext): number | undefined {
  const at = ctx.plan?.restartAt;
  const done = ctx.status.restartedAt === undefined ? undefined : Date.parse(ctx.status.restartedAt);
  if (at === undefined || done === at) return undefined;
  return at;
}

/** When a future restartAt falls due (ms), so the controller looks again then. */
export function pendingRestart(ctx: MachineContext): number | undefined {
  const at = restartRequested(ctx);
  return at !== undefined && at > ctx.now ? at : undefined;
}

export function restartStable(ctx: MachineContext): Outcome {
  const at = restartRequested(ctx);
  const stable = replicaSetOf(ctx.observations, ctx.status.stableRS);
  // Pods not known yet (their informer is still listing them): nothing is decided, and above all
  // not "no pod left to restart".
  if (at === undefined || at > ctx.now || stable?.pods === undefined) return { status: ctx.status, effects: [] };
  const old = stable.pods.filter((p) => p.createdAt < at).sort((a, b) => a.createdAt - b.createdAt);
  if (old.length === 0) return { status: { ...ctx.status, restartedAt: iso(at) }, effects: [] };
  // One at a time: only when the stable has exactly its pods, all Ready (read from the pods
  // themselves: the ReplicaSet's counts may lag a deletion).
  const live = stable.pods;
  if (live.length !== stable.replicas || !live.every((p) => p.ready)) return { status: ctx.status, effects: [] };
  const first = old[0];
  if (first === undefined) return { status: ctx.status, effects: [] };
  return {
    status: ctx.status,
    effects: [
      { type: 'deletePod', params: { name: first.name } },
      { type: 'recordEvent', params: { eventType: 'Normal', reason: 'RolloutRestarted', message: `Restarted pod ${first.name} (restartAt ${iso(at)})` } },
    ],
  };
}

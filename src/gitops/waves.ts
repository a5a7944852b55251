// Sync waves (Argo CD's `argocd.argoproj.io/sync-wave`, here `sluice.dev/sync-wave`): objects
// are applied wave by wave, lowest first (default 0), and each wave waits until the one before it
// has progressed: every object Healthy — or, for a Rollout, Suspended (a paused canary has done
// what it can until someone promotes it) — while a Degraded one holds everything after it.
// Namespaces and CRDs are applied first whatever their wave (their objects need them). Pure.
import type { KubeObject } from '../kube/object.ts';
import type { DesiredObject } from './desired.ts';
import type { Health } from './health.ts';

export const SYNC_WAVE_ANNOTATION = 'sluice.dev/sync-wave';

export interface Wave {
  readonly wave: number;
  readonly objects: readonly DesiredObject[];
}

export function waveOf(object: KubeObject): number {
  const value = object.metadata.annotations?.[SYNC_WAVE_ANNOTATION];
  const wave = value === undefined ? 0 : Number.parseInt(value, 10);
  return Number.isSafeInteger(wave) ? wave : 0;
}

/** The objects by wave, lowest wave first. */
export function groupWaves(objects: readonly DesiredObject[]): Wave[] {
  const byWave = new Map<number, DesiredObject[]>();
  for (const d of objects) {
    const wave = waveOf(d.object);
    byWave.set(wave, [...(byWave.get(wave) ?? []), d]);
  }
  return [...byWave.entries()].sort(([a], [b]) => a - b).map(([wave, list]) => ({ wave, objects: list }));
}

/** Has this object done what the next wave waits for? */
export function progressed(d: DesiredObject, health: Health, inSync: boolean): boolean {
  if (!inSync) return false;
  return health.status === 'Healthy' || (health.status === 'Suspended' && d.ref.group === 'sluice.dev' && d.ref.kind === 'Rollout');
}

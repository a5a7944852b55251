// What the `app` commands print, from Applications already read. Pure (fixed clock in tests).
import type { Application, HistoryEntry, ResourceStatus } from '../api/application.ts';
import type { KubeObject } from '../kube/object.ts';
import { age } from './render.ts';

export type ApplicationObject = KubeObject & Application;

const short = (sha: string | undefined): string => (sha === undefined || sha === '' ? '-' : sha.slice(0, 7));

/** Columns padded to the widest cell, three spaces apart; the last column is not padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((cells) => (cells[i] ?? '').length)));
  const format = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join('');
  return `${[format(header), ...rows.map(format)].join('\n')}\n`;
}

function summary(a: ApplicationObject): { sync: string; health: string; revision: string; healthy: string } {
  const { sync = {}, health = {}, lastHealthyRevision } = { ...a.status };
  return { sync: sync.status ?? 'Unknown', health: health.status ?? 'Unknown', revision: short(sync.revision), healthy: short(lastHealthyRevision) };
}

export function renderAppList(apps: readonly ApplicationObject[], now: number, allNamespaces: boolean): string {
  const sorted = [...apps].sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
  const rows = sorted.map((a) => {
    const s = summary(a);
    return [...(allNamespaces ? [a.metadata.namespace ?? ''] : []), a.metadata.name, s.sync, s.health, s.revision, s.healthy, age(a.metadata.creationTimestamp, now)];
  });
  return table([...(allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'SYNC', 'HEALTH', 'REVISION', 'LAST-HEALTHY', 'AGE'], rows);
}

export function renderApp(a: ApplicationObject): string {
  const s = summary(a);
  const { source } = a.spec;
  const { health = {}, resources = [] } = { ...a.status };
  const lines = [
    `Name:             ${a.metadata.name}`,
    `Namespace:        ${a.metadata.namespace ?? ''}`,
    `Source:           ${source.repoURL} @ ${source.targetRevision ?? 'HEAD'}${source.path === undefined ? '' : ` (${source.path})`}`,
    `Sync:             ${s.sync} at ${s.revision}`,
    `Health:           ${s.health}${health.message === undefined ? '' : ` (${health.message})`}`,
    `Last healthy:     ${s.healthy}`,
    ...optionalLines(a),
    ...conditionLines(a),
    '',
    resourceTable(resources),
  ];
  return `${lines.join('\n')}`;
}

function optionalLines(a: ApplicationObject): string[] {
  const { autoRevert: pin, operationState: op } = { ...a.status };
  return [
    ...(pin === undefined ? [] : [`Auto-reverted:    to ${short(pin.revision)} after ${short(pin.abortedRevision)} was aborted`]),
    ...(op === undefined ? [] : [`Last operation:   ${op.phase ?? ''} ${short(op.revision)}: ${op.message ?? ''}`]),
    ...(a.spec.suspend === true ? ['Suspended:        yes (spec.suspend)'] : []),
  ];
}

function conditionLines(a: ApplicationObject): string[] {
  return (a.status?.conditions ?? []).filter((c) => c.status === 'True' || c.type === 'Ready').map((c) => `Condition:        ${c.type}=${c.status} ${c.reason ?? ''}${c.message === undefined || c.message === '' ? '' : `: ${c.message}`}`);
}

function resourceTable(resources: readonly ResourceStatus[]): string {
  if (resources.length === 0) return 'No resources applied yet.\n';
  const kind = (r: ResourceStatus): string => (r.group === undefined || r.group === '' ? r.kind : `${r.kind}.${r.group}`);
  const rows = resources.map((r) => [kind(r), r.namespace ?? '', r.name, r.status ?? 'Unknown', r.health?.status ?? 'Unknown', r.health?.message ?? '']);
  return table(['KIND', 'NAMESPACE', 'NAME', 'SYNC', 'HEALTH', 'MESSAGE'], rows).replace(/ +$/gmu, '');
}

export function renderHistory(history: readonly HistoryEntry[]): string {
  if (history.length === 0) return 'No syncs yet.\n';
  const rows = [...history].reverse().map((h) => [String(h.id ?? ''), h.revision, h.deployedAt ?? '', h.result, h.health ?? '-', h.outcome ?? '-', h.message ?? '']);
  return table(['ID', 'REVISION', 'DEPLOYED', 'RESULT', 'HEALTH', 'ROLLOUTS', 'MESSAGE'], rows);
}

/** `app diff`: the objects the controller last found different from Git. */
export function renderDiff(a: ApplicationObject): string {
  const { sync = {}, operationState = {}, resources = [] } = { ...a.status };
  const revision = short(sync.revision);
  if (sync.status === 'Synced') return `Application ${a.metadata.name} is in sync with ${revision}.\n`;
  const pending = operationState.revision === sync.revision ? [] : [`revision ${revision} is not applied yet (last applied: ${short(operationState.revision)})`];
  return `${[...pending, ...resources.filter((r) => r.status !== 'Synced').map(resourceLine)].join('\n')}\n`;
}

function resourceLine(r: ResourceStatus): string {
  const group = r.group === undefined || r.group === '' ? '' : `.${r.group}`;
  const namespace = r.namespace === undefined ? '' : `${r.namespace}/`;
  return `${r.status ?? 'Unknown'}: ${r.kind}${group} ${namespace}${r.name}`;
}

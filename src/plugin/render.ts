// What `kubectl sluice get rollout` and `list rollouts` print, from objects already read: a
// header and a tree (revisions → ReplicaSets → pods, and AnalysisRuns), and a table. Pure: the
// clock and colour are parameters, so the golden tests pin the output byte for byte.
import { POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION, GIT_REVISION_ANNOTATION } from '../api/names.ts';
import type { KubeObject } from '../kube/object.ts';

export interface RolloutView extends KubeObject {
  readonly spec?: {
    readonly replicas?: number;
    readonly paused?: boolean;
    readonly template?: { readonly spec?: { readonly containers?: readonly { readonly name: string; readonly image?: string }[] } };
    readonly strategy?: { readonly canary?: { readonly steps?: readonly unknown[] } };
  };
  readonly status?: {
    readonly phase?: string;
    readonly message?: string;
    readonly currentStepIndex?: number;
    readonly currentPodHash?: string;
    readonly stableRS?: string;
    readonly abort?: boolean;
    readonly replicas?: number;
    readonly updatedReplicas?: number;
    readonly readyReplicas?: number;
    readonly availableReplicas?: number;
    readonly canary?: { readonly setWeight?: number; readonly weights?: { readonly canary?: { readonly weight?: number } } };
    readonly stableGitRevision?: string;
    readonly canaryGitRevision?: string;
  };
}

export interface ReplicaSetView extends KubeObject {
  readonly spec?: { readonly replicas?: number; readonly template?: { readonly spec?: { readonly containers?: readonly { readonly image?: string }[] } } };
  readonly status?: { readonly replicas?: number; readonly readyReplicas?: number; readonly availableReplicas?: number };
}

export interface PodView extends KubeObject {
  readonly status?: { readonly phase?: string; readonly conditions?: readonly { readonly type: string; readonly status: string }[]; readonly containerStatuses?: readonly { readonly restartCount?: number }[] };
}

export interface AnalysisRunView extends KubeObject {
  readonly status?: { readonly phase?: string; readonly metricResults?: readonly { readonly successful?: number; readonly failed?: number; readonly inconclusive?: number; readonly error?: number }[] };
}

export interface RolloutTree {
  readonly rollout: RolloutView;
  readonly replicaSets: readonly ReplicaSetView[];
  readonly pods: readonly PodView[];
  readonly analysisRuns: readonly AnalysisRunView[];
  /** The canary weight the VirtualService carries now, when there is one. */
  readonly actualWeight?: number;
}

export interface RenderOptions {
  readonly now: number;
  readonly color: boolean;
}

const ICONS: Readonly<Record<string, string>> = { Healthy: '✔', Progressing: '◌', Paused: '॥', Degraded: '✖', Successful: '✔', Failed: '✖', Error: '⚠', Inconclusive: '?', Running: '◌', Pending: '◌' };
const COLORS: Readonly<Record<string, string>> = { Healthy: '32', Successful: '32', Progressing: '33', Running: '33', Pending: '33', Paused: '36', Inconclusive: '36', Degraded: '31', Failed: '31', Error: '31' };

function paint(text: string, phase: string, o: RenderOptions): string {
  const code = COLORS[phase];
  return o.color && code !== undefined ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function iconFor(phase: string, o: RenderOptions): string {
  return paint(`${ICONS[phase] ?? '•'} ${phase}`, phase, o);
}

/** kubectl's age: 45s, 12m, 3h, 5d. */
export function age(from: string | undefined, now: number): string {
  const at = from === undefined ? Number.NaN : Date.parse(from);
  if (Number.isNaN(at)) return '<unknown>';
  const s = Math.max(0, Math.floor((now - at) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export function phaseOf(r: RolloutView): string {
  return r.status?.phase ?? 'Progressing';
}

export function stepText(r: RolloutView): string {
  const steps = r.spec?.strategy?.canary?.steps?.length ?? 0;
  if (steps === 0) return '-';
  return `${Math.min(r.status?.currentStepIndex ?? 0, steps)}/${steps}`;
}

function hashOf(o: KubeObject): string {
  return o.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '';
}

function revisionOf(o: KubeObject): number {
  return Number.parseInt(o.metadata.annotations?.[REVISION_ANNOTATION] ?? '0', 10) || 0;
}

/** The numbers a view shows, with the defaults of a Rollout nobody has reconciled yet. */
function numbers(tree: RolloutTree): { setWeight: number; actualWeight: number; desired: number; current: number; updated: number; ready: number; available: number } {
  const { spec = {}, status = {} } = tree.rollout;
  const canary = { setWeight: 0, ...status.canary };
  const reported = { weight: 0, ...canary.weights?.canary };
  const counts = { replicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0, ...status };
  return {
    setWeight: canary.setWeight,
    actualWeight: tree.actualWeight ?? reported.weight,
    desired: spec.replicas ?? 1,
    current: counts.replicas,
    updated: counts.updatedReplicas,
    ready: counts.readyReplicas,
    available: counts.availableReplicas,
  };
}

function rolesOf(r: RolloutView): Roles {
  const { stableRS: stable, currentPodHash: current } = { ...r.status };
  return { stable, canary: current !== stable ? current : undefined };
}

export function renderRollout(tree: RolloutTree, o: RenderOptions): string {
  const { rollout: r } = tree;
  const message = r.status?.message ?? '';
  const n = numbers(tree);
  const roles = rolesOf(r);
  const lines = [
    `Name:            ${r.metadata.name}`,
    `Namespace:       ${r.metadata.namespace ?? ''}`,
    `Status:          ${iconFor(phaseOf(r), o)}`,
    ...(message === '' ? [] : [`Message:         ${message}`]),
    `Strategy:        Canary`,
    `  Step:          ${stepText(r)}`,
    `  SetWeight:     ${n.setWeight}`,
    `  ActualWeight:  ${n.actualWeight}`,
    ...imageLines(tree, roles),
    `Replicas:`,
    `  Desired:       ${n.desired}`,
    `  Current:       ${n.current}`,
    `  Updated:       ${n.updated}`,
    `  Ready:         ${n.ready}`,
    `  Available:     ${n.available}`,
    '',
    ...treeLines(tree, roles, o),
  ];
  return `${lines.join('\n')}\n`;
}

function roleOf(hash: string, roles: Roles): string | undefined {
  if (hash === roles.stable) return 'stable';
  return hash === roles.canary ? 'canary' : undefined;
}

function imagesOf(rs: ReplicaSetView): string[] {
  return (rs.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '');
}

function imageLines(tree: RolloutTree, roles: Roles): string[] {
  const images = tree.replicaSets.flatMap((rs) => {
    const role = roleOf(hashOf(rs), roles);
    return role === undefined ? [] : imagesOf(rs).map((image) => `${image} (${role})`);
  });
  return images.length === 0 ? [] : [`Images:          ${images.join('\n                 ')}`];
}

interface Roles {
  readonly stable: string | undefined;
  readonly canary: string | undefined;
}

function treeLines(tree: RolloutTree, roles: Roles, o: RenderOptions): string[] {
  const { rollout: r } = tree;
  const header = `NAME${' '.repeat(40)}KIND          STATUS          AGE   INFO`;
  const lines = [header, row([`⟳ ${r.metadata.name}`, 'Rollout', iconFor(phaseOf(r), o), age(r.metadata.creationTimestamp, o.now), ''])];
  const sets = [...tree.replicaSets].sort((a, b) => revisionOf(b) - revisionOf(a));
  sets.forEach((rs, i) => {
    const lastSet = i === sets.length - 1 && tree.analysisRuns.length === 0;
    lines.push(...replicaSetLines(rs, tree, roles, { last: lastSet, o }));
  });
  const created = (x: KubeObject): string => x.metadata.creationTimestamp ?? '';
  const runs = [...tree.analysisRuns].sort((a, b) => created(b).localeCompare(created(a)) || a.metadata.name.localeCompare(b.metadata.name));
  runs.forEach((run, i) => lines.push(analysisRunLine(run, i === runs.length - 1, o)));
  return lines;
}

/** name, kind, status, age, info: padded by visible width (colour codes take no columns). */
function row(cells: readonly [string, string, string, string, string]): string {
  const visible = (s: string): number => s.replace(/\u001b\[[0-9;]*m/gu, '').length;
  const pad = (s: string, width: number): string => s + ' '.repeat(Math.max(1, width - visible(s)));
  const [name, kind, status, ageText, info] = cells;
  return `${pad(name, 44)}${pad(kind, 14)}${pad(status, 16)}${pad(ageText, 6)}${info}`.trimEnd();
}

function replicaSetPhase(rs: ReplicaSetView, o: RenderOptions): string {
  const desired = rs.spec?.replicas ?? 0;
  if (desired === 0) return '• ScaledDown';
  return iconFor((rs.status?.readyReplicas ?? 0) >= desired ? 'Healthy' : 'Progressing', o);
}

function replicaSetLines(rs: ReplicaSetView, tree: RolloutTree, roles: Roles, at: { last: boolean; o: RenderOptions }): string[] {
  const hash = hashOf(rs);
  const [branch, indent] = at.last ? ['└──', '    '] : ['├──', '│   '];
  const tags = [roleOf(hash, roles), rs.metadata.annotations?.[GIT_REVISION_ANNOTATION]?.slice(0, 7)].filter((t): t is string => t !== undefined);
  const lines = [
    row([`${branch} # revision:${revisionOf(rs)}`, '', '', '', '']),
    row([`${indent}└──⧉ ${rs.metadata.name}`, 'ReplicaSet', replicaSetPhase(rs, at.o), age(rs.metadata.creationTimestamp, at.o.now), tags.join(',')]),
  ];
  const pods = tree.pods.filter((p) => hashOf(p) === hash).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  pods.forEach((pod, i) => lines.push(podLine(pod, `${indent}    ${i === pods.length - 1 ? '└──' : '├──'}`, at.o)));
  return lines;
}

function podLine(pod: PodView, prefix: string, o: RenderOptions): string {
  const { conditions = [], containerStatuses = [], phase = 'Pending' } = { ...pod.status };
  const ready = conditions.some((c) => c.type === 'Ready' && c.status === 'True');
  const restarts = containerStatuses.reduce((n, c) => n + (c.restartCount ?? 0), 0);
  const icon = ready ? paint('✔ Running', 'Healthy', o) : iconFor(phase, o);
  return row([`${prefix}□ ${pod.metadata.name}`, 'Pod', icon, age(pod.metadata.creationTimestamp, o.now), `ready:${ready ? 1 : 0}/1${restarts > 0 ? `,restarts:${restarts}` : ''}`]);
}

function measurementCounts(run: AnalysisRunView): string {
  const counts = { '✔': 0, '✖': 0, '?': 0, '⚠': 0 };
  for (const result of run.status?.metricResults ?? []) {
    const m = { successful: 0, failed: 0, inconclusive: 0, error: 0, ...result };
    counts['✔'] += m.successful;
    counts['✖'] += m.failed;
    counts['?'] += m.inconclusive;
    counts['⚠'] += m.error;
  }
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([icon, n]) => `${icon} ${n}`)
    .join(',');
}

function analysisRunLine(run: AnalysisRunView, last: boolean, o: RenderOptions): string {
  const phase = run.status?.phase ?? 'Pending';
  return row([`${last ? '└──' : '├──'}α ${run.metadata.name}`, 'AnalysisRun', iconFor(phase, o), age(run.metadata.creationTimestamp, o.now), measurementCounts(run)]);
}

export interface ListRow {
  readonly rollout: RolloutView;
  readonly actualWeight?: number;
}

function listCells(entry: ListRow, o: RenderOptions & { readonly allNamespaces: boolean }): string[] {
  const { rollout: r } = entry;
  const n = numbers({ rollout: r, replicaSets: [], pods: [], analysisRuns: [], ...(entry.actualWeight === undefined ? {} : { actualWeight: entry.actualWeight }) });
  const namespace = o.allNamespaces ? [r.metadata.namespace ?? ''] : [];
  return [...namespace, r.metadata.name, phaseOf(r), stepText(r), String(n.setWeight), String(n.actualWeight), age(r.metadata.creationTimestamp, o.now)];
}

export function renderList(rows: readonly ListRow[], o: RenderOptions & { readonly allNamespaces: boolean }): string {
  const header = [...(o.allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'STATUS', 'STEP', 'SET-WEIGHT', 'ACTUAL-WEIGHT', 'AGE'];
  const ns = (r: RolloutView): string => r.metadata.namespace ?? '';
  const table = [...rows]
    .sort((a, b) => ns(a.rollout).localeCompare(ns(b.rollout)) || a.rollout.metadata.name.localeCompare(b.rollout.metadata.name))
    .map((entry) => listCells(entry, o));
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((cells) => (cells[i] ?? '').length)));
  const statusColumn = o.allNamespaces ? 2 : 1;
  const format = (cells: readonly string[], colour: boolean): string =>
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3);
        return colour && i === statusColumn ? paint(padded, c, o) : padded;
      })
      .join('');
  return `${[format(header, false), ...table.map((cells) => format(cells, true))].join('\n')}\n`;
}

// DEMO COMPONENT — not part of the Sluice controller.
//
// `make demo`: `node demo/story.ts up` then `node demo/story.ts play`; `make demo-down`: `down`.
//   up    starts (or reuses) the keeper (demo/keeper.ts): control plane, Prometheus, git daemon,
//         the controller from this checkout; prints where they are
//   play  one story run in a fresh namespace and Git repository: v1 syncs and becomes Healthy,
//         v2 (good) goes through every canary step with Successful analysis and is promoted,
//         v3 (bad: ERROR_RATE 0.3) fails analysis and is rolled back to v2. Each change is a Git
//         commit, announced to the controller by its signed webhook. Narrates as it happens,
//         ends with a summary; exits 0 only if the story came out as expected
//   down  stops the keeper and everything it started
// playStory() is the story itself, for the test (test/demo/story.test.ts) to run in-process.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dump, load } from 'js-yaml';
import type { AnalysisRun } from '../src/api/analysis.ts';
import type { Application } from '../src/api/application.ts';
import type { RolloutStatus } from '../src/api/rollout.ts';
import { serverSideApply } from '../src/kube/apply.ts';
import { loadKubeConfig, makeKubeClients, type KubeClients } from '../src/kube/client.ts';
import type { KubeObject } from '../src/kube/object.ts';
import { binDir, repoRoot } from '../test/harness/paths.ts';
import { isAlive } from '../test/harness/stale.ts';
import { waitFor } from '../test/harness/wait.ts';
import { APP, HOST, type DemoEnv, type DemoRun, type SplitSegment } from './env.ts';
import { demoLogPath, demoStateDir, demoStatePath, type KeeperState } from './keeper.ts';

const API = '/apis/sluice.dev/v1alpha1';
const CANARY = `${APP}-canary`;
const STABLE = `${APP}-stable`;
const STEP_WEIGHTS = [10, 30, 60, 100] as const;

export interface StoryOptions {
  /** Narration (default: none). */
  readonly log?: (line: string) => void;
  /** The pause after each setWeight, seconds (default 5). */
  readonly pauseSeconds?: number;
  /** The analysis templates' measurement interval, seconds (default 5; count 3, window 10s). */
  readonly intervalSeconds?: number;
  /** The load generator's rate (default 250 rps). */
  readonly rps?: number;
  /** The namespace of this run (default demo-<time>). */
  readonly namespace?: string;
}

export interface WeightChange {
  /** Seconds since the story started. */
  readonly t: number;
  readonly version: string;
  readonly step: string;
  readonly setWeight: number | undefined;
  readonly canaryWeight: number | undefined;
  readonly phase: string | undefined;
}

export interface AnalysisValue {
  readonly run: string;
  readonly version: string;
  readonly metric: string;
  readonly value: string | undefined;
  readonly phase: string;
}

export interface StepSplit {
  readonly version: string;
  /** The canary weight the controller wrote (as the mesh saw it on the VirtualService). */
  readonly weight: number;
  readonly requests: number;
  /** Percent of those requests the mesh sent to the canary Service. */
  readonly observed: number;
  readonly seconds: number;
}

export interface StoryResult {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly namespace: string;
  readonly commits: Readonly<Record<'v1' | 'v2' | 'v3', string>>;
  /** Seconds per part. */
  readonly durations: Readonly<Record<'v1' | 'v2' | 'v3', number>>;
  readonly promoted: string | undefined;
  readonly rolledBack: { readonly version: string; readonly to: string | undefined; readonly metric: string; readonly value: string; readonly condition: string; readonly message: string } | undefined;
  readonly lastHealthyRevision: string | undefined;
  readonly weights: readonly WeightChange[];
  readonly analysis: readonly AnalysisValue[];
  readonly splits: readonly StepSplit[];
  /** The analysis templates' measurement interval, seconds. */
  readonly intervalSeconds: number;
  readonly summary: string;
}

type Rollout = KubeObject & { spec: { strategy?: { canary?: { steps?: unknown[] } } }; status?: RolloutStatus };
type Run = KubeObject & AnalysisRun;
type App = KubeObject & Application;

// ---------------------------------------------------------------------------------------------
// The manifests in Git.

/** The stock templates (analysis-templates/), copied as namespaced AnalysisTemplates that measure every `interval` s. */
export function analysisTemplates(prometheusUrl: string, intervalSeconds: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of ['error-rate', 'latency-p95']) {
    const stock = load(readFileSync(join(repoRoot, 'analysis-templates', `${name}.yaml`), 'utf8')) as {
      kind: string; metadata: Record<string, unknown>; spec: { args: { name: string; value?: string }[]; metrics: { interval?: string }[] };
    };
    stock.kind = 'AnalysisTemplate';
    stock.metadata = { name };
    const defaults: Record<string, string> = { window: `${intervalSeconds * 2}s`, count: '3', 'prometheus-address': prometheusUrl };
    for (const arg of stock.spec.args) if (defaults[arg.name] !== undefined) arg.value = defaults[arg.name];
    for (const metric of stock.spec.metrics) metric.interval = `${intervalSeconds}s`;
    files[`app/analysis/${name}.yaml`] = `# A copy of analysis-templates/${name}.yaml for the demo: the stock template measures once a\n` +
      `# minute (its interval is fixed); this one every ${intervalSeconds}s, 3 times, over a ${intervalSeconds * 2}s window.\n${dump(stock, { lineWidth: 200 })}`;
  }
  return files;
}

const network = `apiVersion: v1
kind: Service
metadata: {name: ${CANARY}}
spec:
  ports: [{port: 80, targetPort: http, name: http}]
  selector: {app: ${APP}}
---
apiVersion: v1
kind: Service
metadata: {name: ${STABLE}}
spec:
  ports: [{port: 80, targetPort: http, name: http}]
  selector: {app: ${APP}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${APP}}
spec:
  hosts: [${HOST}, ${APP}]
  gateways: [mesh]
  http:
  - name: primary
    route:
    - destination: {host: ${STABLE}}
      weight: 100
    - destination: {host: ${CANARY}}
      weight: 0
`;

export function rollout(version: string, errorRate: number, pauseSeconds: number): string {
  const analysis = `  - analysis:
      templates: [{templateName: error-rate}, {templateName: latency-p95}]
      args:
      - {name: service, value: ${CANARY}}
      - name: namespace
        valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
`;
  const steps = STEP_WEIGHTS.map((w) => `  - setWeight: ${w}\n  - pause: {duration: ${pauseSeconds}s}\n${w < 100 ? analysis : ''}`).join('');
  return `apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata: {name: ${APP}}
spec:
  replicas: 2
  revisionHistoryLimit: 2
  selector:
    matchLabels: {app: ${APP}}
  template:
    metadata:
      labels: {app: ${APP}, app.kubernetes.io/version: ${version}}
    spec:
      containers:
      - name: ${APP}
        image: registry.invalid/${APP}:${version}
        ports: [{name: http, containerPort: 8080}]
        env:
        - {name: VERSION, value: ${version}}
        - {name: ERROR_RATE, value: "${errorRate}"}
  strategy:
    canary:
      canaryService: ${CANARY}
      stableService: ${STABLE}
      trafficRouting:
        istio:
          virtualService: {name: ${APP}, routes: [primary]}
      steps:
${steps.replace(/^/gmu, '      ').trimEnd()}
`;
}

// ---------------------------------------------------------------------------------------------
// The story.

const short = (sha: string | undefined): string => (sha ?? '?').slice(0, 7);

export async function playStory(env: DemoEnv, options: StoryOptions = {}): Promise<StoryResult> {
  const log = options.log ?? ((): void => undefined);
  const pauseSeconds = options.pauseSeconds ?? 5;
  const intervalSeconds = options.intervalSeconds ?? 5;
  const rps = options.rps ?? 250;
  const namespace = options.namespace ?? `demo-${new Date().toISOString().replace(/[-:T]/gu, '').slice(4, 14)}`;
  const clients = makeKubeClients(loadKubeConfig(env.kubeconfigPath));
  const started = performance.now();
  const since = (): number => (performance.now() - started) / 1000;
  const say = (line: string): void => log(`[${since().toFixed(1).padStart(5)}s] ${line}`);
  const problems: string[] = [];

  const run = await env.startRun(namespace, rps);
  say(`namespace ${namespace}; Git repository ${run.repoUrl}; ${rps} requests/s through the mesh at ${run.meshUrl} (Host: ${HOST})`);

  const watcher = new Watcher(clients, env, run, say);
  const commits: Record<string, string> = {};
  const durations: Record<string, number> = {};
  const versionOf = (sha: string | undefined): string => Object.entries(commits).find(([, s]) => s === sha)?.[0] ?? short(sha);
  watcher.versionOf = versionOf;

  const webhook = async (): Promise<void> => {
    const body = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: run.repoUrl } });
    const signature = `sha256=${createHmac('sha256', env.webhookSecret).update(body).digest('hex')}`;
    const res = await fetch(`${env.controllerUrl}/webhook/git`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature }, body });
    if (res.status !== 200 && res.status !== 202) throw new Error(`webhook: HTTP ${res.status} ${await res.text()}`);
  };
  const commit = async (version: string, files: Record<string, string>, message: string): Promise<string> => {
    const sha = await env.commit(files, message);
    commits[version] = sha;
    say(`git commit ${short(sha)} "${message}"`);
    return sha;
  };
  const part = async (version: string, what: string, body: () => Promise<void>): Promise<void> => {
    const t0 = since();
    log('');
    log(`── ${version}: ${what}`);
    try {
      await body();
    } catch (error) {
      problems.push(`${version}: ${error instanceof Error ? error.message : String(error)}`);
    }
    durations[version] = since() - t0;
  };

  try {
    await watcher.start();
    await part('v1', 'the first version syncs from Git and becomes Healthy (no steps: there is nothing to compare with)', async () => {
      const sha = await commit('v1', { 'app/network.yaml': network, ...analysisTemplates(env.prometheusUrl, intervalSeconds), 'app/rollout.yaml': rollout('v1', 0, pauseSeconds) }, 'web v1');
      await serverSideApply(clients, {
        apiVersion: 'sluice.dev/v1alpha1',
        kind: 'Application',
        metadata: { name: APP, namespace },
        spec: {
          source: { repoURL: run.repoUrl, targetRevision: 'main', path: 'app' },
          syncPolicy: { automated: { prune: true, selfHeal: true }, interval: '5m' },
        },
      }, { fieldManager: 'sluice-demo', force: true });
      say(`Application ${namespace}/${APP} → ${run.repoUrl} (path app, branch main); syncs are started by the webhook`);
      await watcher.until('v1 Healthy', (r) => r?.status?.phase === 'Healthy' && r.status.stableGitRevision === sha, 90);
    });
    if (problems.length === 0) {
      await part('v2', `a good release: ${STEP_WEIGHTS.join('% → ')}%, ${pauseSeconds}s pauses, then analysis (error-rate, latency-p95: copies of the stock templates measuring every ${intervalSeconds}s, 3 times)`, async () => {
        const sha = await commit('v2', { 'app/rollout.yaml': rollout('v2', 0, pauseSeconds) }, 'web v2');
        await webhook();
        say('webhook: POST /webhook/git (signed) → the Application syncs now');
        await watcher.until('v2 promoted', (r) => {
          if (r?.status?.phase === 'Degraded') throw new Error(`v2 was aborted: ${r.status.message ?? ''}`);
          return r?.status?.phase === 'Healthy' && r.status.stableGitRevision === sha;
        }, 180);
      });
    }
    if (problems.length === 0) {
      await part('v3', 'a bad release (ERROR_RATE 0.3: 3 requests in 10 answer 500)', async () => {
        const sha = await commit('v3', { 'app/rollout.yaml': rollout('v3', 0.3, pauseSeconds) }, 'web v3 (bad)');
        await webhook();
        say('webhook: POST /webhook/git (signed) → the Application syncs now');
        await watcher.until('v3 rolled back', (r) => {
          if (r?.status?.phase === 'Healthy' && r.status.stableGitRevision === sha) throw new Error('v3 was promoted');
          return r?.status?.phase === 'Degraded' && r.status.rolledBackTo !== undefined;
        }, 120);
        await watcher.untilApp('lastHealthyRevision = v2', (a) => a.status?.lastHealthyRevision === commits.v2 && a.status?.history?.some((h) => h.revision === sha && h.outcome === 'Aborted') === true, 30);
      });
    }
  } finally {
    watcher.stop();
  }
  // The last segments' counts, then the verdict.
  const segments = await env.segments();
  const splits = watcher.splits(segments);
  const r = watcher.rollout;
  const app = watcher.app;
  const failed = watcher.failedMetric();
  const rolledBack = r?.status?.phase === 'Degraded'
    ? { version: versionOf(r.status.canaryGitRevision), to: r.status.rolledBackTo?.gitRevision, metric: failed?.metric ?? '?', value: failed?.value ?? '?', condition: failed?.condition ?? '?', message: r.status.message ?? '' }
    : undefined;
  const promoted = durations.v2 !== undefined && watcher.weights.some((w) => w.version === 'v2' && w.phase === 'Healthy') ? 'v2' : undefined;
  const result0 = { promoted, rolledBack, lastHealthyRevision: app?.status?.lastHealthyRevision };

  // Expectations.
  if (problems.length === 0) {
    if (result0.promoted !== 'v2') problems.push('v2 was not promoted');
    if (rolledBack?.version !== 'v3' || rolledBack.to !== commits.v2) problems.push(`expected v3 rolled back to v2's commit, got ${JSON.stringify(rolledBack)}`);
    if (rolledBack !== undefined && rolledBack.metric !== 'error-rate') problems.push(`v3 failed on ${rolledBack.metric}, expected error-rate`);
    if (result0.lastHealthyRevision !== commits.v2) problems.push(`lastHealthyRevision ${short(result0.lastHealthyRevision)}, expected v2's ${short(commits.v2)}`);
    const v2Runs = new Set(watcher.analysis.filter((a) => a.version === 'v2').map((a) => a.run));
    if (v2Runs.size !== STEP_WEIGHTS.length - 1) problems.push(`v2 had ${v2Runs.size} analysis runs, expected ${STEP_WEIGHTS.length - 1}`);
    for (const name of v2Runs) {
      const phase = watcher.runPhase(name);
      if (phase !== 'Successful') problems.push(`v2's analysis ${name} ended ${phase ?? '?'}`);
    }
    for (const weight of STEP_WEIGHTS) {
      const split = splits.find((s) => s.version === 'v2' && s.weight === weight);
      if (split === undefined) problems.push(`no traffic measured at v2's ${weight}% step`);
      else if (split.requests >= 1000 && Math.abs(split.observed - weight) > 3) problems.push(`v2 at ${weight}%: the mesh sent ${split.observed.toFixed(1)}%`);
      else if (split.requests < 1000 && weight < 100) problems.push(`v2 at ${weight}%: only ${split.requests} requests`);
    }
    for (const s of splits.filter((x) => x.requests >= 1000 && x.weight > 0 && x.weight < 100)) {
      if (Math.abs(s.observed - s.weight) > 3) problems.push(`${s.version} at ${s.weight}%: the mesh sent ${s.observed.toFixed(1)}% of ${s.requests}`);
    }
  }

  const result: Omit<StoryResult, 'summary'> = {
    ok: problems.length === 0,
    problems,
    namespace,
    commits: { v1: commits.v1 ?? '', v2: commits.v2 ?? '', v3: commits.v3 ?? '' },
    durations: { v1: durations.v1 ?? 0, v2: durations.v2 ?? 0, v3: durations.v3 ?? 0 },
    ...result0,
    weights: watcher.weights,
    analysis: watcher.analysis,
    splits,
    intervalSeconds,
  };
  return { ...result, summary: summarize(result, env, run, since()) };
}

/** Polls the Rollout, its AnalysisRuns, the Application and the mesh's segments; narrates each change. */
class Watcher {
  rollout: Rollout | undefined;
  app: App | undefined;
  readonly weights: WeightChange[] = [];
  readonly analysis: AnalysisValue[] = [];
  versionOf: (sha: string | undefined) => string = short;
  readonly #runs = new Map<string, Run>();
  readonly #seen = new Set<string>();
  #segmentsSeen = 0;
  #lastRollout = '';
  #lastApp = '';
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> = Promise.resolve();
  readonly #started = performance.now();
  readonly #startedEpoch = Date.now();
  readonly #clients: KubeClients;
  readonly #env: DemoEnv;
  readonly #run: DemoRun;
  readonly #say: (line: string) => void;

  constructor(clients: KubeClients, env: DemoEnv, run: DemoRun, say: (line: string) => void) {
    this.#clients = clients;
    this.#env = env;
    this.#run = run;
    this.#say = say;
  }

  async start(): Promise<void> {
    await this.poll();
    this.#timer = setInterval(() => {
      this.#polling = this.#polling.then(() => this.poll()).catch((error: unknown) => this.#say(`(watch: ${String(error)})`));
    }, 200);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Waits for check to hold; an error check throws ends the wait at once. */
  async until(what: string, check: (r: Rollout | undefined) => boolean, timeoutSeconds: number): Promise<void> {
    let fatal: Error | undefined;
    await waitFor(what, async () => {
      await this.#polling;
      try {
        return check(this.rollout);
      } catch (error) {
        fatal = error instanceof Error ? error : new Error(String(error));
        return false;
      }
    }, { timeoutMs: timeoutSeconds * 1000, intervalMs: 200, assertAlive: () => { if (fatal !== undefined) throw fatal; } });
  }

  async untilApp(what: string, check: (a: App) => boolean, timeoutSeconds: number): Promise<void> {
    await waitFor(what, async () => {
      await this.#polling;
      return this.app !== undefined && check(this.app);
    }, { timeoutMs: timeoutSeconds * 1000, intervalMs: 200 });
  }

  runPhase(name: string): string | undefined {
    return this.#runs.get(name)?.status?.phase;
  }

  failedMetric(): { metric: string; value: string; condition: string } | undefined {
    for (const run of [...this.#runs.values()].reverse()) {
      const m = run.status?.metricResults?.find((x) => x.phase === 'Failed');
      if (m === undefined) continue;
      const spec = run.spec.metrics.find((x) => x.name === m.name);
      return { metric: m.name, value: m.measurements?.at(-1)?.value ?? '?', condition: resolved(run, spec?.successCondition) };
    }
    return undefined;
  }

  splits(segments: readonly SplitSegment[]): StepSplit[] {
    const out: StepSplit[] = [];
    for (const s of segments) {
      const weight = s.weights[CANARY];
      if (weight === undefined || s.total === 0) continue;
      const at = s.startedAt;
      // Which version was the canary when this segment started: the last weight change before it.
      const version = [...this.weights].reverse().find((w) => this.#startedEpoch + w.t * 1000 <= at + 1000 && w.canaryWeight !== undefined)?.version ?? '?';
      const seconds = ((s.endedAt ?? Date.now()) - s.startedAt) / 1000;
      out.push({ version: weight === 0 ? 'stable' : version, weight, requests: s.total, observed: ((s.byService[CANARY] ?? 0) / s.total) * 100, seconds });
    }
    return out.filter((s) => s.version !== 'stable');
  }

  private async poll(): Promise<void> {
    const ns = this.#run.namespace;
    const t = (performance.now() - this.#started) / 1000;
    try {
      this.rollout = await this.#clients.request<Rollout>({ method: 'GET', path: `${API}/namespaces/${ns}/rollouts/${APP}` });
    } catch {
      this.rollout = undefined;
    }
    try {
      this.app = await this.#clients.request<App>({ method: 'GET', path: `${API}/namespaces/${ns}/applications/${APP}` });
    } catch {
      this.app = undefined;
    }
    const runs = await this.#clients.request<{ items: Run[] }>({ method: 'GET', path: `${API}/namespaces/${ns}/analysisruns` });
    for (const run of runs.items) this.#runs.set(run.metadata.name, run);

    const app = this.app;
    if (app !== undefined) {
      const key = `${app.status?.sync?.status ?? '?'} ${short(app.status?.sync?.revision)} · health ${app.status?.health?.status ?? '?'}`;
      if (key !== this.#lastApp) {
        this.#lastApp = key;
        this.#say(`Application: ${key} (${this.versionOf(app.status?.sync?.revision)})`);
      }
    }
    const r = this.rollout;
    if (r?.status !== undefined) {
      const s = r.status;
      const steps = r.spec.strategy?.canary?.steps?.length ?? 0;
      const version = this.versionOf(s.canaryGitRevision ?? s.stableGitRevision);
      const stepRun = s.canary?.currentStepAnalysisRunStatus;
      const step = s.currentStepIndex === undefined ? '-' : `${Math.min(s.currentStepIndex + 1, steps)}/${steps}`;
      const canaryWeight = s.canary?.weights?.canary.weight;
      const key = `${version} ${step} ${s.canary?.setWeight} ${canaryWeight} ${s.phase} ${stepRun?.name} ${stepRun?.status}`;
      if (key !== this.#lastRollout) {
        this.#lastRollout = key;
        this.weights.push({ t, version, step, setWeight: s.canary?.setWeight, canaryWeight, phase: s.phase });
        const analysis = stepRun === undefined ? '' : ` · analysis ${stepRun.name} ${stepRun.status ?? ''}`;
        const weights = s.canary?.weights === undefined ? '' : ` · weights stable ${s.canary.weights.stable.weight} / canary ${s.canary.weights.canary.weight}`;
        this.#say(`Rollout ${version}: step ${step} · setWeight ${s.canary?.setWeight ?? '-'}${weights} · phase ${s.phase ?? '?'}${analysis}`);
        if (s.phase === 'Degraded' && s.message !== undefined) this.#say(`  ${s.message}`);
      }
    }
    for (const run of this.#runs.values()) {
      const version = this.versionOf(run.metadata.annotations?.['sluice.dev/git-revision']);
      for (const m of run.status?.metricResults ?? []) {
        for (const [i, x] of (m.measurements ?? []).entries()) {
          if (x.phase === 'Running' || x.phase === 'Pending') continue;
          const id = `${run.metadata.name}/${m.name}/${x.startedAt ?? i}`;
          if (this.#seen.has(id)) continue;
          this.#seen.add(id);
          this.analysis.push({ run: run.metadata.name, version, metric: m.name, value: x.value, phase: x.phase });
          const spec = run.spec.metrics.find((y) => y.name === m.name);
          this.#say(`  analysis ${run.metadata.name}: ${m.name} = ${formatValue(x.value)} → ${x.phase} (${resolved(run, spec?.successCondition)})`);
        }
      }
      const done = `${run.metadata.name}/phase/${run.status?.phase ?? ''}`;
      if (['Successful', 'Failed', 'Error', 'Inconclusive'].includes(run.status?.phase ?? '') && !this.#seen.has(done)) {
        this.#seen.add(done);
        this.#say(`  analysis ${run.metadata.name}: ${run.status?.phase ?? ''}${run.status?.message === undefined ? '' : ` — ${run.status.message}`}`);
      }
    }
    const segments = await this.#env.segments();
    for (const seg of segments.slice(this.#segmentsSeen, -1)) {
      const canary = seg.weights[CANARY];
      if (canary !== undefined && seg.total > 0) {
        const observed = ((seg.byService[CANARY] ?? 0) / seg.total) * 100;
        this.#say(`  mesh: at canary weight ${canary}% it sent ${observed.toFixed(1)}% of ${seg.total} requests to ${CANARY} (${formatCodes(seg.byCode)})`);
      }
    }
    this.#segmentsSeen = Math.max(this.#segmentsSeen, segments.length - 1);
  }
}

/** A template's condition with the run's arguments filled in. */
function resolved(run: Run, condition: string | undefined): string {
  const args = new Map((run.spec.args ?? []).map((a) => [a.name, a.value]));
  return (condition ?? '?').replace(/\{\{\s*args\.([-\w]+)\s*\}\}/gu, (all, name: string) => args.get(name) ?? all);
}

function formatValue(value: string | undefined): string {
  if (value === undefined) return '(none)';
  const inner = value.replace(/^\[|\]$/gu, '').trim();
  if (inner === '') return '(no data)';
  const n = Number(inner);
  return Number.isFinite(n) ? String(Math.round(n * 10000) / 10000) : value;
}

const formatCodes = (codes: Readonly<Record<string, number>>): string => Object.entries(codes).map(([c, n]) => `${n}×${c}`).join(', ');

function summarize(r: Omit<StoryResult, 'summary'>, env: DemoEnv, run: DemoRun, total: number): string {
  const lines: string[] = ['', '══ Summary'];
  lines.push(`namespace ${r.namespace}, repository ${run.repoUrl}`);
  lines.push(`commits: v1 ${short(r.commits.v1)} · v2 ${short(r.commits.v2)} · v3 ${short(r.commits.v3)}`);
  lines.push(`time: v1 ${r.durations.v1.toFixed(1)} s · v2 ${r.durations.v2.toFixed(1)} s · v3 ${r.durations.v3.toFixed(1)} s · story ${total.toFixed(1)} s`);
  lines.push(`promoted: ${r.promoted ?? 'nothing'}${r.promoted === undefined ? '' : ` (commit ${short(r.commits.v2)})`}`);
  if (r.rolledBack === undefined) lines.push('rolled back: nothing');
  else lines.push(`rolled back: ${r.rolledBack.version} (commit ${short(r.commits.v3)}) to ${r.rolledBack.to === r.commits.v2 ? 'v2' : '?'} (commit ${short(r.rolledBack.to)}): metric ${r.rolledBack.metric} measured ${formatValue(r.rolledBack.value)}, limit ${r.rolledBack.condition}`);
  lines.push(`Application lastHealthyRevision: ${short(r.lastHealthyRevision)} (${r.lastHealthyRevision === r.commits.v2 ? 'v2' : '?'})`);
  lines.push('traffic per step (weight set by the controller vs share the mesh observed):');
  for (const s of r.splits) lines.push(`  ${s.version} canary ${String(s.weight).padStart(3)}%  observed ${s.observed.toFixed(1).padStart(5)}%  over ${String(s.requests).padStart(5)} requests (${s.seconds.toFixed(1)} s)`);
  const byMetric = new Map<string, string[]>();
  for (const a of r.analysis) byMetric.set(`${a.version} ${a.metric}`, [...(byMetric.get(`${a.version} ${a.metric}`) ?? []), `${formatValue(a.value)}${a.phase === 'Successful' ? '' : ` (${a.phase})`}`]);
  lines.push('analysis values:');
  for (const [k, v] of byMetric) lines.push(`  ${k}: ${v.join(', ')}`);
  lines.push(r.ok ? 'RESULT: the story came out as expected' : `RESULT: FAILED\n${r.problems.map((p) => `  - ${p}`).join('\n')}`);
  lines.push('');
  lines.push('Try next:');
  lines.push(`  export PATH=${dirname(process.execPath)}:${binDir}:$PATH   # Node 24 and kubectl`);
  lines.push(`  export KUBECONFIG=${existsSync(demoStatePath) ? join(demoStateDir, 'kubeconfig') : env.kubeconfigPath}`);
  lines.push(`  node src/cli/kubectl-sluice.ts get rollout ${APP} -n ${r.namespace} --watch   # kubectl sluice, from this checkout`);
  lines.push(`  node src/cli/kubectl-sluice.ts app get ${APP} -n ${r.namespace}`);
  lines.push(`  kubectl get applications,analysisruns -n ${r.namespace}`);
  lines.push(`  Prometheus ${env.prometheusUrl}/graph — e.g.`);
  lines.push(`    sum by (destination_service_name) (rate(istio_requests_total{reporter="source",destination_service_namespace="${r.namespace}"}[30s]))`);
  lines.push(`    sum by (destination_canonical_revision, response_code) (rate(istio_requests_total{reporter="destination",destination_service_namespace="${r.namespace}"}[30s]))`);
  lines.push('    sum by (reason) (sluice_rollout_aborts_total) · sluice_rollout_actual_weight   # the controller\'s own (docs/metrics.md)');
  lines.push('  dashboards/canary-analysis.json and dashboards/controller.json: import into Grafana with the Prometheus above as data source');
  lines.push(`  analysis templates: app/analysis/ in the repository, copies of analysis-templates/ that measure every ${r.intervalSeconds} s, 3 times, over a ${r.intervalSeconds * 2} s window (the stock ones: once a minute)`);
  lines.push('  make demo again (a fresh namespace and repository) · make demo-down to stop everything');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The CLI: the keeper's DemoEnv over HTTP.

function readKeeper(): KeeperState | undefined {
  if (!existsSync(demoStatePath)) return undefined;
  const state = JSON.parse(readFileSync(demoStatePath, 'utf8')) as KeeperState;
  return isAlive(state.pid) ? state : undefined;
}

async function call<T>(state: KeeperState, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${state.controlUrl}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  const value = (await res.json()) as T & { error?: string };
  if (res.status !== 200) throw new Error(`keeper ${method} ${path}: ${value.error ?? res.status}`);
  return value;
}

export function connectEnv(state: KeeperState): DemoEnv {
  return {
    kubeconfigPath: state.kubeconfigPath,
    prometheusUrl: state.prometheusUrl,
    controllerUrl: state.controllerUrl,
    webhookSecret: state.webhookSecret,
    logDir: state.logDir,
    startRun: (namespace, rps) => call<DemoRun>(state, 'POST', '/run', { namespace, rps }),
    commit: async (files, message) => (await call<{ sha: string }>(state, 'POST', '/commit', { files, message })).sha,
    segments: () => call<SplitSegment[]>(state, 'GET', '/segments'),
    stop: () => Promise.resolve(),
  };
}

async function up(): Promise<KeeperState> {
  let state = readKeeper();
  if (state === undefined) {
    mkdirSync(demoStateDir, { recursive: true });
    rmSync(demoStatePath, { force: true });
    const t0 = performance.now();
    console.log('starting the demo: control plane, Prometheus, git daemon, Sluice controller …');
    const keeper = spawn(process.execPath, [join(repoRoot, 'demo/keeper.ts')], { detached: true, stdio: ['ignore', 'ignore', openSync(demoLogPath, 'w')] });
    keeper.unref();
    state = await waitFor('the demo keeper to start', () => readKeeper(), {
      timeoutMs: 180_000,
      assertAlive: () => {
        if (keeper.exitCode !== null) throw new Error(`the demo keeper did not start:\n${readFileSync(demoLogPath, 'utf8')}`);
      },
    });
    console.log(`ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } else {
    console.log(`reusing the demo started at ${state.startedAt} (pid ${state.pid})`);
  }
  console.log(`  kubeconfig:  ${state.kubeconfigPath}`);
  console.log(`  Prometheus:  ${state.prometheusUrl}`);
  console.log(`  controller:  ${state.controllerUrl} (/metrics, /webhook/git)`);
  console.log(`  logs:        ${state.logDir} and ${demoLogPath}`);
  return state;
}

async function play(): Promise<void> {
  const state = readKeeper() ?? (await up());
  const t0 = performance.now();
  const result = await playStory(connectEnv(state), { log: (line) => console.log(line) });
  console.log(result.summary);
  console.log(`make demo (story): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  process.exitCode = result.ok ? 0 : 1;
}

async function down(): Promise<void> {
  const state = readKeeper();
  if (state === undefined) {
    console.log('no demo running');
    rmSync(demoStatePath, { force: true });
    return;
  }
  process.kill(state.pid, 'SIGTERM');
  await waitFor('the demo to stop', () => !isAlive(state.pid), { timeoutMs: 60_000 });
  rmSync(join(demoStateDir, 'kubeconfig'), { force: true });
  console.log('demo stopped');
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1])) {
  const commands: Record<string, () => Promise<unknown>> = { up, play, down };
  const command = commands[process.argv[2] ?? ''];
  if (command === undefined) {
    console.error('usage: node demo/story.ts up|play|down');
    process.exit(2);
  }
  await command();
}

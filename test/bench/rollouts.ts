// make bench (controller part): Sluice at scale, on a fresh control plane per size. For each N in
// BENCH_ROLLOUTS (default "100,1000"), with the controller running as in the e2e suites:
//   1. N Rollouts (1 replica, steps [setWeight 10, pause {}]) with their Services and
//      VirtualServices applied, 16 in flight → time until all are Healthy;
//   2. a new image for all → time until all are Paused at step 1 with weights 90/10;
//   3. 50 promoted one at a time → promote patch to the VirtualService watch seeing canary weight 0;
//   4. the controller's RSS: median while idle at the end, and its peak (VmHWM);
//   5. its API requests per minute while idle, beyond watches and Lease renewals (audit log);
//   6. the control plane's own pace for the same N as Deployments, as the reference for step 2.
// Every wait is on watches; each phase has a timeout (BENCH_PHASE_TIMEOUT_S overrides the default).
// BENCH_CONTROLLER_ARGS (space-separated) adds flags to the controller, e.g. "--workers=8".
import type { KubeObject } from '../../src/kube/object.ts';
import { createNamespace } from '../harness/fixtures.ts';
import { applyYaml, hostSplitNetwork, hostSplitRollout, operate, setImage, type RolloutState } from '../rollout/fixtures.ts';
import { startRolloutSuite, type Controller, type RolloutSuite } from '../rollout/suite.ts';
import { controlPlanePace } from './control-plane-pace.ts';
import { apiServerRequests, beyondWatchesAndLease, breakdown, forEachLimit, meterCpu, percentile, requestsBetween, requestsServed, sampleRss, seconds, type RssSampler } from './measure.ts';
import { watchCollections, type Watched } from './watched.ts';
import { fetchText } from '../harness/http.ts';

const CONCURRENCY = 16;
const PROMOTIONS = 50;
const STEPS = '      - setWeight: 10\n      - pause: {}\n';
const IDLE_WINDOW_MS = 20_000;
/** The default scaleDownDelaySeconds (30 s) plus room: promoted rollouts' old ReplicaSets reach 0. */
const SETTLE_TIMEOUT_MS = 120_000;

const controllerArgs = (process.env.BENCH_CONTROLLER_ARGS ?? '').split(' ').filter((a) => a !== '');
const sizes = (process.env.BENCH_ROLLOUTS ?? '100,1000').split(',').map((s) => Number.parseInt(s.trim(), 10));
if (sizes.some((n) => !(n > 0))) throw new Error(`BENCH_ROLLOUTS must be a comma-separated list of positive counts, got "${process.env.BENCH_ROLLOUTS}"`);

/** Per phase: a minute plus a second per Rollout, unless BENCH_PHASE_TIMEOUT_S says otherwise. */
const phaseTimeoutMs = (n: number): number => {
  const override = Number.parseInt(process.env.BENCH_PHASE_TIMEOUT_S ?? '', 10);
  return override > 0 ? override * 1000 : 60_000 + n * 1000;
};

type Rollout = RolloutState & KubeObject;
type VirtualService = KubeObject & { spec?: { http?: { name?: string; route?: { destination: { host: string }; weight?: number }[] }[] } };
type ReplicaSet = KubeObject & { spec?: { replicas?: number } };
type Kinds = 'rollouts' | 'virtualservices' | 'replicasets';

/** The watches of one namespace, and what the phases read from them. */
class View {
  readonly watched: Watched<Kinds>;

  constructor(watched: Watched<Kinds>) {
    this.watched = watched;
  }

  rollout(name: string): Rollout | undefined {
    return this.watched.get<Rollout>('rollouts', name);
  }

  /** Weights of the managed route (stable, canary), as the VirtualService watch last saw them. */
  weights(name: string): number[] | undefined {
    const route = this.watched.get<VirtualService>('virtualservices', name)?.spec?.http?.find((r) => r.name === 'primary')?.route;
    return route?.map((d) => d.weight ?? 0);
  }

  /** Status observed for the current spec, and `check` holds. */
  settled(name: string, check: (status: NonNullable<Rollout['status']>) => boolean): boolean {
    const r = this.rollout(name);
    return r?.status !== undefined && r.status.observedGeneration === r.metadata.generation && check(r.status);
  }

  describe = (name: string): string => {
    const s = this.rollout(name)?.status;
    const message = s?.message === undefined || s.message === '' ? '' : ` "${s.message}"`;
    return `phase ${s?.phase ?? '-'}${message}, step ${s?.currentStepIndex ?? '-'}, VirtualService ${JSON.stringify(this.weights(name) ?? 'not seen')}`;
  };
}

/** The rollout that owns a ReplicaSet (by its controller reference). */
const ownerName = (rs: KubeObject): string => rs.metadata.ownerReferences?.find((o) => o.controller === true)?.name ?? rs.metadata.name;

interface Result {
  healthyMs: number;
  pausedMs: number;
  appliedMs: number;
  promoteMs: number[];
  startMiB: number;
  steadyMiB: number;
  peakMiB: number;
  /** Where the largest RSS sample (every 200 ms) fell. */
  peakAt: string;
  idle: { perMinute: number; detail: string };
  controlPlane: { createdMs: number; updatedMs: number; updatedCpu: string; updatedServed: string };
  requestsByPhase: string;
  /** update→Paused requests by verb and resource. */
  pausedBreakdown: string;
  /** update→Paused CPU seconds by process. */
  pausedCpu: string;
  /** update→Paused requests the API server served, every client. */
  pausedServed: string;
  /** GET /metrics after the idle window: median of 5 scrapes, the body's size, and the V8 heap it reports. */
  scrape: { ms: number; kib: number; heap: string };
}

async function benchmark(n: number): Promise<Result> {
  const suite = await startRolloutSuite();
  try {
    log(n, `cluster up in ${suite.cluster.dir}`);
    const controller = await suite.startController(undefined, controllerArgs);
    const rss = sampleRss(controller.process.pid);
    try {
      return await phases(suite, controller, rss, n);
    } finally {
      rss.stop();
    }
  } finally {
    await suite.stop();
  }
}

async function phases(suite: RolloutSuite, controller: Controller, rss: RssSampler, n: number): Promise<Result> {
  const { cluster } = suite;
  const ns = await createNamespace(cluster, 'bench');
  const names = Array.from({ length: n }, (_, i) => `web-${i}`);
  const view = new View(await watchCollections<Kinds>(cluster, {
    rollouts: { path: `/apis/sluice.dev/v1alpha1/namespaces/${ns}/rollouts` },
    virtualservices: { path: `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices` },
    replicasets: { path: `/apis/apps/v1/namespaces/${ns}/replicasets`, subject: ownerName },
  }));
  const wait = { timeoutMs: phaseTimeoutMs(n), describe: view.describe };
  const marks: Record<string, { fromMs: number; toMs: number }> = {};
  try {
    // 1. Create: Services and VirtualService first, so no Rollout is ever invalid for want of them.
    let from = Date.now();
    const t0 = performance.now();
    await forEachLimit(names, CONCURRENCY, async (name) => {
      await applyYaml(cluster, ns, hostSplitNetwork(name));
      await applyYaml(cluster, ns, hostSplitRollout({ name, replicas: 1, steps: STEPS }));
    });
    const appliedMs = performance.now() - t0;
    log(n, `applied ${n} Rollouts with their Services and VirtualServices in ${seconds(appliedMs)}`);
    const healthyMs = (await view.watched.untilAll(`${n} Rollouts Healthy`, names, (name) => view.settled(name, (s) => s.phase === 'Healthy'), wait)) - t0;
    marks['create→Healthy'] = { fromMs: from, toMs: Date.now() };
    log(n, `all Healthy after ${seconds(healthyMs)}`);

    // 2. A new revision for all.
    const stableHash = new Map(names.map((name) => [name, view.rollout(name)?.status?.stableRS]));
    from = Date.now();
    const t1 = performance.now();
    const cpu = meterCpu(cluster.processes.running());
    const served = await apiServerRequests((args) => cluster.kubectl(args));
    await forEachLimit(names, CONCURRENCY, (name) => setImage(cluster, ns, 'registry.invalid/web:v2', name));
    const pausedAtCanary = (name: string): boolean =>
      view.settled(name, (s) => s.phase === 'Paused' && s.currentStepIndex === 1 && s.currentPodHash !== stableHash.get(name) && s.canary?.weights?.canary.weight === 10)
      && view.weights(name)?.join('/') === '90/10';
    const pausedMs = (await view.watched.untilAll(`${n} Rollouts Paused at step 1 with weights 90/10`, names, pausedAtCanary, wait)) - t1;
    marks['update→Paused'] = { fromMs: from, toMs: Date.now() };
    const pausedCpu = cpu.report();
    const pausedServed = requestsServed(served, await apiServerRequests((args) => cluster.kubectl(args)));
    log(n, `all Paused at 90/10 after ${seconds(pausedMs)}`);

    // 3. Promotions, one at a time.
    from = Date.now();
    const promoted = names.slice(0, PROMOTIONS);
    const canaryHash = new Map(promoted.map((name) => [name, view.rollout(name)?.status?.currentPodHash]));
    const promoteMs: number[] = [];
    for (const name of promoted) {
      const sent = performance.now();
      // The watch condition is registered before the patch is sent (untilAll's first check is synchronous).
      const [seen] = await Promise.all([
        view.watched.untilAll(`${name}: canary weight 0 after promote`, [name], (x) => view.weights(x)?.[1] === 0, { timeoutMs: 30_000, describe: view.describe }),
        operate(cluster, ns, 'promote', name),
      ]);
      promoteMs.push(seen - sent);
    }
    marks[`${promoted.length} promotions`] = { fromMs: from, toMs: Date.now() };
    log(n, `promoted ${promoted.length}: p50 ${Math.round(percentile(promoteMs, 50))} ms`);

    // Settled: the promoted are Healthy on their new ReplicaSet and the old one is scaled to 0.
    const done = (name: string): boolean =>
      view.settled(name, (s) => s.phase === 'Healthy' && s.stableRS === canaryHash.get(name))
      && view.watched.get<ReplicaSet>('replicasets', `${name}-${stableHash.get(name)}`)?.spec?.replicas === 0;
    await view.watched.untilAll(`${promoted.length} promoted Rollouts Healthy with the old ReplicaSet at 0`, promoted, done, { ...wait, timeoutMs: SETTLE_TIMEOUT_MS });
    log(n, 'promoted rollouts settled; observing the idle controller');

    // 4 + 5. Idle: a period of time by nature. In-flight work gets 2 s, then a 20 s window, then
    // the audit log's batch (1 s) to be written.
    const idleFrom = Date.now() + 2_000;
    const idleTo = idleFrom + IDLE_WINDOW_MS;
    await cluster.waitFor('the idle window to pass (+ the audit batch)', () => Date.now() > idleTo + 1_500, { timeoutMs: IDLE_WINDOW_MS + 10_000, intervalMs: 250 });
    const audit = cluster.auditEvents();
    const idleRequests = beyondWatchesAndLease(requestsBetween(audit, idleFrom, idleTo));
    const idle = { perMinute: (idleRequests.length * 60_000) / IDLE_WINDOW_MS, detail: breakdown(idleRequests) };
    const { startMiB } = rss;
    const steadyMiB = rss.medianMiB(idleFrom, idleTo);
    const peakMiB = rss.peakMiB();
    const largest = rss.largest();
    const peakPhase = Object.entries(marks).find(([, m]) => largest !== undefined && largest.atMs >= m.fromMs && largest.atMs <= m.toMs);
    const peakAt = largest === undefined ? 'no sample' : `largest sample ${largest.mib} MiB ${peakPhase === undefined ? 'between phases' : `in ${peakPhase[0]}, ${seconds(largest.atMs - peakPhase[1].fromMs)} in`}`;
    const requestsByPhase = Object.entries(marks).map(([phase, m]) => {
      const count = beyondWatchesAndLease(requestsBetween(audit, m.fromMs, m.toMs)).length;
      return `${phase} ${count} (${(count / (phase.includes('promotions') ? promoted.length : n)).toFixed(1)} per Rollout, ${((count * 1000) / (m.toMs - m.fromMs)).toFixed(1)}/s)`;
    }).join(' | ');
    const scrape = await timeScrape(controller.port);
    const pausedPhase = marks['update→Paused'];
    const pausedBreakdown = pausedPhase === undefined ? '' : breakdown(beyondWatchesAndLease(requestsBetween(audit, pausedPhase.fromMs, pausedPhase.toMs)));

    // 6. The reference, with the Sluice controller stopped: the controller-manager alone.
    await cluster.processes.stopOne(controller.name);
    const controlPlane = await controlPlanePace(cluster, { count: n, concurrency: CONCURRENCY, timeoutMs: phaseTimeoutMs(n), log: (line) => log(n, line) });
    return { healthyMs, pausedMs, appliedMs, promoteMs, startMiB, steadyMiB, peakMiB, peakAt, idle, controlPlane, requestsByPhase, pausedBreakdown, pausedCpu, pausedServed, scrape };
  } finally {
    view.watched.stop();
  }
}

/** The cost of a Prometheus scrape (metrics are computed from the caches at scrape: ADR 007). */
async function timeScrape(port: number): Promise<Result['scrape']> {
  const times: number[] = [];
  let body = '';
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    body = (await fetchText(`http://127.0.0.1:${port}/metrics`)).body;
    times.push(performance.now() - started);
  }
  return { ms: percentile(times, 50), kib: Math.round(body.length / 1024), heap: heapFigures(body) };
}

/** "heap used 61 of 80 MiB (old_space 50, …), external 3 MiB", from prom-client's nodejs_* gauges. */
function heapFigures(body: string): string {
  const mib = (pattern: string): string => {
    const value = new RegExp(`^${pattern} (\\S+)$`, 'm').exec(body)?.[1];
    return value === undefined ? '?' : String(Math.round(Number(value) / 1048576));
  };
  const spaces = [...body.matchAll(/^nodejs_heap_space_size_used_bytes\{space="(\w+)"\} (\S+)$/gm)]
    .map(([, space, value]) => `${space} ${Math.round(Number(value) / 1048576)}`).join(', ');
  return `V8 heap used ${mib('nodejs_heap_size_used_bytes')} of ${mib('nodejs_heap_size_total_bytes')} MiB (${spaces}), external ${mib('nodejs_external_memory_bytes')} MiB`;
}

function report(n: number, r: Result): string {
  const ratio = r.pausedMs / r.controlPlane.updatedMs;
  return [
    `N=${n}  all Healthy ${seconds(r.healthyMs)} | all Paused ${seconds(r.pausedMs)} (control plane's own pace for N Deployments: ${seconds(r.controlPlane.updatedMs)}, ratio ${ratio.toFixed(2)})`
    + ` | promote→weight p50 ${Math.round(percentile(r.promoteMs, 50))} ms p99 ${Math.round(percentile(r.promoteMs, 99))} ms`
    + ` | controller RSS steady ${r.steadyMiB} MiB peak ${r.peakMiB} MiB | idle requests/min ${r.idle.perMinute}`,
    `  applies: ${n} Rollouts with 2 Services and a VirtualService each sent in ${seconds(r.appliedMs)} (${CONCURRENCY} in flight); N Deployments created → available in ${seconds(r.controlPlane.createdMs)}`,
    `  controller requests beyond watches and Lease: ${r.requestsByPhase}`,
    `  update→Paused requests: ${r.pausedBreakdown}`,
    `  update→Paused CPU: ${r.pausedCpu} | the control plane's own update: ${r.controlPlane.updatedCpu}`,
    `  update→Paused, all clients: ${r.pausedServed}`,
    `  the control plane's own update, all clients: ${r.controlPlane.updatedServed}`,
    `  controller RSS when it became ready (no Rollouts yet): ${r.startMiB} MiB | ${r.peakAt} | idle: ${r.scrape.heap} | GET /metrics ${Math.round(r.scrape.ms)} ms (median of 5), ${r.scrape.kib} KiB`,
    `  promote→weight over ${r.promoteMs.length}: min ${Math.round(Math.min(...r.promoteMs))} ms, max ${Math.round(Math.max(...r.promoteMs))} ms`
    + (r.idle.detail === '' ? '' : ` | idle window: ${r.idle.detail}`),
  ].join('\n');
}

function log(n: number, line: string): void {
  console.error(`[${new Date().toISOString().slice(11, 19)} N=${n}] ${line}`);
}

console.log(`controller: ${process.env.SLUICE_CONTROLLER_ENTRY ?? 'src/cli/sluice.ts (type stripping; make bench runs dist/)'}`);
for (const n of sizes) {
  try {
    console.log(report(n, await benchmark(n)));
  } catch (error) {
    console.log(`N=${n}  FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    break;
  }
}

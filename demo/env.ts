// DEMO COMPONENT — not part of the Sluice controller (nothing under src/ imports demo/).
//
// startDemoEnv(): everything `make demo` runs besides the story itself — a local control plane
// (Istio's CRDs, Sluice's CRDs and RBAC from crds/), Prometheus scraping the controller and the
// mesh, a `git daemon` on loopback, the Sluice controller from this checkout (under the shipped
// ClusterRole, with the Git webhook on), and per story run: the demo runtime, the mesh stand-in
// and a load generator on that run's namespace. The keeper (demo/keeper.ts) runs it detached for
// `make demo`; the test (test/demo/story.test.ts) runs it in-process.
//
// It also cuts what the mesh routed into segments, one per set of weights the mesh saw on the
// VirtualService: the split the proxy observed, next to the weights the controller wrote.
import { NODE_ENV, NODE_FLAGS } from '../src/cli/runtime.ts';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../test/harness/cluster.ts';
import { startGitServer, type GitServer } from '../test/harness/git-server.ts';
import { fetchText } from '../test/harness/http.ts';
import { repoRoot } from '../test/harness/paths.ts';
import { freePort } from '../test/harness/ports.ts';
import { startPrometheus, type PrometheusServer, type ScrapeTarget } from '../test/harness/prometheus.ts';
import { installSluice } from '../test/rollout/suite.ts';
import { startLoadGenerator, type LoadGenerator } from './loadgen.ts';
import { startMesh, type Mesh, type MeshCounts } from './mesh.ts';
import { startDemoRuntime, type DemoRuntime } from './runtime.ts';

export const APP = 'web';
export const HOST = 'web.example.com';
const WEBHOOK_SECRET_REF = 'sluice-system/git-webhook';

/** What the mesh routed while the VirtualService had one set of weights. */
export interface SplitSegment {
  /** The route's weights as the mesh saw them: destination Service → weight. */
  readonly weights: Readonly<Record<string, number>>;
  readonly startedAt: number;
  /** undefined while it is the current one. */
  readonly endedAt?: number;
  readonly total: number;
  readonly byService: Readonly<Record<string, number>>;
  readonly byRevision: Readonly<Record<string, number>>;
  /** Responses by code, all destinations. */
  readonly byCode: Readonly<Record<string, number>>;
}

export interface DemoRun {
  readonly namespace: string;
  readonly repoUrl: string;
  readonly meshUrl: string;
  readonly meshMetricsUrl: string;
}

/** What a story needs; the keeper serves the same over HTTP (demo/story.ts connectEnv). */
export interface DemoEnv {
  readonly kubeconfigPath: string;
  readonly prometheusUrl: string;
  /** The controller's HTTP port: /metrics, /readyz, /webhook/git. */
  readonly controllerUrl: string;
  readonly webhookSecret: string;
  readonly logDir: string;
  /** A fresh Git repository and namespace's runtime, mesh and load (any previous run's are stopped). */
  startRun(namespace: string, rps: number): Promise<DemoRun>;
  /** Commits files (path → content) to the run's repository and pushes; resolves with the SHA. */
  commit(files: Readonly<Record<string, string>>, message: string): Promise<string>;
  /** The run's split segments so far, oldest first (the last is the current one). */
  segments(): Promise<SplitSegment[]>;
  stop(): Promise<void>;
}

export interface DemoEnvOptions {
  /** Count against SLUICE_MAX_CLUSTERS (tests: true; the keeper: false, as `make cluster-up`). */
  readonly takeSlot?: boolean;
}

interface Run {
  readonly info: DemoRun;
  readonly repo: string;
  readonly runtime: DemoRuntime;
  readonly mesh: Mesh;
  readonly load: LoadGenerator;
  readonly tracker: NodeJS.Timeout;
  readonly segments: SplitSegment[];
  current: { key: string; weights: Record<string, number>; startedAt: number };
}


export async function startDemoEnv(options: DemoEnvOptions = {}): Promise<DemoEnv> {
  const cluster = await startCluster({ takeSlot: options.takeSlot ?? true });
  let prometheus: PrometheusServer | undefined;
  let git: GitServer | undefined;
  try {
    await installSluice(cluster);
    const webhookSecret = randomBytes(16).toString('hex');
    await cluster.kubectl(['-n', 'sluice-system', 'create', 'secret', 'generic', 'git-webhook', `--from-literal=secret=${webhookSecret}`]);
    const controllerPort = await startController(cluster);
    const controllerTarget: ScrapeTarget = { job: 'sluice-controller', targets: [`127.0.0.1:${controllerPort}`] };
    prometheus = await startPrometheus({ scrapeTargets: [controllerTarget] });
    git = await startGitServer();
    return makeEnv(cluster, prometheus, git, controllerPort, controllerTarget, webhookSecret);
  } catch (error) {
    await git?.stop();
    await prometheus?.stop();
    await cluster.stop();
    throw error;
  }
}

async function startController(cluster: Cluster): Promise<number> {
  // A token of sluice-system/sluice: the controller gets the shipped RBAC, nothing more.
  const token = (await cluster.kubectl(['create', 'token', 'sluice', '-n', 'sluice-system', '--duration=48h'])).trim();
  const server = cluster.kubeConfig.getCurrentCluster();
  const kubeconfig = join(cluster.dir, 'sluice-controller.kubeconfig');
  writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'demo', cluster: { server: server?.server, 'certificate-authority-data': server?.caData } }],
    users: [{ name: 'sluice', user: { token } }],
    contexts: [{ name: 'sluice', context: { cluster: 'demo', user: 'sluice' } }],
    'current-context': 'sluice',
  }), { mode: 0o600 });
  const port = await freePort();
  cluster.processes.start('sluice-controller', process.execPath, [
    ...NODE_FLAGS,
    join(repoRoot, 'src/cli/sluice.ts'),
    'controller',
    `--kubeconfig=${kubeconfig}`,
    `--metrics-addr=127.0.0.1:${port}`,
    '--lease-namespace=sluice-system',
    `--data-dir=${join(cluster.dir, 'sluice-data')}`, // removed with the cluster's dir
    `--webhook-secret=${WEBHOOK_SECRET_REF}`,
  ], { env: { ...process.env, ...NODE_ENV } });
  await cluster.waitFor('the Sluice controller to be ready', async () => {
    try {
      return (await fetchText(`http://127.0.0.1:${port}/readyz`)).status === 200;
    } catch {
      return false;
    }
  }, { timeoutMs: 60_000 });
  return port;
}

const requestsOf = (counts: MeshCounts['byService']): Record<string, number> =>
  Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v.requests]));

function codesOf(counts: MeshCounts): Record<string, number> {
  const codes: Record<string, number> = {};
  for (const d of Object.values(counts.byService)) for (const [code, n] of Object.entries(d.byCode)) codes[code] = (codes[code] ?? 0) + n;
  return codes;
}

function makeEnv(cluster: Cluster, prometheus: PrometheusServer, git: GitServer, controllerPort: number, controllerTarget: ScrapeTarget, webhookSecret: string): DemoEnv {
  let run: Run | undefined;
  let runs = 0;

  const liveWeights = (mesh: Mesh): { key: string; weights: Record<string, number> } => {
    const route = mesh.liveRoutes().find((r) => r.virtualService === APP);
    const weights = Object.fromEntries((route?.destinations ?? []).map((d) => [d.service, d.weight]));
    return { key: JSON.stringify(weights), weights };
  };
  const segmentOf = (r: Run, counts: MeshCounts, endedAt?: number): SplitSegment => ({
    weights: r.current.weights,
    startedAt: r.current.startedAt,
    ...(endedAt === undefined ? {} : { endedAt }),
    total: counts.total,
    byService: requestsOf(counts.byService),
    byRevision: requestsOf(counts.byRevision),
    byCode: codesOf(counts),
  });

  async function stopRun(): Promise<void> {
    const r = run;
    run = undefined;
    if (r === undefined) return;
    clearInterval(r.tracker);
    await r.load.stop();
    await r.mesh.stop();
    await r.runtime.stop();
  }

  return {
    kubeconfigPath: cluster.kubeconfigPath,
    prometheusUrl: prometheus.url,
    controllerUrl: `http://127.0.0.1:${controllerPort}`,
    webhookSecret,
    logDir: cluster.dir,
    async startRun(namespace, rps) {
      await stopRun();
      const repo = `demo-${++runs}-${namespace}`;
      await git.createRepo(repo);
      await cluster.clients.core.createNamespace({ body: { metadata: { name: namespace, labels: { 'sluice.dev/demo': 'true' } } } });
      const runtime = await startDemoRuntime({ clients: cluster.clients, namespace, labelSelector: `app=${APP}` });
      const mesh = await startMesh({ clients: cluster.clients, namespace, endpoint: (pod) => runtime.endpoint(pod) });
      await prometheus.setScrapeTargets([controllerTarget, { job: 'istio-mesh', targets: [mesh.metricsTarget] }]);
      const load = startLoadGenerator({ url: mesh.url, rps, headers: { host: HOST } });
      const first = liveWeights(mesh);
      const r: Run = {
        info: { namespace, repoUrl: git.gitUrl(repo), meshUrl: mesh.url, meshMetricsUrl: mesh.metricsUrl },
        repo,
        runtime,
        mesh,
        load,
        segments: [],
        current: { ...first, startedAt: Date.now() },
        // Every 20 ms: when the weights the mesh routes by change, the counts so far are the last
        // segment's (at 250 rps, at most ~5 requests land on the wrong side of a boundary).
        tracker: setInterval(() => {
          const now = liveWeights(mesh);
          if (now.key === r.current.key) return;
          const counts = mesh.counts();
          mesh.resetCounts();
          const at = Date.now();
          r.segments.push(segmentOf(r, counts, at));
          r.current = { ...now, startedAt: at };
        }, 20),
      };
      mesh.resetCounts();
      run = r;
      return r.info;
    },
    async commit(files, message) {
      if (run === undefined) throw new Error('no demo run: startRun first');
      return git.commit(run.repo, files, message);
    },
    segments() {
      const r = run;
      if (r === undefined) return Promise.resolve([]);
      return Promise.resolve([...r.segments, segmentOf(r, r.mesh.counts())]);
    },
    async stop() {
      await stopRun();
      await prometheus.stop();
      await git.stop();
      await cluster.stop();
    },
  };
}

// make bench (GitOps part): the sync engine against `kubectl apply --server-side`, in the same run
// on one fresh control plane, with the controller running as in the e2e suites.
//   1. BENCH_OBJECTS (default 1,000) small objects — ConfigMaps, Services, Deployments (0
//      replicas) and ServiceAccounts in equal parts — applied by kubectl to one namespace (first
//      apply, then an unchanged re-apply), and synced by an Application from Git to another
//      (first sync, dry run included: Application created → operationState Succeeded);
//   2. a no-op resync: the webhook called with nothing new in Git → the reconcile handled, with
//      the controller's write requests counted from the audit log;
//   3. commit → Rollout spec updated through the webhook, BENCH_WEBHOOK_ROUNDS (5) times.
// Times are wall clock on a noisy 2-core machine: compare the ratios printed, not the seconds.
// BENCH_CONTROLLER_ARGS (space-separated) adds flags to the controller, e.g. "--kube-api-qps=400".
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/kube/object.ts';
import { createNamespace } from '../harness/fixtures.ts';
import { startGitServer } from '../harness/git-server.ts';
import { applyYaml, hostSplitNetwork, hostSplitRollout } from '../rollout/fixtures.ts';
import { startRolloutSuite } from '../rollout/suite.ts';
import { breakdown, percentile, requestsBetween, seconds } from './measure.ts';
import { watchCollections } from './watched.ts';

const OBJECTS = Number.parseInt(process.env.BENCH_OBJECTS ?? '1000', 10);
const ROUNDS = Number.parseInt(process.env.BENCH_WEBHOOK_ROUNDS ?? '5', 10);
const SECRET = 'bench-webhook-secret';
if (!(OBJECTS >= 4) || !(ROUNDS >= 1)) throw new Error('BENCH_OBJECTS must be at least 4 and BENCH_WEBHOOK_ROUNDS at least 1');

type App = KubeObject & { status?: { operationState?: { phase?: string; revision?: string }; lastHandledReconcileAt?: string } };

function objects(count: number): string {
  const docs: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `obj-${i}`;
    switch (i % 4) {
      case 0:
        docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  index: "${i}"\n`);
        break;
      case 1:
        docs.push(`apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector: {app: ${name}}\n  ports:\n  - {port: 80, targetPort: 8080}\n`);
        break;
      case 2:
        docs.push(`apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: 0\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec:\n      containers:\n      - {name: main, image: registry.invalid/${name}:v1}\n`);
        break;
      default:
        docs.push(`apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n`);
    }
  }
  return docs.join('---\n');
}

async function main(): Promise<void> {
  const git = await startGitServer();
  const suite = await startRolloutSuite();
  try {
    const { cluster } = suite;
    await cluster.kubectl(['-n', 'sluice-system', 'create', 'secret', 'generic', 'bench-webhook', `--from-literal=secret=${SECRET}`]);
    const extra = (process.env.BENCH_CONTROLLER_ARGS ?? '').split(' ').filter((x) => x !== '');
    const controller = await suite.startController('sluice-controller', ['--data-dir', mkdtempSync(join(tmpdir(), 'sluice-bench-')), '--webhook-secret', 'sluice-system/bench-webhook', '--log-level=info', ...extra]);
    const manifests = objects(OBJECTS);

    // kubectl, first apply and unchanged re-apply.
    const kubectlNs = await createNamespace(cluster, 'bench-kubectl');
    const file = join(mkdtempSync(join(tmpdir(), 'sluice-bench-manifests-')), 'objects.yaml');
    writeFileSync(file, manifests);
    let t = performance.now();
    await cluster.kubectl(['apply', '--server-side', '--field-manager=bench', '-n', kubectlNs, '-f', file]);
    const kubectlFirst = performance.now() - t;
    t = performance.now();
    await cluster.kubectl(['apply', '--server-side', '--field-manager=bench', '-n', kubectlNs, '-f', file]);
    const kubectlAgain = performance.now() - t;

    // Sluice: an Application syncing the same objects from Git.
    const ns = await createNamespace(cluster, 'bench-sluice');
    await git.createRepo('objects');
    const sha = await git.commit('objects', { 'app/objects.yaml': manifests }, 'objects');
    const apps = await watchCollections(cluster, { applications: { path: `/apis/sluice.dev/v1alpha1/namespaces/${ns}/applications` } });
    const created = Date.now();
    t = performance.now();
    await applyYaml(cluster, ns, `apiVersion: sluice.dev/v1alpha1\nkind: Application\nmetadata:\n  name: objects\nspec:\n  source: {repoURL: "${git.gitUrl('objects')}", targetRevision: main, path: app}\n  syncPolicy:\n    interval: 1h\n    automated: {prune: true}\n`);
    const synced = (name: string): boolean => {
      const op = apps.get<App>('applications', name)?.status?.operationState;
      return op?.phase === 'Succeeded' && op.revision === sha;
    };
    const firstAt = await apps.untilAll('the first sync', ['objects'], synced, { timeoutMs: 600_000 });
    const sluiceFirst = firstAt - t;
    await waitQuiet(cluster);
    const firstRequests = requestsBetween(cluster.auditEvents(), created, Date.now()).filter((e) => e.objectRef?.namespace === ns && e.verb !== 'watch');
    const dryRuns = firstRequests.filter((e) => e.requestURI.includes('dryRun=All')).length;

    // No-op resync through the webhook: nothing new in Git.
    const body = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: git.gitUrl('objects') } });
    const post = async (payload: string): Promise<void> => {
      const res = await fetch(`http://127.0.0.1:${controller.port}/webhook/git`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(payload).digest('hex')}` },
        body: payload,
      });
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
    };
    const noopFrom = Date.now();
    t = performance.now();
    await post(body);
    const handled = (name: string): boolean => {
      const app = apps.get<App>('applications', name);
      const asked = app?.metadata.annotations?.['sluice.dev/reconcile-requested-at'];
      return asked !== undefined && Date.parse(asked) >= noopFrom - 1_000 && app?.status?.lastHandledReconcileAt === asked;
    };
    const noopAt = await apps.untilAll('the no-op resync', ['objects'], handled, { timeoutMs: 120_000 });
    const noop = noopAt - t;
    const noopTo = Date.now();
    await waitQuiet(cluster);
    const noopWrites = requestsBetween(cluster.auditEvents(), noopFrom, noopTo).filter((e) => !['get', 'list', 'watch'].includes(e.verb) && e.objectRef?.resource !== 'leases');
    const objectWrites = noopWrites.filter((e) => e.objectRef?.resource !== 'applications');
    apps.stop();

    // Commit → Rollout spec updated, through the webhook.
    const webNs = await createNamespace(cluster, 'bench-webhook');
    await git.createRepo('web');
    const rollout = (image: string): string => hostSplitRollout({ replicas: 1, image, steps: '      - setWeight: 10\n      - pause: {}\n' });
    await git.commit('web', { 'app/network.yaml': hostSplitNetwork(), 'app/rollout.yaml': rollout('registry.invalid/web:v0') }, 'v0');
    const rollouts = await watchCollections(cluster, { rollouts: { path: `/apis/sluice.dev/v1alpha1/namespaces/${webNs}/rollouts` } });
    await applyYaml(cluster, webNs, `apiVersion: sluice.dev/v1alpha1\nkind: Application\nmetadata:\n  name: web\nspec:\n  source: {repoURL: "${git.gitUrl('web')}", targetRevision: main, path: app}\n  syncPolicy:\n    interval: 1h\n    automated: {prune: true, selfHeal: true}\n`);
    const imageIs = (image: string) => (name: string): boolean =>
      (rollouts.get<KubeObject & { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }>('rollouts', name)?.spec?.template?.spec?.containers?.[0]?.image) === image;
    await rollouts.untilAll('the first Rollout', ['web'], imageIs('registry.invalid/web:v0'), { timeoutMs: 60_000 });
    const latencies: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const image = `registry.invalid/web:v${round}`;
      await git.commit('web', { 'app/rollout.yaml': rollout(image) }, `v${round}`);
      t = performance.now();
      await post(JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: git.gitUrl('web') } }));
      latencies.push((await rollouts.untilAll(`round ${round}`, ['web'], imageIs(image), { timeoutMs: 60_000 })) - t);
    }
    rollouts.stop();

    const rate = (ms: number): string => `${Math.round(OBJECTS / (ms / 1000))} objects/s`;
    console.log(`\nGitOps benchmark: ${OBJECTS} objects (ConfigMaps, Services, Deployments, ServiceAccounts)`);
    console.log(`  kubectl apply --server-side, first:   ${seconds(kubectlFirst)} (${rate(kubectlFirst)})`);
    console.log(`  kubectl apply --server-side, again:   ${seconds(kubectlAgain)} (one PATCH per object: ${OBJECTS})`);
    console.log(`  Sluice first sync (dry run included): ${seconds(sluiceFirst)} (${rate(sluiceFirst)}); ${dryRuns} dry-run and ${firstRequests.length - dryRuns} other requests`);
    console.log(`  ratio Sluice/kubectl objects per second: ${(kubectlFirst / sluiceFirst).toFixed(2)} (target >= 1)`);
    console.log(`  no-op resync (webhook, unchanged Git): ${(noop / 1000).toFixed(2)} s, ${objectWrites.length} object writes (target 0, < 1 s)${noopWrites.length > 0 ? `; all writes: ${breakdown(noopWrites)}` : ''}`);
    console.log(`  commit -> Rollout spec updated by webhook: p50 ${(percentile(latencies, 50) / 1000).toFixed(2)} s, max ${(Math.max(...latencies) / 1000).toFixed(2)} s over ${ROUNDS} (target < 2 s)`);
  } finally {
    await suite.stop();
    await git.stop();
  }
}

/** The audit log is written in 1 s batches: wait for the last one. */
async function waitQuiet(cluster: { waitFor: (what: string, check: () => boolean, o: { timeoutMs: number; intervalMs: number }) => Promise<unknown> }): Promise<void> {
  const until = Date.now() + 1_500;
  await cluster.waitFor('the audit batch', () => Date.now() > until, { timeoutMs: 10_000, intervalMs: 250 });
}

await main();

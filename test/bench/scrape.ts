// The cost of one /metrics scrape with N rollouts, analysis runs and Applications in the caches
// (ADR 007: state metrics are computed at scrape). Pure CPU, no cluster: prints ms per scrape and
// the exposition's size for N = BENCH_SCRAPE_N (default 1000).
import { addAnalysisSource, addApplicationSource, addRolloutSource, scrape, type AnalysisSample, type ApplicationSample, type RolloutSample } from '../../src/metrics/sources.ts';

const n = Number.parseInt(process.env.BENCH_SCRAPE_N ?? '1000', 10);
const rollouts: RolloutSample[] = Array.from({ length: n }, (_, i) => ({
  namespace: `ns-${i % 20}`,
  rollout: `web-${i}`,
  strategy: 'canary',
  stableHash: 'aaaaaaaaaa',
  canaryHash: i % 2 === 0 ? 'bbbbbbbbbb' : 'aaaaaaaaaa',
  stableService: `web-${i}-stable`,
  canaryService: `web-${i}-canary`,
  phase: i % 2 === 0 ? 'Paused' : 'Healthy',
  setWeight: 10,
  actualWeight: 10,
  step: 1,
  steps: 2,
  replicas: (['stable', 'canary'] as const).flatMap((role) => (['desired', 'ready', 'available'] as const).map((state) => ({ role, state, value: 1 }))),
  analysisMetrics: [{ metric: 'success-rate', provider: 'prometheus' }],
}));
const runs: AnalysisSample[] = rollouts.map((r) => ({ namespace: r.namespace, rollout: r.rollout, phase: 'Running', metrics: [{ metric: 'success-rate', provider: 'prometheus', value: 0.99, success: 0.95, failure: undefined }] }));
const apps: ApplicationSample[] = Array.from({ length: Math.ceil(n / 10) }, (_, i) => ({ namespace: `ns-${i}`, application: `app-${i}`, repo: 'https://git.example/a.git', revision: 'abc', sync: 'Synced', health: 'Healthy' }));
addRolloutSource(() => rollouts);
addAnalysisSource(() => runs);
addApplicationSource(() => apps);

await scrape(); // warm-up: the first scrape creates every series
const times: number[] = [];
let bytes = 0;
for (let i = 0; i < 10; i++) {
  const started = performance.now();
  bytes = (await scrape()).body.length;
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
console.log(`scrape with ${n} rollouts, ${n} runs, ${apps.length} applications: median ${times[5]?.toFixed(1)} ms, min ${times[0]?.toFixed(1)} ms, ${Math.round(bytes / 1024)} KiB`);

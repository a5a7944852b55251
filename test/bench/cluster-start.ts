// make bench (harness part): how fast a test control plane starts and how much memory it takes.
// Prints min/median/max over N runs (default 5) of: start → fake Node Ready, and a 3-replica
// Deployment → 3 Ready; and the peak RSS (VmHWM) of the five processes summed, per run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster } from '../harness/cluster.ts';
import { deployment, readyReplicas } from '../harness/fixtures.ts';

const runs = Number.parseInt(process.env.BENCH_RUNS ?? '5', 10);

function peakRssMiB(dir: string): { total: number; each: Record<string, number> } {
  const each: Record<string, number> = {};
  for (const line of readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n')) {
    const [pid, name] = line.split(' ');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number.parseInt(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? '0', 10);
    each[name ?? pid ?? '?'] = Math.round(kb / 1024);
  }
  return { total: Object.values(each).reduce((a, b) => a + b, 0), each };
}

const stats = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `min ${s[0]} / median ${s[Math.floor(s.length / 2)]} / max ${s[s.length - 1]}`;
};

const startMs: number[] = [];
const deployMs: number[] = [];
const rss: number[] = [];
let lastEach: Record<string, number> = {};
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const cluster = await startCluster();
  startMs.push(Math.round(performance.now() - t0));
  try {
    const namespace = 'default';
    const t1 = performance.now();
    await cluster.clients.apps.createNamespacedDeployment({ namespace, body: deployment('bench', 3) });
    await cluster.waitFor('3 ready', async () => (await readyReplicas(cluster, namespace, 'bench')) === 3, { intervalMs: 20 });
    deployMs.push(Math.round(performance.now() - t1));
    const peak = peakRssMiB(cluster.dir);
    rss.push(peak.total);
    lastEach = peak.each;
  } finally {
    await cluster.stop();
  }
}
console.log(`control plane start → Node Ready (ms, ${runs} runs): ${stats(startMs)}`);
console.log(`3-replica Deployment → 3 Ready (ms):            ${stats(deployMs)}`);
console.log(`peak RSS of the processes (MiB):                ${stats(rss)}`);
console.log(`  last run per process (MiB): ${JSON.stringify(lastEach)}`);

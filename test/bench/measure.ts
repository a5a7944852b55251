// Small measuring tools of the benchmarks: bounded-concurrency loops, percentiles, a process's
// memory over time, and the controller's API requests from the apiserver's audit log.
import { readFileSync } from 'node:fs';
import type { AuditEvent } from '../harness/cluster.ts';

/** Runs `work` on every item with at most `limit` in flight; rejects with the first failure. */
export async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        await work(items[index] as T, index);
      } catch (error) {
        next = items.length; // the other workers stop taking items
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export interface RssSampler {
  /** VmRSS in MiB when sampling started. */
  readonly startMiB: number;
  /** Median VmRSS in MiB of the samples taken between two Date.now() moments. */
  medianMiB(fromMs: number, toMs: number): number;
  /** VmHWM (peak RSS) in MiB, read now. */
  peakMiB(): number;
  /** The largest sample: when (Date.now() clock) and how much (MiB). */
  largest(): { atMs: number; mib: number } | undefined;
  stop(): void;
}

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number.parseInt(match[1], 10);
  } catch {
    return undefined; // the process has exited
  }
}

/** Samples /proc/<pid>/status VmRSS every `intervalMs`. */
export function sampleRss(pid: number, intervalMs = 200): RssSampler {
  const samples: { atMs: number; kib: number }[] = [];
  const take = (): void => {
    const kib = statusKiB(pid, 'VmRSS');
    if (kib !== undefined) samples.push({ atMs: Date.now(), kib });
  };
  take();
  const timer = setInterval(take, intervalMs);
  timer.unref();
  return {
    startMiB: Math.round((samples[0]?.kib ?? Number.NaN) / 1024),
    medianMiB(fromMs, toMs) {
      const inWindow = samples.filter((s) => s.atMs >= fromMs && s.atMs <= toMs).map((s) => s.kib);
      return inWindow.length === 0 ? Number.NaN : Math.round(percentile(inWindow, 50) / 1024);
    },
    peakMiB: () => Math.round((statusKiB(pid, 'VmHWM') ?? Number.NaN) / 1024),
    largest: () => {
      const top = samples.reduce<{ atMs: number; kib: number } | undefined>((best, s) => (best === undefined || s.kib > best.kib ? s : best), undefined);
      return top === undefined ? undefined : { atMs: top.atMs, mib: Math.round(top.kib / 1024) };
    },
    stop: () => clearInterval(timer),
  };
}

/** Completed requests received in [fromMs, toMs] (Date.now() clock, as the audit log's). */
export function requestsBetween(events: readonly AuditEvent[], fromMs: number, toMs: number): AuditEvent[] {
  return events.filter((e) => {
    const at = Date.parse(e.requestReceivedTimestamp);
    return e.stage === 'ResponseComplete' && at >= fromMs && at <= toMs;
  });
}

/** What a controller asks beyond keeping its watches open and its Lease renewed. */
export function beyondWatchesAndLease(events: readonly AuditEvent[]): AuditEvent[] {
  return events.filter((e) => e.verb !== 'watch' && !(e.objectRef?.resource === 'leases' && (e.verb === 'get' || e.verb === 'update')));
}

/** "12 patch services, 3 create events": counts by verb and resource, most first. */
export function breakdown(events: readonly AuditEvent[]): string {
  const counts = new Map<string, number>();
  for (const e of events) {
    const what = `${e.verb} ${e.objectRef?.resource ?? e.requestURI}${e.objectRef?.subresource === undefined ? '' : `/${e.objectRef.subresource}`}`;
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([what, n]) => `${n} ${what}`).join(', ');
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; undefined once it has exited. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    // The command name (field 2) may hold spaces: the fields after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 (11 and 12 after the name), in clock ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

export interface CpuMeter {
  /** "kube-apiserver 41.2 s, etcd 9.8 s, …": CPU used by each process since the meter started, most first. */
  report(): string;
}

/** CPU used by each of `processes` (and this process, as "bench") from now until report(). */
export function meterCpu(processes: readonly { name: string; pid: number }[]): CpuMeter {
  const start = new Map(processes.map((p) => [p.name, cpuSeconds(p.pid) ?? 0]));
  const self = process.cpuUsage();
  return {
    report() {
      const used = processes.map((p) => [p.name, (cpuSeconds(p.pid) ?? Number.NaN) - (start.get(p.name) ?? 0)] as const);
      const mine = process.cpuUsage(self);
      used.push(['bench', (mine.user + mine.system) / 1e6]);
      return used.sort((a, b) => b[1] - a[1]).map(([name, s]) => `${name} ${s.toFixed(1)} s`).join(', ');
    },
  };
}

export type RequestCounts = ReadonlyMap<string, number>;

/**
 * Requests the API server has served so far, by "VERB resource[/subresource]", from its own
 * apiserver_request_total (every client, unlike the audit log, which records the controller's):
 * watches and the apiserver's metrics themselves left out.
 */
export async function apiServerRequests(kubectl: (args: readonly string[]) => Promise<string>): Promise<RequestCounts> {
  const counts = new Map<string, number>();
  for (const [, labels = '', value] of (await kubectl(['get', '--raw', '/metrics'])).matchAll(/^apiserver_request_total\{([^}]*)\} (\S+)$/gm)) {
    const label = (name: string): string => new RegExp(`(?:^|,)${name}="([^"]*)"`).exec(labels)?.[1] ?? '';
    const verb = label('verb');
    if (verb === 'WATCH' || verb === 'CONNECT' || label('resource') === '') continue;
    const key = `${verb} ${label('resource')}${label('subresource') === '' ? '' : `/${label('subresource')}`}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(value));
  }
  return counts;
}

/** "12,345 in all: 3,000 POST pods, …": what was served between two counts, most first. */
export function requestsServed(before: RequestCounts, after: RequestCounts, top = 12): string {
  const served = [...after].map(([key, n]) => [key, n - (before.get(key) ?? 0)] as const).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const total = served.reduce((sum, [, n]) => sum + n, 0);
  return `${total} in all: ${served.slice(0, top).map(([key, n]) => `${n} ${key}`).join(', ')}`;
}

// prom-client without its index. `import 'prom-client'` loads its Pushgateway (http, https, zlib)
// and, through the default process-CPU metric, @opentelemetry/api: ~17 MiB of RSS in a bare Node
// process, which uses neither (docs/adr/008). This module loads the classes from their own files and runs
// the default metrics one by one, with process_cpu_* written here the same way (names, help and
// values as prom-client's, without the exemplar path that needs OpenTelemetry).
import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';

const load = createRequire(import.meta.url);

export const Registry = load('prom-client/lib/registry') as typeof Prom.Registry;
export const Counter = load('prom-client/lib/counter') as typeof Prom.Counter;
export const Gauge = load('prom-client/lib/gauge') as typeof Prom.Gauge;
export const Histogram = load('prom-client/lib/histogram') as typeof Prom.Histogram;
export type Registry = Prom.Registry;
export type Counter<T extends string = string> = Prom.Counter<T>;
export type Gauge<T extends string = string> = Prom.Gauge<T>;
export type Histogram<T extends string = string> = Prom.Histogram<T>;

type DefaultMetric = (registry: Prom.Registry, config: { eventLoopMonitoringPrecision: number }) => void;

/** prom-client's default metrics but process_cpu_* (processCpuTotal loads OpenTelemetry). */
const DEFAULTS = [
  'processStartTime', 'osMemoryHeap', 'processOpenFileDescriptors', 'processMaxFileDescriptors', 'eventLoopLag',
  'processResources', 'processHandles', 'processRequests', 'heapSizeAndUsed', 'heapSpacesSizeAndUsed', 'version', 'gc',
];

/** What collectDefaultMetrics({ register }) registers, with the same names and meaning. */
export function collectDefaultMetrics(registry: Prom.Registry): void {
  for (const name of DEFAULTS) (load(`prom-client/lib/metrics/${name}`) as DefaultMetric)(registry, { eventLoopMonitoringPrecision: 10 });
  processCpu(registry);
}

function processCpu(registry: Prom.Registry): void {
  const registers = [registry];
  let last = process.cpuUsage();
  // As prom-client: the first counter's collect() brings all three up to date at each scrape.
  const user: Prom.Counter = new Counter({
    name: 'process_cpu_user_seconds_total',
    help: 'Total user CPU time spent in seconds.',
    registers,
    collect() {
      const now = process.cpuUsage();
      const userSeconds = (now.user - last.user) / 1e6;
      const systemSeconds = (now.system - last.system) / 1e6;
      last = now;
      user.inc(userSeconds);
      system.inc(systemSeconds);
      total.inc(userSeconds + systemSeconds);
    },
  });
  const system = new Counter({ name: 'process_cpu_system_seconds_total', help: 'Total system CPU time spent in seconds.', registers });
  const total = new Counter({ name: 'process_cpu_seconds_total', help: 'Total user and system CPU time spent in seconds.', registers });
}

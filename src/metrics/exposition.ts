// Metric families written straight to the Prometheus text format, for the state metrics that are
// recomputed from the caches at every scrape (sources.ts). prom-client's gauges hash and sort the
// labels of every set() and format every value again at scrape: at 1,000 rollouts that was
// ~130 ms of blocked event loop per scrape (test/bench/scrape.ts). A family here is a list of
// ready lines, rebuilt per scrape.

export interface FamilySpec {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly labelNames: readonly string[];
}

export class Family implements FamilySpec {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly labelNames: readonly string[];
  #lines: string[] = [];

  constructor(spec: FamilySpec) {
    this.name = spec.name;
    this.help = spec.help;
    this.type = spec.type;
    this.labelNames = spec.labelNames;
  }

  /** One sample; `labels` must carry every label name of the family. */
  set(labels: Readonly<Record<string, string>>, value: number): void {
    const pairs = this.labelNames.map((l) => `${l}="${escapeLabel(labels[l] ?? '')}"`).join(',');
    this.#lines.push(`${this.name}${pairs === '' ? '' : `{${pairs}}`} ${formatValue(value)}\n`);
  }

  reset(): void {
    this.#lines = [];
  }

  /** HELP, TYPE and the samples; nothing when the family has none (as prom-client). */
  render(): string {
    if (this.#lines.length === 0) return '';
    return `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.type}\n${this.#lines.join('')}`;
  }
}

export function escapeLabel(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

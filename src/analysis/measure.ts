// One measurement of a Prometheus or web metric: arguments substituted where they stand (PromQL
// escaping by position for queries, plain text elsewhere), the provider called, and every secret
// value scrubbed from what comes back. Never throws. The providers (axios under prometheus-query,
// got) are imported on first use: a controller whose Rollouts use no analysis does not pay
// their ~30 MiB of RSS.
import type { MetricProvider, PrometheusProvider, WebProvider } from '../api/analysis.ts';
import { substitutePromQL, substituteText, type ArgValue } from './args.ts';
import type { MeasureContext, ProviderOutcome } from './provider.ts';

export type Args = Readonly<Record<string, ArgValue>>;

const UNSUPPORTED = ['datadog', 'newRelic', 'wavefront', 'kayenta', 'cloudWatch', 'graphite', 'influxdb', 'skywalking', 'plugin'];

export async function measureMetric(provider: MetricProvider, args: Args, ctx: MeasureContext): Promise<ProviderOutcome> {
  try {
    return redact(await dispatch(provider, args, ctx), args);
  } catch (error) {
    // A provider bug must not stop the run: it is an Error measurement like any other.
    return redact({ ok: false, message: `provider failed: ${error instanceof Error ? error.message : String(error)}` }, args);
  }
}

async function dispatch(provider: MetricProvider, args: Args, ctx: MeasureContext): Promise<ProviderOutcome> {
  if (provider.prometheus !== undefined) return prometheus(provider.prometheus, args, ctx);
  if (provider.web !== undefined) return web(provider.web, args, ctx);
  const named = Object.keys(provider).find((key) => UNSUPPORTED.includes(key));
  return { ok: false, message: named === undefined ? 'no metric provider set' : `provider ${named} is not supported by Sluice` };
}

async function prometheus(p: PrometheusProvider, args: Args, ctx: MeasureContext): Promise<ProviderOutcome> {
  if (p.rangeQuery !== undefined) return { ok: false, message: 'prometheus rangeQuery is not supported by Sluice yet' };
  if (p.authentication !== undefined) return { ok: false, message: 'prometheus authentication (sigv4/oauth2) is not supported by Sluice yet; use headers' };
  const query = substitutePromQL(p.query, args);
  if (!query.ok) return { ok: false, message: query.message };
  const address = text(p.address ?? process.env.SLUICE_PROMETHEUS_ADDRESS ?? '', args);
  if (!address.ok) return address;
  if (address.text === '') return { ok: false, message: 'prometheus address is not set (provider.prometheus.address or SLUICE_PROMETHEUS_ADDRESS)' };
  const headers = headersOf(p.headers, args);
  if (!headers.ok) return headers;
  const { measurePrometheus } = await import('./providers/prometheus.ts');
  return measurePrometheus({ address: address.text, query: query.query, timeout: p.timeout, insecure: p.insecure, headers: headers.headers }, ctx);
}

async function web(w: WebProvider, args: Args, ctx: MeasureContext): Promise<ProviderOutcome> {
  if (w.authentication !== undefined) return { ok: false, message: 'web authentication (oauth2) is not supported by Sluice yet; use headers' };
  const url = text(w.url, args);
  if (!url.ok) return url;
  const headers = headersOf(w.headers, args);
  if (!headers.ok) return headers;
  const body = text(w.body ?? '', args);
  if (!body.ok) return body;
  const { method, jsonBody, jsonPath, timeoutSeconds, insecure } = w;
  const { measureWeb } = await import('./providers/web.ts');
  return measureWeb({ url: url.text, method, headers: headers.headers, body: w.body === undefined ? undefined : body.text, jsonBody, jsonPath, timeoutSeconds, insecure }, ctx);
}

function text(value: string, args: Args): { ok: true; text: string } | { ok: false; message: string } {
  const substituted = substituteText(value, args);
  return substituted.ok ? { ok: true, text: substituted.text } : { ok: false, message: substituted.message };
}

function headersOf(
  headers: readonly { key: string; value: string }[] | undefined,
  args: Args,
): { ok: true; headers: { key: string; value: string }[] } | { ok: false; message: string } {
  const out: { key: string; value: string }[] = [];
  for (const header of headers ?? []) {
    const value = text(header.value, args);
    if (!value.ok) return { ok: false, message: `header ${header.key}: ${value.message}` };
    out.push({ key: header.key, value: value.text });
  }
  return { ok: true, headers: out };
}

/** Replaces every secret argument's value in what a provider returned (defence in depth). */
export function redact(outcome: ProviderOutcome, args: Args): ProviderOutcome {
  const secrets = Object.values(args)
    .filter((a) => a.secret && a.value.length > 0)
    .map((a) => a.value);
  if (secrets.length === 0) return outcome;
  const scrub = (s: string): string => secrets.reduce((acc, secret) => acc.split(secret).join('*****'), s);
  return outcome.ok ? { ...outcome, value: scrub(outcome.value) } : { ok: false, message: scrub(outcome.message) };
}

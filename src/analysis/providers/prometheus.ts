// The Prometheus provider: one instant query through prometheus-query. A scalar becomes a number
// and an instant vector a list of numbers (Argo's shapes, hence `result[0]`); NaN stays NaN. An
// unreachable server, a timeout, an HTTP or PromQL error, or a range/string result is an error
// outcome, never an exception.
import type * as PromQueryModuleNs from 'prometheus-query';
import { Agent } from 'node:https';
import type { PrometheusDriver as Driver } from 'prometheus-query';
import { parseDurationSeconds } from '../../api/duration.ts';
import type { MeasureContext, ProviderOutcome } from '../provider.ts';

export interface PrometheusQuery {
  readonly address: string;
  /** Arguments already substituted (args.ts). */
  readonly query: string;
  /** Seconds or a duration; default 30s. */
  readonly timeout?: string | number | undefined;
  readonly insecure?: boolean | undefined;
  readonly headers?: readonly { readonly key: string; readonly value: string }[] | undefined;
}

export const DEFAULT_TIMEOUT_SECONDS = 30;

const insecureAgent = new Agent({ rejectUnauthorized: false });

/** prometheus-query (and axios under it) is loaded by the first Prometheus measurement, not at start. */
let driverModule: Promise<typeof PromQueryModuleNs> | undefined;
const loadDriver = (): Promise<typeof PromQueryModuleNs> => (driverModule ??= import('prometheus-query'));

export async function measurePrometheus(q: PrometheusQuery, ctx: MeasureContext = {}): Promise<ProviderOutcome> {
  const timeoutSeconds = q.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : parseDurationSeconds(q.timeout);
  if (timeoutSeconds === undefined || timeoutSeconds <= 0) return { ok: false, message: `prometheus timeout ${JSON.stringify(q.timeout)} is not a duration` };
  let endpoint: string;
  try {
    endpoint = new URL(q.address).toString().replace(/\/$/u, '');
  } catch {
    return { ok: false, message: `prometheus address ${JSON.stringify(q.address)} is not a URL` };
  }
  const { PrometheusDriver } = await loadDriver();
  const driver: Driver = new PrometheusDriver({
    endpoint,
    baseURL: '/api/v1',
    headers: Object.fromEntries((q.headers ?? []).map((h) => [h.key, h.value])),
    timeout: Math.ceil(timeoutSeconds * 1000),
    requestInterceptor: {
      onFulfilled: (config) => {
        if (q.insecure === true) config.httpsAgent = insecureAgent;
        if (ctx.signal !== undefined) config.signal = ctx.signal;
        return config;
      },
    },
  });
  try {
    const result = await driver.instantQuery(q.query, undefined, `${timeoutSeconds}s`);
    return fromResult(result.resultType, result.result as unknown);
  } catch (error) {
    return { ok: false, message: `prometheus: ${describeError(error)}` };
  }
}

function fromResult(resultType: string, result: unknown): ProviderOutcome {
  if (resultType === 'scalar' && Array.isArray(result)) {
    const value = Number.parseFloat(String(result[1]));
    return { ok: true, result: value, value: formatNumber(value) };
  }
  if (resultType === 'vector' && Array.isArray(result)) {
    const values = result.map((sample) => sampleValue(sample));
    return { ok: true, result: values, value: `[${values.map(formatNumber).join(',')}]` };
  }
  return { ok: false, message: `prometheus returned a ${resultType} result; an analysis query must return a scalar or an instant vector` };
}

function sampleValue(sample: unknown): number {
  const value = (sample as { value?: { value?: unknown } } | undefined)?.value?.value;
  return typeof value === 'number' ? value : Number.NaN;
}

/** As Go's strconv.FormatFloat(v, 'f', -1, 64) for ordinary values; Prometheus' spelling otherwise. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function describeError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const e = error as { errorType?: unknown; error?: unknown; httpStatus?: unknown; message?: unknown };
  if (typeof e.errorType === 'string') {
    const status = typeof e.httpStatus === 'number' ? ` (HTTP ${e.httpStatus})` : '';
    return `${e.errorType}${status}: ${typeof e.error === 'string' ? e.error : 'no detail'}`;
  }
  return typeof e.message === 'string' ? e.message : 'unknown error';
}

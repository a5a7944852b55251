// The one duration parser (STYLE.md): Argo's pause `duration` and analysis intervals are either
// a bare integer meaning seconds (30, "30") or a Go duration ("30s", "5m", "1h30m", "1.5h",
// "250ms"), as Argo's RolloutPause.DurationSeconds reads them: strconv.ParseInt first, then
// time.ParseDuration.

const NANOS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3, // U+00B5 micro sign, as Go accepts
  μs: 1e3, // U+03BC Greek mu, as Go accepts
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};
// Go's grammar: one or more terms, each a decimal number (with an optional fraction) and a unit.
const TERM = String.raw`(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)`;
const GO_DURATION = new RegExp(`^\\+?(?:${TERM})+$`, 'u');
const TERMS = new RegExp(TERM, 'gu');
const BARE_INTEGER = /^\+?\d+$/;
/** Go's time.Duration is an int64 of nanoseconds; longer durations do not parse. */
const MAX_NANOS = 2 ** 63 - 1;
/** An int-or-string integer is an int32 in Argo (intstr.IntOrString, strconv.ParseInt(s, 10, 32)). */
const MAX_INT32 = 2 ** 31 - 1;

/**
 * Seconds in a duration, or undefined when Argo would refuse it (negative, no unit, unknown unit,
 * garbage). Exact: "250ms" gives 0.25 (Argo truncates a pause to whole seconds; callers that
 * mirror that use Math.floor).
 */
export function parseDurationSeconds(value: string | number): number | undefined {
  if (typeof value === 'number') return integerSeconds(value);
  if (typeof value !== 'string') return undefined; // a caller's wrongly typed value: no duration
  if (BARE_INTEGER.test(value)) return integerSeconds(Number(value));
  if (!GO_DURATION.test(value)) return undefined;
  let nanos = 0;
  for (const [, amount, unit] of value.matchAll(TERMS)) {
    nanos += Math.round(Number(amount) * (NANOS_PER_UNIT[unit ?? ''] ?? Number.NaN));
  }
  return Number.isFinite(nanos) && nanos <= MAX_NANOS ? nanos / 1e9 : undefined;
}

function integerSeconds(seconds: number): number | undefined {
  return Number.isInteger(seconds) && seconds >= 0 && seconds <= MAX_INT32 ? seconds : undefined;
}

// What every metric provider (Prometheus, web, Job) gives back, and what the AnalysisRun
// controller needs of one. A provider never throws: timeouts, HTTP errors, unreachable servers,
// bad JSON and failed Jobs are data (an `error` outcome), so one bad metric cannot stop a run.

/**
 * The value conditions are evaluated against, as Argo's providers hand it to expr:
 * Prometheus: a scalar → number (NaN possible), an instant vector → number[] (one per sample, in
 * the order Prometheus returns them; [] when empty); web: the JSON value at `jsonPath` (or the
 * whole body) — number, string, boolean, null, array or object.
 */
export type ProviderResult = unknown;

export type ProviderOutcome =
  /** `value` is what status shows (Argo's formatting: `0.95`, `[0.95,0.9]`, JSON for objects). */
  | { readonly ok: true; readonly result: ProviderResult; readonly value: string }
  /** `message` must never contain a secret argument's value. */
  | { readonly ok: false; readonly message: string };

export interface MeasureContext {
  /** Aborted when the run is terminated or the controller stops. */
  readonly signal?: AbortSignal;
}

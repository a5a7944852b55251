// Templates: plain substitution of `{{path.to.value}}` (a leading dot, as in Argo's Go templates
// `{{.rollout.metadata.name}}`, is accepted too), nothing else — no expressions, no function
// calls, no eval. A path into a known root (rollout, analysisRun, app, event, recipient) that
// names nothing renders as ""; anything else between braces (Go template actions like
// `{{if …}}`, unknown roots) is left as written, so a user sees what did not render.
import type { TriggerName } from './triggers.ts';

export interface WebhookTemplate {
  readonly method?: string;
  /** Appended to the service's url. */
  readonly path?: string;
  readonly body?: string;
}

export interface Template {
  readonly message?: string;
  /** Per webhook service name. */
  readonly webhook?: Readonly<Record<string, WebhookTemplate>>;
  /** Slack blocks as a JSON array (rendered, then parsed). */
  readonly slack?: { readonly blocks?: string };
}

const PLACEHOLDER = /\{\{\s*\.?([A-Za-z_][\w-]*(?:(?:\.[\w-]+)|(?:\[\d+\]))*)\s*\}\}/g;

/** How a value is written into the text: as is (messages) or escaped inside a JSON string (bodies). */
export type Escape = (text: string) => string;

export const asIs: Escape = (text) => text;
/** For JSON bodies: a value placed inside "…" cannot end the string or break the document. */
export const jsonStringContent: Escape = (text) => JSON.stringify(text).slice(1, -1);

export function render(text: string, vars: Readonly<Record<string, unknown>>, escape: Escape = asIs): string {
  return text.replace(PLACEHOLDER, (match, path: string) => {
    // Only paths into what templates can name; `{{end}}` and friends stay as written.
    if (!Object.hasOwn(vars, path.split(/[.[]/)[0] ?? '')) return match;
    const value = lookup(vars, path);
    // Objects and arrays render as JSON (placed unquoted in a JSON body, they are JSON).
    if (value !== null && typeof value === 'object') return JSON.stringify(value);
    return escape(scalarText(value));
  });
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/** Own properties only: `constructor`, `__proto__` and the like name nothing. */
export function lookup(vars: unknown, path: string): unknown {
  let current: unknown = vars;
  for (const segment of path.replace(/\[(\d+)\]/g, '.$1').split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** The template a trigger sends unless `trigger.<name>` says otherwise: its name without "on-". */
export function defaultTemplateName(trigger: TriggerName): string {
  return trigger.slice('on-'.length);
}

const ROLLOUT = '{{rollout.metadata.namespace}}/{{rollout.metadata.name}}';
const APP = '{{app.metadata.namespace}}/{{app.metadata.name}}';

/** One per trigger, so a user needs only a service and a subscription. */
export const BUILTIN_TEMPLATES: Readonly<Record<string, Template>> = {
  'rollout-step-completed': {
    message: `Rollout ${ROLLOUT}: step {{rollout.status.currentStepIndex}} of revision {{rollout.status.currentPodHash}} completed (canary weight {{rollout.status.canary.setWeight}}%).`,
  },
  'rollout-paused': {
    message: `Rollout ${ROLLOUT} is paused at step {{rollout.status.currentStepIndex}} ({{rollout.status.message}}): promote it with \`kubectl sluice promote {{rollout.metadata.name}} -n {{rollout.metadata.namespace}}\`.`,
  },
  'rollout-completed': {
    message: `Rollout ${ROLLOUT} completed: revision {{rollout.status.currentPodHash}} is stable and Healthy.`,
  },
  'rollout-aborted': {
    message: `Rollout ${ROLLOUT} was aborted: {{rollout.status.message}}. Traffic is back on {{rollout.status.stableRS}}.`,
  },
  'analysis-run-failed': {
    message: `AnalysisRun {{analysisRun.metadata.namespace}}/{{analysisRun.metadata.name}} ended {{analysisRun.status.phase}}: {{analysisRun.status.message}}`,
  },
  'app-sync-failed': {
    message: `Application ${APP}: sync of {{app.status.operationState.revision}} {{app.status.operationState.phase}}: {{app.status.operationState.message}}`,
  },
  'app-health-degraded': {
    message: `Application ${APP} is Degraded at revision {{app.status.sync.revision}}: {{app.status.health.message}}`,
  },
};

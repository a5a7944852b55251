// The `sluice-notifications` ConfigMap, in the shape of Argo's notifications-engine
// (argo-rollouts-notification-configmap): each key holds YAML.
//   service.webhook.<name>   url, headers [{name, value}], timeout, retryMax, retryWaitMin, retryWaitMax
//   service.slack[.<name>]   url (incoming webhook), token (optional Bearer), username, icon, timeout, retry…
//   template.<name>          message, webhook.<service>.{method, path, body}, slack.blocks
//   trigger.<name>           - send: [template, …]   (built-in triggers; the condition is built in)
// Service values may reference the `sluice-notifications-secret` Secret: `$key` or `${key}`,
// replaced after the YAML is parsed (a secret value cannot change the YAML's structure). A
// problem is reported by key name, never with a value.
import { load } from 'js-yaml';
import { parseDurationSeconds } from '../api/duration.ts';
import type { RetryPolicy } from './retry.ts';
import { BUILTIN_TEMPLATES, type Template, type WebhookTemplate } from './templates.ts';
import { isTriggerName, type TriggerName } from './triggers.ts';

export const CONFIG_MAP_NAME = 'sluice-notifications';
export const SECRET_NAME = 'sluice-notifications-secret';

export interface DeliveryPolicy extends RetryPolicy {
  readonly timeoutMs: number;
}

/** Argo's webhook defaults (retryWaitMin 1s, retryWaitMax 5s, retryMax 3) and a 10 s timeout. */
export const DEFAULT_POLICY: DeliveryPolicy = { timeoutMs: 10_000, retryMax: 3, retryWaitMinMs: 1000, retryWaitMaxMs: 5000 };

export interface Header {
  readonly name: string;
  readonly value: string;
}

export interface WebhookService {
  readonly type: 'webhook';
  readonly name: string;
  readonly url: string;
  readonly headers: readonly Header[];
  readonly policy: DeliveryPolicy;
}

export interface SlackService {
  readonly type: 'slack';
  readonly name: string;
  readonly url: string;
  readonly token?: string;
  readonly username?: string;
  readonly icon?: string;
  readonly policy: DeliveryPolicy;
}

export type Service = WebhookService | SlackService;

export interface NotifyConfig {
  readonly services: ReadonlyMap<string, Service>;
  readonly templates: ReadonlyMap<string, Template>;
  /** Templates each trigger sends, where `trigger.<name>` overrides the default. */
  readonly triggers: ReadonlyMap<TriggerName, readonly string[]>;
  readonly problems: readonly string[];
}

type Data = Readonly<Record<string, string>>;

export function parseConfig(data: Data | undefined, secret: Data | undefined): NotifyConfig {
  const services = new Map<string, Service>();
  const templates = new Map<string, Template>(Object.entries(BUILTIN_TEMPLATES));
  const triggers = new Map<TriggerName, readonly string[]>();
  const problems: string[] = [];
  for (const [key, text] of Object.entries(data ?? {})) {
    try {
      for (const warning of parseKey({ key, text, secret: secret ?? {} }, { services, templates, triggers })) problems.push(`${key}: ${warning}`);
    } catch (error) {
      problems.push(`${key}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  for (const [trigger, names] of triggers) {
    for (const name of names) if (!templates.has(name)) problems.push(`trigger.${trigger}: template "${name}" is not defined`);
  }
  return { services, templates, triggers, problems };
}

interface Entry {
  readonly key: string;
  readonly text: string;
  readonly secret: Data;
}

interface Sink {
  readonly services: Map<string, Service>;
  readonly templates: Map<string, Template>;
  readonly triggers: Map<TriggerName, readonly string[]>;
}

/** Throws for a key that cannot be used; returns warnings about one that is used in part. */
function parseKey(entry: Entry, sink: Sink): string[] {
  const { key } = entry;
  if (key.startsWith('service.webhook.')) addService(sink, webhookService(key.slice('service.webhook.'.length), fields(entry)));
  else if (key === 'service.slack') addService(sink, slackService('slack', fields(entry)));
  else if (key.startsWith('service.slack.')) addService(sink, slackService(key.slice('service.slack.'.length), fields(entry)));
  else if (key.startsWith('template.')) sink.templates.set(key.slice('template.'.length), templateOf(yamlObject(entry.text)));
  else if (key.startsWith('trigger.')) return setTrigger(sink, key.slice('trigger.'.length), entry.text);
  else throw new Error('unknown key: expected service.webhook.<name>, service.slack, template.<name> or trigger.<name>');
  return [];
}

function addService(sink: Sink, service: Service): void {
  if (sink.services.has(service.name)) throw new Error(`a service named "${service.name}" is defined twice`);
  sink.services.set(service.name, service);
}

/** The YAML of a service with its secret references replaced. */
function fields(entry: Entry): Record<string, unknown> {
  return withSecrets(yamlObject(entry.text), entry.secret) as Record<string, unknown>;
}

function yamlObject(text: string): Record<string, unknown> {
  const value = load(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a YAML mapping');
  return value as Record<string, unknown>;
}

const SECRET_REF = /\$(?:\{([\w.-]+)\}|([\w.-]+))/g;

export function withSecrets(value: unknown, secret: Data): unknown {
  if (typeof value === 'string') {
    return value.replace(SECRET_REF, (_match, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? '';
      const found = secret[name];
      if (found === undefined) throw new Error(`secret key "${name}" is not in the Secret ${SECRET_NAME}`);
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((v) => withSecrets(v, secret));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withSecrets(v, secret)]));
  return value;
}

function webhookService(name: string, o: Record<string, unknown>): WebhookService {
  return { type: 'webhook', name, url: urlOf(o.url), headers: headersOf(o.headers), policy: policyOf(o) };
}

function slackService(name: string, o: Record<string, unknown>): SlackService {
  return {
    type: 'slack',
    name,
    url: urlOf(o.url ?? o.apiURL),
    ...optionalString('token', o.token),
    ...optionalString('username', o.username),
    ...optionalString('icon', o.icon),
    policy: policyOf(o),
  };
}

function optionalString<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value !== 'string') throw new Error(`${key} must be a string`);
  return { [key]: value } as Record<K, string>;
}

function urlOf(value: unknown): string {
  if (typeof value !== 'string') throw new Error('url is required');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('url must be http:// or https://');
  return value;
}

function headersOf(value: unknown): Header[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error('headers must be a list of {name, value}');
  return value.map((h: unknown, i) => {
    const { name, value: v } = (h ?? {}) as { name?: unknown; value?: unknown };
    if (typeof name !== 'string' || name === '' || typeof v !== 'string') throw new Error(`headers[${i}] needs a name and a string value`);
    return { name, value: v };
  });
}

function policyOf(o: Record<string, unknown>): DeliveryPolicy {
  const retryMax = o.retryMax ?? DEFAULT_POLICY.retryMax;
  if (typeof retryMax !== 'number' || !Number.isInteger(retryMax) || retryMax < 0 || retryMax > 20) throw new Error('retryMax must be an integer from 0 to 20');
  const policy = {
    timeoutMs: durationMs('timeout', o.timeout, DEFAULT_POLICY.timeoutMs),
    retryMax,
    retryWaitMinMs: durationMs('retryWaitMin', o.retryWaitMin, DEFAULT_POLICY.retryWaitMinMs),
    retryWaitMaxMs: durationMs('retryWaitMax', o.retryWaitMax, DEFAULT_POLICY.retryWaitMaxMs),
  };
  if (policy.retryWaitMaxMs < policy.retryWaitMinMs) throw new Error('retryWaitMax must not be less than retryWaitMin');
  return policy;
}

function durationMs(key: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const seconds = typeof value === 'string' || typeof value === 'number' ? parseDurationSeconds(value) : undefined;
  if (seconds === undefined || seconds <= 0) throw new Error(`${key} must be a positive duration such as 10s or 500ms`);
  return seconds * 1000;
}

function templateOf(o: Record<string, unknown>): Template {
  const message = optionalString('message', o.message);
  const webhook = o.webhook === undefined ? {} : { webhook: webhookTemplates(o.webhook) };
  const blocks = (o.slack as { blocks?: unknown } | undefined)?.blocks;
  const slack = blocks === undefined ? {} : { slack: { blocks: typeof blocks === 'string' ? blocks : JSON.stringify(blocks) } };
  return { ...message, ...webhook, ...slack };
}

function webhookTemplates(value: unknown): Record<string, WebhookTemplate> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('webhook must map service names to {method, path, body}');
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([service, t]) => {
      const o = (t ?? {}) as Record<string, unknown>;
      return [service, { ...optionalString('method', o.method), ...optionalString('path', o.path), ...optionalString('body', o.body) }];
    }),
  );
}

function setTrigger(sink: Sink, name: string, text: string): string[] {
  if (!isTriggerName(name)) throw new Error(`unknown trigger: the built-in triggers are on-rollout-*, on-analysis-run-failed, on-app-*`);
  const value = load(text);
  if (!Array.isArray(value)) throw new Error('expected a list of {send: [template, …]}');
  const send: string[] = [];
  const warnings = new Set<string>();
  for (const item of value as unknown[]) {
    const { send: s, when, oncePer } = (item ?? {}) as { send?: unknown; when?: unknown; oncePer?: unknown };
    if (!Array.isArray(s) || !s.every((t) => typeof t === 'string')) throw new Error('each item needs send: [template, …]');
    // when/oncePer are Argo's expressions: Sluice's conditions are built in (docs/notifications.md).
    if (when !== undefined || oncePer !== undefined) warnings.add('when and oncePer are ignored: the condition of a built-in trigger is fixed; only send is read');
    send.push(...s);
  }
  sink.triggers.set(name, send);
  return [...warnings];
}

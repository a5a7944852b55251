// From an event, its templates and a service to the HTTP request to send (pure). The templates a
// trigger sends are merged in order (a later one's fields win), as notifications-engine builds
// one notification per recipient. Webhooks get Sluice's JSON payload unless the template has a
// body for that webhook; Slack gets Slack's own shape ({channel, text, blocks}).
import type { Header, Service, SlackService, WebhookService } from './config.ts';
import { jsonStringContent, asIs, render, type Template, type WebhookTemplate } from './templates.ts';

export const EVENT_ID_HEADER = 'X-Sluice-Event-Id';

export interface ObjectSummary {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly uid?: string;
}

/** One occurrence of a trigger for one recipient of one service. */
export interface NotificationEvent {
  readonly id: string;
  readonly trigger: string;
  readonly oncePer: string;
  readonly recipient: string;
  /** RFC 3339: when the controller saw the condition. */
  readonly time: string;
  readonly object: ObjectSummary;
  /** The object's status when the condition held. */
  readonly status: unknown;
}

export interface OutgoingRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What templates can name: rollout, analysisRun, app (the objects) and event.*. */
export type TemplateVars = Readonly<Record<string, unknown>>;

export function mergeTemplates(templates: readonly Template[]): Template {
  let merged: Template = {};
  for (const t of templates) {
    merged = { ...merged, ...t, webhook: { ...merged.webhook, ...t.webhook }, slack: { ...merged.slack, ...t.slack } };
  }
  return merged;
}

export function buildRequest(service: Service, template: Template, vars: TemplateVars, event: NotificationEvent): OutgoingRequest {
  const allVars = { ...vars, event, recipient: event.recipient };
  const message = render(template.message ?? '', allVars);
  return service.type === 'slack' ? slackRequest(service, template, { message, vars: allVars, event }) : webhookRequest(service, template.webhook?.[service.name], { message, vars: allVars, event });
}

interface Rendering {
  readonly message: string;
  readonly vars: TemplateVars;
  readonly event: NotificationEvent;
}

/** Sluice's own payload (docs/notifications.md), for webhooks whose template has no body. */
export function defaultPayload(message: string, event: NotificationEvent): Record<string, unknown> {
  return {
    eventId: event.id,
    trigger: event.trigger,
    oncePer: event.oncePer,
    time: event.time,
    recipient: event.recipient,
    message,
    object: event.object,
    status: event.status,
  };
}

function webhookRequest(service: WebhookService, template: WebhookTemplate | undefined, r: Rendering): OutgoingRequest {
  const headers = headerRecord(service.headers);
  const contentType = headers['content-type'] ?? 'application/json';
  const escape = contentType.includes('json') ? jsonStringContent : asIs;
  const body = template?.body === undefined ? JSON.stringify(defaultPayload(r.message, r.event)) : render(template.body, r.vars, escape);
  return {
    url: service.url + render(template?.path ?? '', r.vars, encodeURIComponent),
    method: (template?.method ?? 'POST').toUpperCase(),
    headers: { 'content-type': contentType, ...headers, [EVENT_ID_HEADER.toLowerCase()]: r.event.id },
    body,
  };
}

function slackRequest(service: SlackService, template: Template, r: Rendering): OutgoingRequest {
  const blocksText = template.slack?.blocks;
  const payload = {
    ...(r.event.recipient === '' ? {} : { channel: r.event.recipient }),
    text: r.message,
    ...(blocksText === undefined ? {} : { blocks: JSON.parse(render(blocksText, r.vars, jsonStringContent)) as unknown }),
    ...(service.username === undefined ? {} : { username: service.username }),
    ...iconOf(service.icon),
  };
  const auth: Record<string, string> = service.token === undefined ? {} : { authorization: `Bearer ${service.token}` };
  return {
    url: service.url,
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', ...auth, [EVENT_ID_HEADER.toLowerCase()]: r.event.id },
    body: JSON.stringify(payload),
  };
}

function iconOf(icon: string | undefined): Record<string, string> {
  if (icon === undefined) return {};
  return /^:[\w+-]+:$/.test(icon) ? { icon_emoji: icon } : { icon_url: icon };
}

function headerRecord(headers: readonly Header[]): Record<string, string> {
  return Object.fromEntries(headers.map((h) => [h.name.toLowerCase(), h.value]));
}

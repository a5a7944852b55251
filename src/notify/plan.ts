// Which notifications an object's state calls for (pure): every trigger that holds × every
// subscription to it × every recipient, minus what the object's record says was already
// delivered (or given up on).
import type { NotifyConfig, Service } from './config.ts';
import { recordKey } from './record.ts';
import type { Subscription } from './subscriptions.ts';
import { defaultTemplateName, type Template } from './templates.ts';
import { eventIdOf, isTriggerName, type TriggerHit } from './triggers.ts';

export interface PlannedDelivery {
  /** The record key (record.ts): trigger, once-per value, service and recipient. */
  readonly key: string;
  readonly hit: TriggerHit;
  readonly eventId: string;
  readonly service: Service;
  readonly recipient: string;
  readonly templates: readonly Template[];
}

export interface PlanInput {
  readonly uid: string;
  readonly hits: readonly TriggerHit[];
  readonly subscriptions: readonly Subscription[];
  readonly recorded: ReadonlySet<string>;
  readonly config: NotifyConfig;
}

export interface Plan {
  readonly deliveries: PlannedDelivery[];
  /** Subscriptions that cannot be served (unknown trigger or service), for the log. */
  readonly problems: string[];
}

export function planDeliveries(input: PlanInput): Plan {
  const deliveries: PlannedDelivery[] = [];
  const problems = input.subscriptions.flatMap((s) => subscriptionProblems(s, input.config));
  for (const hit of input.hits) {
    for (const subscription of input.subscriptions) {
      const service = input.config.services.get(subscription.service);
      if (subscription.trigger !== hit.trigger || service === undefined) continue;
      deliveries.push(...forRecipients({ hit, service, recipients: subscription.recipients, uid: input.uid }, input));
    }
  }
  return { deliveries, problems };
}

interface Target {
  readonly hit: TriggerHit;
  readonly service: Service;
  readonly recipients: readonly string[];
  readonly uid: string;
}

function forRecipients(target: Target, input: PlanInput): PlannedDelivery[] {
  const { hit, service } = target;
  const templates = templatesFor(hit, input.config);
  const eventId = eventIdOf(target.uid, hit);
  return target.recipients
    .map((recipient) => ({ key: recordKey({ trigger: hit.trigger, oncePer: hit.oncePer, service: service.name, recipient }), hit, eventId, service, recipient, templates }))
    .filter((d) => !input.recorded.has(d.key));
}

export function templatesFor(hit: TriggerHit, config: NotifyConfig): Template[] {
  const names = config.triggers.get(hit.trigger) ?? [defaultTemplateName(hit.trigger)];
  return names.map((n) => config.templates.get(n)).filter((t) => t !== undefined);
}

function subscriptionProblems(s: Subscription, config: NotifyConfig): string[] {
  const problems: string[] = [];
  if (!isTriggerName(s.trigger)) problems.push(`subscription to unknown trigger "${s.trigger}"`);
  if (!config.services.has(s.service)) problems.push(`subscription to service "${s.service}", which the ConfigMap does not define`);
  return problems;
}

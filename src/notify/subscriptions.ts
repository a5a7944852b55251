// Subscriptions are annotations on the object (on the owning Rollout for AnalysisRuns), as
// Argo's `notifications.argoproj.io/subscribe.<trigger>.<service>: <recipients>`:
//   notifications.sluice.dev/subscribe.on-rollout-aborted.slack: "#deploys;#oncall"
// Recipients are separated by ";" (Argo's separator); an empty value is one delivery with no
// recipient (a webhook, or Slack's default channel for the incoming webhook).
export const SUBSCRIBE_PREFIX = 'notifications.sluice.dev/subscribe.';

export interface Subscription {
  readonly trigger: string;
  readonly service: string;
  readonly recipients: readonly string[];
}

export function subscriptionsOf(annotations: Readonly<Record<string, string>> | undefined): Subscription[] {
  const subscriptions: Subscription[] = [];
  for (const [key, value] of Object.entries(annotations ?? {})) {
    if (!key.startsWith(SUBSCRIBE_PREFIX)) continue;
    const rest = key.slice(SUBSCRIBE_PREFIX.length);
    const dot = rest.indexOf('.');
    // The trigger has no dots; the service name is everything after the first one.
    if (dot <= 0 || dot === rest.length - 1) continue;
    subscriptions.push({ trigger: rest.slice(0, dot), service: rest.slice(dot + 1), recipients: recipientsOf(value) });
  }
  return subscriptions;
}

function recipientsOf(value: string): string[] {
  const recipients = [...new Set(value.split(';').map((r) => r.trim()).filter((r) => r !== ''))];
  return recipients.length === 0 ? [''] : recipients;
}

// An AnalysisRun's arguments as values, at measurement time. Secret arguments stay references in
// the run's spec and are read here, each time, so their values live only in memory for the length
// of a measurement: never in status, events, logs or error messages.
import type { Argument } from '../api/analysis.ts';
import type { KubeClients } from '../kube/client.ts';
import { messageOf } from '../kube/errors.ts';
import type { KubeObject } from '../kube/object.ts';
import { getObject } from '../kube/patch.ts';
import type { ArgValue } from './args.ts';

export type ResolvedArgs = { readonly ok: true; readonly args: Record<string, ArgValue> } | { readonly ok: false; readonly message: string };

interface SecretObject extends KubeObject {
  readonly data?: Readonly<Record<string, string>>;
}

/** Plain values only (no Secret reads): for limits and counts written as {{args.x}}. */
export function plainArgs(args: readonly Argument[] | undefined): Record<string, ArgValue> {
  const out: Record<string, ArgValue> = {};
  for (const arg of args ?? []) if (arg.value !== undefined) out[arg.name] = { value: arg.value, secret: false };
  return out;
}

export async function resolveRunArgs(clients: KubeClients, namespace: string, args: readonly Argument[] | undefined): Promise<ResolvedArgs> {
  const out: Record<string, ArgValue> = {};
  for (const arg of args ?? []) {
    const value = arg.value === undefined ? await secretArg(clients, namespace, arg) : { value: arg.value, secret: false };
    if ('message' in value) return { ok: false, message: value.message };
    out[arg.name] = value;
  }
  return { ok: true, args: out };
}

async function secretArg(clients: KubeClients, namespace: string, arg: Argument): Promise<ArgValue | { readonly message: string }> {
  const ref = arg.valueFrom?.secretKeyRef;
  if (ref === undefined) return { message: `argument ${arg.name} has no value` };
  let secret: SecretObject | undefined;
  try {
    secret = await getObject<SecretObject>(clients, { apiVersion: 'v1', kind: 'Secret', namespace, name: ref.name });
  } catch (error) {
    return { message: `argument ${arg.name}: reading Secret ${ref.name}: ${messageOf(error)}` };
  }
  if (secret === undefined) return { message: `argument ${arg.name}: Secret ${ref.name} not found` };
  const encoded = secret.data?.[ref.key];
  if (encoded === undefined) return { message: `argument ${arg.name}: Secret ${ref.name} has no key ${ref.key}` };
  return { value: Buffer.from(encoded, 'base64').toString('utf8'), secret: true };
}

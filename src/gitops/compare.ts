// Does a live object differ from what the engine would apply? Two checks, neither of which needs
// the API server (a dry run per object per interval would cost requests while idle):
//   1. values: every field the desired object sets has the same value live. Fields only the live
//      object has are the API server's defaults or other managers' fields and do not count; lists
//      of objects with a key (containers by name, ports by port, …) are matched by key, others by
//      position; Kubernetes quantities compare by value ("1000m" = "1").
//   2. ownership: every field the engine's field manager owns (metadata.managedFields, the
//      server-side apply record) is still set by the desired object — otherwise Git removed it,
//      and the next apply would delete it live, so the object differs.
// `ignore` pointers are neither compared nor reverted (adoptIgnored puts their live value into
// what is applied). Pure.
import type { KubeObject } from '../kube/object.ts';
import { getPointer, parsePointer, removePointer, setPointer } from './json-pointer.ts';

export interface CompareOptions {
  readonly manager: string;
  /** RFC 6901 JSON pointers neither compared nor reverted. */
  readonly ignore?: readonly string[];
}

export type Comparison = { readonly equal: true } | { readonly equal: false; readonly differences: readonly string[] };

const MAX_DIFFERENCES = 10;
/** Never compared: written by the API server, or by clients other than the engine. */
const ALWAYS_IGNORED = ['/metadata/managedFields', '/metadata/resourceVersion', '/metadata/uid', '/metadata/generation', '/metadata/creationTimestamp', '/metadata/selfLink', '/status', '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration'];
/** Keys that identify an element of a list of objects (the associative lists of the core API). */
const LIST_KEYS: readonly (readonly string[])[] = [['name'], ['containerPort', 'protocol'], ['port', 'protocol'], ['type'], ['key'], ['mountPath'], ['devicePath'], ['ip'], ['topologyKey'], ['uid']];

export function compare(desired: KubeObject, live: KubeObject, options: CompareOptions): Comparison {
  const ignore = [...ALWAYS_IGNORED, ...(options.ignore ?? [])];
  const d = without(desired, ignore);
  const differences: string[] = [];
  covers(d, without(live, ignore), '', differences);
  const owned = ownedFields(live, options.manager);
  if (owned !== undefined) removedFields(owned, d, '', { out: differences, ignore });
  return differences.length === 0 ? { equal: true } : { equal: false, differences: differences.slice(0, MAX_DIFFERENCES) };
}

/** The desired object with each ignored pointer's live value (or without it when live has none). */
export function adoptIgnored(desired: KubeObject, live: KubeObject | undefined, pointers: readonly string[]): KubeObject {
  let out = desired;
  for (const pointer of pointers) {
    const value = live === undefined ? undefined : getPointer(live, pointer);
    out = (value === undefined ? removePointer(out, pointer) : setPointer(out, pointer, value)) as KubeObject;
  }
  return out;
}

function without(object: KubeObject, pointers: readonly string[]): unknown {
  let out: unknown = object;
  for (const pointer of pointers) out = removePointer(out, pointer);
  return out;
}

// ---------------------------------------------------------------------------------------------
// 1. Values

function covers(desired: unknown, live: unknown, path: string, out: string[]): void {
  if (out.length >= MAX_DIFFERENCES) return;
  if (Array.isArray(desired)) return coversList(desired, live, path, out);
  if (isObject(desired)) {
    if (!isObject(live)) return void out.push(`${path || '/'}: ${describe(live)} live, an object in Git`);
    for (const [key, value] of Object.entries(desired)) {
      if (value === null) continue; // null in a manifest means "unset"
      if (!Object.hasOwn(live, key)) out.push(`${path}/${key}: missing live`);
      else covers(value, live[key], `${path}/${key}`, out);
    }
    return;
  }
  if (!sameScalar(desired, live)) out.push(`${path}: ${describe(live)} live, ${describe(desired)} in Git`);
}

function coversList(desired: readonly unknown[], live: unknown, path: string, out: string[]): void {
  if (!Array.isArray(live)) return void out.push(`${path}: ${describe(live)} live, a list in Git`);
  const keys = listKeys(desired);
  if (keys === undefined) {
    if (desired.length !== live.length) return void out.push(`${path}: ${live.length} items live, ${desired.length} in Git`);
    desired.forEach((item, i) => covers(item, live[i], `${path}/${i}`, out));
    return;
  }
  const items = live as unknown[];
  for (const item of desired) {
    const match = items.find((l) => keys.every((k) => !Object.hasOwn(item as object, k) || sameScalar((item as Record<string, unknown>)[k], isObject(l) ? l[k] : undefined)));
    const label = `[${keys.filter((k) => Object.hasOwn(item as object, k)).map((k) => `${k}=${String((item as Record<string, unknown>)[k])}`).join(',')}]`;
    if (match === undefined) out.push(`${path}${label}: missing live`);
    else covers(item, match, `${path}${label}`, out);
  }
}

/** The key of a list of objects, when every element has it; undefined for atomic lists. */
function listKeys(items: readonly unknown[]): readonly string[] | undefined {
  if (items.length === 0 || !items.every(isObject)) return undefined;
  return LIST_KEYS.find((keys) => items.every((item) => Object.hasOwn(item as object, keys[0] ?? '')));
}

function sameScalar(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === 'number' || typeof a === 'string') && (typeof b === 'number' || typeof b === 'string')) {
    if (String(a) === String(b)) return true;
    const qa = quantity(String(a));
    const qb = quantity(String(b));
    return qa !== undefined && qa === qb;
  }
  return false;
}

const SUFFIX: Readonly<Record<string, number>> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };

/** A Kubernetes resource quantity's value ("500m", "1Gi", "1e3"), or undefined. */
export function quantity(text: string): number | undefined {
  const match = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/u.exec(text);
  if (match === null) return undefined;
  const base = Number(match[1]);
  if (match[2] !== undefined) return base * 10 ** Number(match[2]);
  return Math.round(base * (SUFFIX[match[3] ?? ''] ?? 1) * 1e9) / 1e9;
}

// ---------------------------------------------------------------------------------------------
// 2. Ownership (managedFields fieldsV1: f:<field>, k:<key json>, v:<value json>, i:<index>)

function ownedFields(live: KubeObject, manager: string): Record<string, unknown> | undefined {
  const entries = (live.metadata as { managedFields?: readonly { manager?: string; operation?: string; subresource?: string; fieldsV1?: unknown }[] }).managedFields ?? [];
  const ours = entries.find((e) => e.manager === manager && e.operation === 'Apply' && (e.subresource ?? '') === '');
  return isObject(ours?.fieldsV1) ? ours.fieldsV1 : undefined;
}

interface Walk {
  readonly out: string[];
  readonly ignore: readonly string[];
}

function removedFields(owned: unknown, desired: unknown, path: string, walk: Walk): void {
  if (!isObject(owned) || walk.out.length >= MAX_DIFFERENCES) return;
  for (const [key, sub] of Object.entries(owned)) {
    if (key === '.') continue;
    const step = ownedStep(key, desired);
    const at = `${path}${step.label}`;
    if (walk.ignore.some((p) => pointerCovers(p, at))) continue;
    if (!step.found) walk.out.push(`${at}: owned by the engine but no longer in Git`);
    else removedFields(sub, step.value, at, walk);
  }
}

interface Step {
  readonly label: string;
  readonly found: boolean;
  readonly value?: unknown;
}

function ownedStep(key: string, desired: unknown): Step {
  const rest = key.slice(2);
  switch (key.slice(0, 2)) {
    case 'f:':
      return fieldStep(rest, desired);
    case 'i:':
      return indexStep(rest, desired);
    case 'v:':
      return { label: `[${rest}]`, found: Array.isArray(desired) && desired.some((d) => JSON.stringify(d) === rest) };
    case 'k:':
      return keyStep(rest, desired);
    default:
      return { label: `/${key}`, found: true };
  }
}

function fieldStep(name: string, desired: unknown): Step {
  const value = isObject(desired) && Object.hasOwn(desired, name) ? desired[name] : null;
  return value === null ? { label: `/${name}`, found: false } : { label: `/${name}`, found: true, value };
}

function indexStep(index: string, desired: unknown): Step {
  const items = Array.isArray(desired) ? (desired as unknown[]) : [];
  const i = Number(index);
  return i < items.length ? { label: `/${index}`, found: true, value: items[i] } : { label: `/${index}`, found: false };
}

/** An element of an associative list: the desired element whose key fields match (or are defaulted). */
function keyStep(json: string, desired: unknown): Step {
  const key = safeJson(json);
  if (!isObject(key)) return { label: `[${json}]`, found: true };
  const label = `[${Object.entries(key).map(([k, v]) => `${k}=${String(v)}`).join(',')}]`;
  const items = Array.isArray(desired) ? (desired as unknown[]) : [];
  const match = items.find((d) => isObject(d) && Object.entries(key).every(([k, v]) => !Object.hasOwn(d, k) || sameScalar(d[k], v)));
  return match === undefined ? { label, found: false } : { label, found: true, value: match };
}

/** Whether an ignore pointer covers a path written as /a/b or /a[k=v]/c (the key form never matches). */
function pointerCovers(pointer: string, path: string): boolean {
  const tokens = parsePointer(pointer);
  if (tokens === undefined) return false;
  const prefix = tokens.length === 0 ? '' : `/${tokens.join('/')}`;
  return path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}[`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

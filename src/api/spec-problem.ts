// What validation reports, and small readers for objects that have not been validated yet:
// semantic checks run even when the schema check found problems elsewhere, so they read every
// value defensively (a wrongly typed value reads as absent) instead of trusting the static type.

/** One thing wrong with a manifest: the field (like `spec.strategy.canary.steps[1].setWeight`) and what to do. */
export interface SpecProblem {
  readonly field: string;
  readonly message: string;
}

export type Loose = Readonly<Record<string, unknown>>;

/** The value if it is a JSON object, else undefined. */
export function objectAt(value: unknown): Loose | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : undefined;
}

/** The value if it is an array, else an empty one. */
export function listAt(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/** Whether a field is set (present and not null: the API server prunes nulls). */
export function isSet(object: Loose | undefined, field: string): boolean {
  const value = object?.[field];
  return value !== undefined && value !== null;
}

/** The names of the fields of `candidates` that are set on `object`, in the order given. */
export function setFields(object: Loose | undefined, candidates: readonly string[]): string[] {
  return candidates.filter((field) => isSet(object, field));
}

export function englishList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
}

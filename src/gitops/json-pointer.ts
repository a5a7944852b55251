// RFC 6901 JSON pointers over plain JSON values, without mutating them: get, set (creating
// objects on the way), remove. `~1` is "/", `~0` is "~". A malformed pointer reads as nothing.

export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer.slice(1).split('/').map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

export function getPointer(value: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens === undefined) return undefined;
  let current = value;
  for (const token of tokens) {
    if (Array.isArray(current)) current = current[Number(token)];
    else if (typeof current === 'object' && current !== null && Object.hasOwn(current, token)) current = (current as Record<string, unknown>)[token];
    else return undefined;
  }
  return current;
}

export function setPointer(value: unknown, pointer: string, next: unknown): unknown {
  const tokens = parsePointer(pointer);
  return tokens === undefined ? value : setAt(value, tokens, next);
}

function setAt(value: unknown, tokens: readonly string[], next: unknown): unknown {
  const [head, ...rest] = tokens;
  if (head === undefined) return next;
  if (Array.isArray(value)) {
    const copy = [...(value as unknown[])];
    copy[Number(head)] = setAt(copy[Number(head)], rest, next);
    return copy;
  }
  const object = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  return { ...object, [head]: setAt(object[head], rest, next) };
}

export function removePointer(value: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  return tokens === undefined || tokens.length === 0 ? value : removeAt(value, tokens);
}

function removeAt(value: unknown, tokens: readonly string[]): unknown {
  const [head, ...rest] = tokens;
  if (head === undefined || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const index = Number(head);
    if (!(index < value.length)) return value;
    return rest.length === 0 ? value.filter((_, i) => i !== index) : value.map((v: unknown, i) => (i === index ? removeAt(v, rest) : v));
  }
  const object = value as Record<string, unknown>;
  if (!Object.hasOwn(object, head)) return value;
  if (rest.length === 0) {
    const { [head]: _removed, ...others } = object;
    return others;
  }
  return { ...object, [head]: removeAt(object[head], rest) };
}

// The line of a field (`spec.strategy.canary.steps[1].setWeight`, `metadata.labels[app]`) in a
// block-style YAML document, for `file:line` messages: each segment is looked for below the
// previous one, deeper indented; `[i]` is the i-th `- ` item of the list. Where a segment cannot
// be found (flow style, a field that is missing), the deepest line found stands. 0-based offset
// from the document's first line.

interface Segment {
  readonly key?: string;
  readonly index?: number;
}

export function parseFieldPath(field: string): Segment[] {
  const segments: Segment[] = [];
  for (const match of field.matchAll(/([^.[\]]+)|\[(\d+)\]|\[([^\]]*)\]/gu)) {
    if (match[1] !== undefined) segments.push({ key: match[1] });
    else if (match[2] !== undefined) segments.push({ index: Number(match[2]) });
    else if (match[3] !== undefined) segments.push({ key: match[3] });
  }
  return segments;
}

const indentOf = (line: string): number => line.length - line.trimStart().length;
const isContent = (line: string): boolean => line.trim() !== '' && !line.trimStart().startsWith('#');

/** A line's key at its own indentation, or after a `- ` list marker. */
function keyAt(line: string): { key: string; column: number } | undefined {
  const match = /^(\s*(?:-\s+)*)(["']?)([^"':#]+)\2\s*:(?:\s|$)/u.exec(line);
  return match === null ? undefined : { key: (match[3] ?? '').trim(), column: (match[1] ?? '').length };
}

export function lineOf(text: string, field: string): number {
  const lines = text.split(/\r?\n/u);
  let at = -1;
  let column = -1;
  let item = false;
  for (const segment of parseFieldPath(field)) {
    const found = segment.index === undefined ? findKey(lines, { at, column, item }, segment.key ?? '') : findItem(lines, at, column, segment.index);
    if (found === undefined) break;
    ({ at, column } = found);
    item = segment.index !== undefined;
  }
  return Math.max(at, 0);
}

/** The block under `at` (deeper indented than `column`), as [line index, line] pairs. */
function* block(lines: readonly string[], at: number, column: number): Generator<[number, string]> {
  for (let i = at + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!isContent(line)) continue;
    if (at >= 0 && indentOf(line) <= column && !line.trimStart().startsWith('- ')) return;
    if (at >= 0 && indentOf(line) < column) return;
    yield [i, line];
  }
}

/** `from.item`: the previous segment was a list item, whose first key shares its `- ` line. */
function findKey(lines: readonly string[], from: { at: number; column: number; item: boolean }, key: string): { at: number; column: number } | undefined {
  const { at, column } = from;
  const first = from.item ? keyAt(lines[at] ?? '') : undefined;
  if (first !== undefined && first.key === key) return { at, column: first.column };
  for (const [i, line] of block(lines, at, column)) {
    const found = keyAt(line);
    if (found !== undefined && found.key === key && found.column > column) return { at: i, column: found.column };
  }
  return undefined;
}

function findItem(lines: readonly string[], at: number, column: number, index: number): { at: number; column: number } | undefined {
  let seen = -1;
  let itemColumn: number | undefined;
  for (const [i, line] of block(lines, at, column)) {
    const trimmed = line.trimStart();
    if (!trimmed.startsWith('- ') && trimmed !== '-') continue;
    const indent = indentOf(line);
    itemColumn ??= indent;
    if (indent !== itemColumn) continue;
    seen += 1;
    // Keys of the item sit after the marker: deeper than the marker's column.
    if (seen === index) return { at: i, column: indent };
  }
  return undefined;
}

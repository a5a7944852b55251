// Splits a multi-document YAML file into its documents with the line each starts on, so a
// problem in the third document is reported at its line in the file. A document marker is a line
// starting with `---` (or `...` ending one) at column 0: inside a block scalar such a line would
// have to be indented, so the split is exact for everything but multi-line quoted scalars that
// start a continuation line with `---` (js-yaml then reports the broken halves).

export interface YamlDocument {
  readonly text: string;
  /** 1-based line of the document's first line in the file. */
  readonly line: number;
}

const START = /^---(?:[ \t].*)?$/u;
const END = /^\.\.\.(?:[ \t].*)?$/u;

export function splitDocuments(text: string): YamlDocument[] {
  const lines = text.split(/\r?\n/u);
  const docs: YamlDocument[] = [];
  let start = 0;
  let current: string[] = [];
  const flush = (): void => {
    // Blank lines keep line numbers exact: js-yaml counts from the chunk's first line.
    if (current.some((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))) docs.push({ text: current.join('\n'), line: start + 1 });
    current = [];
  };
  lines.forEach((line, index) => {
    if (START.test(line)) {
      flush();
      start = index;
      // Content after the marker on the same line (`--- !tag` or `--- {a: 1}`) belongs to the document.
      current = [line.replace(/^---/u, '   ')];
    } else if (END.test(line)) {
      flush();
      start = index + 1;
    } else {
      if (current.length === 0) start = index;
      current.push(line);
    }
  });
  flush();
  return docs;
}

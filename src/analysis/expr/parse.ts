// Source text → jsep's tree with expr's grammar, or a syntax error a human can act on.
import { parseExpr } from './grammar.ts';
import type { RawNode } from './tokens.ts';

export type Parsed = { readonly ok: true; readonly tree: RawNode } | { readonly ok: false; readonly message: string };

/** Longer than any real condition; keeps a hostile one from costing much. */
export const MAX_SOURCE_LENGTH = 10_000;

interface JsepError {
  readonly description: string;
  readonly index: number;
}

function isJsepError(error: unknown): error is Error & JsepError {
  return error instanceof Error && typeof (error as Partial<JsepError>).description === 'string' && typeof (error as Partial<JsepError>).index === 'number';
}

/** `a not  in b`: jsep knows `not in` with exactly one space. */
function hint(source: string, index: number): string {
  return /^not\s{2,}|^not[\t\n\r]/.test(source.slice(index)) ? ' (write "not in", "not contains", … with a single space)' : '';
}

export function parse(source: string): Parsed {
  if (source.length > MAX_SOURCE_LENGTH) return { ok: false, message: `the condition is ${source.length} characters long; the limit is ${MAX_SOURCE_LENGTH}` };
  try {
    return { ok: true, tree: parseExpr(source) };
  } catch (error) {
    if (error instanceof RangeError) return { ok: false, message: 'the condition nests too deeply' };
    if (!isJsepError(error)) throw error;
    const description = error.description.charAt(0).toLowerCase() + error.description.slice(1);
    return { ok: false, message: `syntax error at column ${error.index + 1}: ${description}${hint(source, error.index)}` };
  }
}

// Argo Rollouts' successCondition / failureCondition language (expr-lang/expr), evaluated safely:
// parsed by jsep with expr's grammar (grammar.ts, tokens.ts), checked into a small tree
// (compile.ts) and walked (evaluate.ts) over the measurement's JSON result. No eval, Function or
// vm; only own properties of plain data are read.
import type { Program } from './ast.ts';
import { compileTree } from './compile.ts';
import { evaluate, MAX_STEPS } from './evaluate.ts';
import { parse } from './parse.ts';
import { CompileError } from './precedence.ts';
import { describeValue, ExprError, typeName, withArticle } from './values.ts';

export type { Program } from './ast.ts';

export type Compiled = { readonly ok: true; readonly program: Program } | { readonly ok: false; readonly message: string };

export type Evaluated = { readonly ok: true; readonly value: boolean } | { readonly ok: false; readonly message: string };

/** Parses and checks a condition: syntax, names, functions and their argument counts. */
export function compileCondition(source: string): Compiled {
  const parsed = parse(source);
  if (!parsed.ok) return parsed;
  try {
    return { ok: true, program: { source, root: compileTree(parsed.tree) } };
  } catch (error) {
    if (error instanceof CompileError) return { ok: false, message: error.message };
    if (error instanceof RangeError) return { ok: false, message: 'the condition nests too deeply' };
    throw error;
  }
}

/** The condition's verdict on one result; never throws: a failed evaluation is a message. */
export function evaluateCondition(program: Program, env: { readonly result: unknown }): Evaluated {
  try {
    const value = evaluate(program.root, { result: env.result, budget: { remaining: MAX_STEPS } });
    if (typeof value === 'boolean') return { ok: true, value };
    return { ok: false, message: `condition evaluated to ${withArticle(typeName(value))} (${describeValue(value)}), not a boolean` };
  } catch (error) {
    if (error instanceof ExprError) return { ok: false, message: error.message };
    if (error instanceof RangeError) return { ok: false, message: `evaluation failed: ${error.message}` };
    return { ok: false, message: `evaluation failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

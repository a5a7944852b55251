// Errors the plugin prints as one line without a stack: a user's mistake (exit 1) or what the
// API server refused (its own message: forbidden, not found, invalid).
import { apiStatusCode, messageOf } from '../kube/errors.ts';

export const PLUGIN_FIELD_MANAGER = 'kubectl-sluice';

/** A mistake in what the user asked for: printed as is, exit 1. */
export class UserError extends Error {
  override readonly name = 'UserError';
}

/** The line to print for any error, and whether it was expected (no hint to rerun with --v=6). */
export function describeError(error: unknown): { readonly line: string; readonly expected: boolean } {
  if (error instanceof UserError) return { line: `error: ${error.message}`, expected: true };
  const code = apiStatusCode(error);
  if (code !== undefined) return { line: `error: ${messageOf(error)}`, expected: code < 500 };
  const message = error instanceof Error ? error.message : String(error);
  return { line: `error: ${message}`, expected: false };
}

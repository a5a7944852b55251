// The slice of a pino logger that src/kube uses. The process's one logger (with its redaction
// rules) is passed in by whoever wires the controller; tests pass a silent or capturing one.
import { pino } from 'pino';

export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

let fallback: Logger | undefined;

/** The logger used when none is passed: pino on stdout at info, named for this layer. */
export function defaultLogger(): Logger {
  fallback ??= pino({ name: 'sluice-kube', level: 'info' });
  return fallback;
}

/** Discards everything: for tests that assert behaviour, not log lines. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

// The logger the runtime writes to: structured fields plus a message, one named child per component.
//
// The daemon hands in its pino logger (src/daemon/logging.ts); tests hand in a recorder.
// The runtime never formats log lines itself, so the fields stay machine-readable.

/** Structured fields of one log line (JSON-friendly values). */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  /** A logger whose every line also carries `bindings` (e.g. `{ component: 'leader' }`). */
  child(bindings: LogFields): Logger;
}

/** A logger that drops everything: for callers that were given none. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

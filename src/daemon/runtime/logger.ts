// The daemon's logging port: what every component logs through, whatever writes the lines.
//
// The shape follows pino (fields first, message second) so the real logger
// (daemon/logging.ts) is pino itself, and a test can hand in a recorder.

/** Structured fields of one log line; values must be JSON-friendly. */
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  /** A logger whose every line also carries `bindings`, e.g. `{ component: 'mesh' }`. */
  child(bindings: LogFields): Logger;
}

/** Drops every line: for components built where nobody reads the log. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

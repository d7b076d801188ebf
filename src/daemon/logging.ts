// floatipd's log: one JSON line per event on stdout (pino), level from [log].level, a named child per component.
//
// Secrets never reach the log: fields with secret-sounding names are censored by path,
// and every byte buffer (which is how key material travels) is replaced by its length,
// so a careless `logger.debug({ session }, ...)` cannot leak a key either.

import pino, { DestinationStream } from 'pino';
import { LogFields, Logger } from './runtime/logger';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface LoggingInit {
  /** Least severe level written (config `log.level`). @default 'info' */
  readonly level?: LogLevel;
  /** Where lines go. @default standard output */
  readonly destination?: DestinationStream;
  /** Fields on every line, e.g. `{ pnn: 0 }`. */
  readonly base?: LogFields;
}

/** The daemon's root logger: a Logger, plus what only the owner of the whole log may do. */
export interface RootLogger extends Logger {
  /** Changes the level at run time (SIGHUP reload). Children follow. */
  setLevel(level: LogLevel): void;
  /** Writes out anything buffered, before the process exits. */
  flush(): void;
}

const SECRET_NAMES = ['secret', 'password', 'passphrase', 'token', 'keyMaterial', 'clusterKey', 'cluster_key',
  'hmacKey', 'sessionKey', 'privateKey', 'authorization'];
export const REDACTED_PATHS: readonly string[] = [...SECRET_NAMES, ...SECRET_NAMES.map((name) => `*.${name}`)];
const CENSOR = '[redacted]';

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;

/** Replaces byte buffers with their length, two levels deep (fields and their fields). */
function hideBytes(fields: Record<string, unknown>, depth = 0): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(fields)) {
    let replaced: unknown = value;
    if (isBytes(value)) replaced = `[${value.length} bytes redacted]`;
    else if (depth === 0 && typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Error)) {
      replaced = hideBytes(value as Record<string, unknown>, depth + 1);
    }
    if (replaced !== value) {
      out ??= { ...fields };
      out[key] = replaced;
    }
  }
  return out ?? fields;
}

export function createLogger(init: LoggingInit = {}): RootLogger {
  const root = pino({
    level: init.level ?? 'info',
    base: { ...init.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    redact: { paths: [...REDACTED_PATHS], censor: CENSOR },
    formatters: {
      // `"level":"warn"` reads better in journald and jq than pino's numbers.
      level: (label) => ({ level: label }),
      log: (fields) => hideBytes(fields),
    },
  }, init.destination ?? pino.destination({ dest: 1, sync: true }));
  // pino children keep the level they were made with: setLevel walks them all (one per component, few).
  const all: pino.Logger[] = [root];
  const wrap = (logger: pino.Logger): Logger => ({
    debug: (fields, message) => logger.debug(fields, message),
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
    child: (bindings) => {
      const child = logger.child(hideBytes(bindings as Record<string, unknown>));
      all.push(child);
      return wrap(child);
    },
  });
  return {
    ...wrap(root),
    setLevel: (level) => { for (const logger of all) logger.level = level; },
    flush: () => root.flush(),
  };
}

// floatipd's log: one JSON line per event on stdout (pino), level from [log].level, a named child per component.
//
// Secrets never reach the log: fields with secret-sounding names are censored by path,
// and every byte buffer (which is how key material travels) is replaced by its length,
// so a careless `logger.debug({ session }, ...)` cannot leak a key either.
//
// Every process of floatip (floatipd, its guardian) writes this one schema: `level` as a
// name, `time` as ISO text, `pid`, the bindings, `msg`. A key appears once per line: pino
// writes a child's bindings and a call's fields side by side, so a child that rebinds a key
// (`component`) is made from the root with the merged bindings, and a call field that names
// a bound key replaces the binding for that line.

import pino, { DestinationStream } from 'pino';
import { LogFields, Logger } from './runtime/logger';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface LoggingInit {
  /** Least severe level written (config `log.level`). @default 'info' */
  readonly level?: LogLevel;
  /** Where lines go. @default the file descriptor `fd` */
  readonly destination?: DestinationStream;
  /** Without a destination: 1 (floatipd) or 2 (the guardian, whose stdout carries its acks). @default 1 */
  readonly fd?: 1 | 2;
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

/** Keys pino writes itself: a call field of that name is kept under `field_<name>`. */
const RESERVED_KEYS = new Set(['level', 'time', 'msg']);

function withoutReserved(fields: LogFields): LogFields {
  if (!Object.keys(fields).some((key) => RESERVED_KEYS.has(key))) return fields;
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [RESERVED_KEYS.has(key) ? `field_${key}` : key, value]));
}

export function createLogger(init: LoggingInit = {}): RootLogger {
  const root = pino({
    level: init.level ?? 'info',
    // No pino base: the base fields are the root's bindings, so a child may replace them too.
    base: null,
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    redact: { paths: [...REDACTED_PATHS], censor: CENSOR },
    formatters: {
      // `"level":"warn"` reads better in journald and jq than pino's numbers.
      level: (label) => ({ level: label }),
      log: (fields) => hideBytes(fields),
    },
  }, init.destination ?? pino.destination({ dest: init.fd ?? 1, sync: true }));
  // pino children keep the level they were made with: setLevel walks them all (one per component, few).
  const all: pino.Logger[] = [root];
  const childOf = (bindings: LogFields): pino.Logger => {
    const child = root.child(hideBytes(withoutReserved(bindings)));
    all.push(child);
    return child;
  };
  const wrap = (logger: pino.Logger, bound: LogFields): Logger => {
    // A field that names a bound key replaces it for this line (a one-off child, so never twice).
    const write = (level: LogLevel, fields: LogFields, message: string): void => {
      const clean = withoutReserved(fields);
      const rebound = Object.keys(clean).filter((key) => key in bound);
      if (rebound.length === 0) {
        logger[level](clean, message);
        return;
      }
      const overrides = Object.fromEntries(rebound.map((key) => [key, clean[key]]));
      const rest = Object.fromEntries(Object.entries(clean).filter(([key]) => !(key in bound)));
      root.child(hideBytes({ ...bound, ...overrides }), { level: logger.level })[level](rest, message);
    };
    return {
      debug: (fields, message) => write('debug', fields, message),
      info: (fields, message) => write('info', fields, message),
      warn: (fields, message) => write('warn', fields, message),
      error: (fields, message) => write('error', fields, message),
      child: (bindings) => {
        const merged = { ...bound, ...bindings };
        return wrap(childOf(merged), merged);
      },
    };
  };
  const base: LogFields = { pid: process.pid, ...init.base };
  return {
    ...wrap(childOf(base), base),
    setLevel: (level) => { for (const logger of all) logger.level = level; },
    flush: () => root.flush(),
  };
}

// Rate limit for log lines that repeat a condition: the first is written, repeats are counted, the next one after the interval says how many were held back.
//
// A hung monitor makes node-cron warn "new execution blocked by overlap prevention!" once a
// second; an operator needs to know that it goes on, not 3600 copies an hour. Lines are
// keyed by level and message text, so a line whose text carries its particulars (an
// address, a node) is never held back behind a different one.

import { LogFields, Logger } from './runtime/logger';

export interface RepeatLimitOptions {
  /** A repeated line is written at most once per this long. @default 30000 */
  readonly intervalMs?: number;
  /** Monotonic milliseconds. */
  readonly now: () => number;
  /** Distinct lines remembered; the least recently written is forgotten first. @default 256 */
  readonly maxKeys?: number;
}

interface Seen {
  writtenAt: number;
  held: number;
}

/** Decides, per key, whether a line is written now and how many were held back before it. */
export class RepeatLimit {
  private readonly seen = new Map<string, Seen>();
  readonly intervalMs: number;
  private readonly maxKeys: number;

  constructor(private readonly options: RepeatLimitOptions) {
    this.intervalMs = options.intervalMs ?? 30_000;
    this.maxKeys = options.maxKeys ?? 256;
  }

  /** undefined: hold this line back; a number: write it, noting that many held back since the last one written. */
  admit(key: string): number | undefined {
    const now = this.options.now();
    const entry = this.seen.get(key);
    if (entry && now - entry.writtenAt < this.intervalMs) {
      entry.held += 1;
      return undefined;
    }
    const held = entry?.held ?? 0;
    // Re-inserting moves the key to the end: the map's first key is the least recently written.
    this.seen.delete(key);
    this.seen.set(key, { writtenAt: now, held: 0 });
    if (this.seen.size > this.maxKeys) this.seen.delete(this.seen.keys().next().value as string);
    return held;
  }
}

/**
 * `logger`, with repeated lines (same level and message) limited to one per interval; a line
 * written after some were held back carries `repeated: N`, the number held back since the
 * last one written. Children share the parent's limit.
 */
export function limitRepeats(logger: Logger, options: RepeatLimitOptions): Logger {
  return limited(logger, new RepeatLimit(options));
}

function limited(logger: Logger, limit: RepeatLimit): Logger {
  const line = (level: 'debug' | 'info' | 'warn' | 'error') => (fields: LogFields, message: string): void => {
    const held = limit.admit(`${level}\u0000${message}`);
    if (held === undefined) return;
    logger[level](held > 0 ? { ...fields, repeated: held } : fields, message);
  };
  return {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    child: (bindings) => limited(logger.child(bindings), limit),
  };
}

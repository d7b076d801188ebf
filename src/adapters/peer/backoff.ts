// Reconnect delays: exponential from a first delay up to a cap, each jittered so restarted nodes do not dial in lockstep.

export interface BackoffOptions {
  /** Delay before the first retry. @default 50 */
  readonly initialMs: number;
  /** The delay never grows past this. @default 2000 */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 50, maxMs: 2000 };

/**
 * Each delay is drawn from [base/2, base] ("equal jitter"): never less than half
 * the planned wait, so a dead peer is not hammered, and spread so that many
 * nodes that lost the same peer do not retry at the same instant.
 */
export class Backoff {
  private base: number;

  /** `random` returns a number in [0, 1), as Math.random does. */
  constructor(private readonly options: BackoffOptions, private readonly random: () => number) {
    if (!(options.initialMs > 0) || !(options.maxMs >= options.initialMs)) {
      throw new RangeError(`backoff needs 0 < initialMs <= maxMs, not ${options.initialMs} and ${options.maxMs}`);
    }
    this.base = options.initialMs;
  }

  /** The wait before the next attempt; each call doubles the next one, up to the cap. */
  next(): number {
    const base = this.base;
    this.base = Math.min(this.base * 2, this.options.maxMs);
    const r = Math.min(Math.max(this.random(), 0), 1);
    return Math.round(base / 2 + (r * base) / 2);
  }

  /** A connection worked: the next failure starts again from the first delay. */
  reset(): void {
    this.base = this.options.initialMs;
  }
}

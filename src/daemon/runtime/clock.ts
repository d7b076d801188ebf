// The runtime's sense of time: a monotonic clock, the wall clock for reports, and one-shot timers.
//
// Every timer of the runtime goes through this port, so tests drive a whole
// cluster on one manual clock and the daemon never has a test-mode branch.

import { performance } from 'node:perf_hooks';

/** Cancels a scheduled callback; calling it again, or after the callback ran, does nothing. */
export type CancelTimer = () => void;

export interface RuntimeClock {
  /** Monotonic milliseconds (performance.now() in the daemon): all durations and deadlines use it. */
  now(): number;
  /** Milliseconds since the Unix epoch, only for values shown to people (uptime, history). */
  wallNow(): number;
  /** Runs `callback` once, `delayMs` from now. */
  schedule(delayMs: number, callback: () => void): CancelTimer;
}

/** The process clock: performance.now(), Date.now() and setTimeout. */
export function systemClock(): RuntimeClock {
  return {
    now: () => performance.now(),
    wallNow: () => Date.now(),
    schedule(delayMs, callback) {
      const timer = setTimeout(callback, Math.max(0, delayMs));
      return () => clearTimeout(timer);
    },
  };
}

/**
 * Runs `callback` every `intervalMs` until cancelled. The next run is scheduled
 * when the previous one starts, so a slow callback does not shift the pace.
 */
export function every(clock: RuntimeClock, intervalMs: number, callback: () => void): CancelTimer {
  let cancel: CancelTimer = () => undefined;
  let stopped = false;
  const arm = (): void => {
    cancel = clock.schedule(intervalMs, () => {
      if (stopped) return;
      arm();
      callback();
    });
  };
  arm();
  return () => {
    stopped = true;
    cancel();
  };
}

/** A single re-armable timer: `set` replaces whatever was scheduled before. */
export class OneTimer {
  private cancel: CancelTimer | undefined;
  private dueAt: number | undefined;

  constructor(private readonly clock: RuntimeClock) {}

  /** When the timer fires next, or undefined when it is not armed. */
  get due(): number | undefined {
    return this.dueAt;
  }

  set(delayMs: number, callback: () => void): void {
    this.clear();
    const due = this.clock.now() + delayMs;
    this.dueAt = due;
    this.cancel = this.clock.schedule(delayMs, () => {
      if (this.dueAt !== due) return;
      this.cancel = undefined;
      this.dueAt = undefined;
      callback();
    });
  }

  clear(): void {
    this.cancel?.();
    this.cancel = undefined;
    this.dueAt = undefined;
  }
}

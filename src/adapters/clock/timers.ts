// Timers built on the clock port: a repeating one and a single re-armable one.

import { CancelTimer, Clock } from './port';

/**
 * Runs `callback` every `intervalMs` until cancelled. The next run is scheduled
 * when the previous one starts, so a slow callback does not shift the pace.
 */
export function every(clock: Clock, intervalMs: number, callback: () => void): CancelTimer {
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

  constructor(private readonly clock: Clock) {}

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

// The process clock: performance.now(), Date.now(), setTimeout and setImmediate.

import { performance } from 'node:perf_hooks';
import { Clock } from './port';

export interface SystemClockOptions {
  /**
   * Whether a pending timer keeps the process alive. The daemon's runtime says yes (a shutdown
   * waits out its deadlines); background work such as announcement rounds, tickle spacing or
   * lock rechecks says no, so it alone never holds a process that is otherwise done.
   * @default true
   */
  readonly keepsProcessAlive?: boolean;
}

export function systemClock(options: SystemClockOptions = {}): Clock {
  const keepsProcessAlive = options.keepsProcessAlive ?? true;
  return {
    now: () => performance.now(),
    wallNow: () => Date.now(),
    schedule(delayMs, callback) {
      const timer = setTimeout(callback, Math.max(0, delayMs));
      if (!keepsProcessAlive) timer.unref();
      return () => clearTimeout(timer);
    },
    nextTurn(callback) {
      setImmediate(callback);
    },
  };
}

/** Real time whose timers do not keep the process alive: the adapters' default. */
export const backgroundClock: Clock = systemClock({ keepsProcessAlive: false });

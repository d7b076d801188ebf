// The clock port: monotonic time, wall time for people, one-shot timers and the next event-loop turn.
//
// Every timer of the daemon and of the adapters goes through this one port, so tests drive
// time by hand (ManualClock in adapters/memory) and nothing has a test-mode branch.

/** Cancels a scheduled callback; calling it again, or after the callback ran, does nothing. */
export type CancelTimer = () => void;

export interface Clock {
  /** Monotonic milliseconds (performance.now() in the daemon): all durations and deadlines use it. */
  now(): number;
  /** Milliseconds since the Unix epoch, only for values shown to people (uptime, history). */
  wallNow(): number;
  /** Runs `callback` once, `delayMs` from now. */
  schedule(delayMs: number, callback: () => void): CancelTimer;
  /**
   * Runs `callback` on a later turn of the event loop, after timers and I/O have had their go
   * (setImmediate in the daemon): how long synchronous work yields without adding a delay.
   */
  nextTurn(callback: () => void): void;
}

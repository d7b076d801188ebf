// The clock and timers the announcer and tickler run on: injected, so tests drive time by hand.

export interface Timers {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Runs `callback` after `ms`; returns a function that cancels it. */
  after(ms: number, callback: () => void): () => void;
}

/** Real time. Timers are unref'd: pending announcements alone do not keep a process alive. */
export const systemTimers: Timers = {
  now: () => performance.now(),
  after(ms, callback) {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return () => clearTimeout(handle);
  },
};

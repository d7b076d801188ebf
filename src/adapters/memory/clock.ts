// The manual clock: time moves only when a test says so; timers fire in time order, promises settle between them.
//
// One clock can serve a whole in-process cluster: each node takes its own view
// (`forOwner`), and `kill(owner)` drops that node's timers as a crashed process's.

import { CancelTimer, Clock } from '../clock/port';

interface Timer {
  readonly due: number;
  readonly seq: number;
  readonly owner: string;
  readonly fn: () => void;
  cancelled: boolean;
}

const WALL_BASE = Date.UTC(2024, 0, 1);
const NO_OWNER = '';

export class ManualClock implements Clock {
  private time = 0;
  private seq = 0;
  private timers: Timer[] = [];
  /** Called after every timer that fired (and the promises it started settled): timeline checks. */
  onStep: (() => void) | undefined;

  now(): number {
    return this.time;
  }

  wallNow(): number {
    return WALL_BASE + this.time;
  }

  schedule(delayMs: number, fn: () => void): CancelTimer {
    return this.scheduleFor(NO_OWNER, delayMs, fn);
  }

  /** The next turn comes when the test moves time: `advance(0)` is enough. */
  nextTurn(fn: () => void): void {
    this.scheduleFor(NO_OWNER, 0, fn);
  }

  /** A node's view of the clock; `kill(owner)` drops all its timers, as a crashed process's. */
  forOwner(owner: string): Clock {
    return {
      now: () => this.time,
      wallNow: () => this.wallNow(),
      schedule: (delayMs, fn) => this.scheduleFor(owner, delayMs, fn),
      nextTurn: (fn) => { this.scheduleFor(owner, 0, fn); },
    };
  }

  kill(owner: string): void {
    for (const timer of this.timers) if (timer.owner === owner) timer.cancelled = true;
  }

  /** Timers still waiting. */
  get waiting(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Lets every pending promise chain run (the memory fakes only use promises). */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Moves time forward by `ms`, firing due timers in order of due time, then of scheduling. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      await this.settle();
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: Timer | undefined;
      for (const t of this.timers) {
        if (t.due <= target && (!next || t.due < next.due || (t.due === next.due && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      next.cancelled = true;
      this.time = Math.max(this.time, next.due);
      next.fn();
      await this.settle();
      this.onStep?.();
    }
    this.time = target;
    await this.settle();
    this.onStep?.();
  }

  private scheduleFor(owner: string, delayMs: number, fn: () => void): CancelTimer {
    const timer: Timer = { due: this.time + Math.max(0, delayMs), seq: this.seq++, owner, fn, cancelled: false };
    this.timers.push(timer);
    return () => { timer.cancelled = true; };
  }
}

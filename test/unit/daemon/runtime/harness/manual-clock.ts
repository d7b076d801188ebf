// One manual clock for a whole in-process cluster: timers fire in time order, promises settle between them.

import { RuntimeClock } from '../../../../../src/daemon/runtime/clock';

interface Timer {
  readonly due: number;
  readonly seq: number;
  readonly owner: string;
  readonly fn: () => void;
  cancelled: boolean;
}

const WALL_BASE = Date.UTC(2024, 0, 1);

export class ManualClock {
  private time = 0;
  private seq = 0;
  private timers: Timer[] = [];
  /** Called after every timer that fired (and the promises it started settled): timeline checks. */
  onStep: (() => void) | undefined;

  now(): number {
    return this.time;
  }

  /** A node's view of the clock; `kill(owner)` drops all its timers, as a crashed process's. */
  forOwner(owner: string): RuntimeClock {
    return {
      now: () => this.time,
      wallNow: () => WALL_BASE + this.time,
      schedule: (delayMs, fn) => {
        const timer: Timer = { due: this.time + Math.max(0, delayMs), seq: this.seq++, owner, fn, cancelled: false };
        this.timers.push(timer);
        return () => { timer.cancelled = true; };
      },
    };
  }

  kill(owner: string): void {
    for (const timer of this.timers) if (timer.owner === owner) timer.cancelled = true;
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
}

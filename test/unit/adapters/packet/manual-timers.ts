// Test clock: time moves only when the test says so, and timers fire in order as it passes.

import { Timers } from '../../../../src/adapters/packet/timers';

export class ManualTimers implements Timers {
  private time = 0;
  private nextId = 0;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  after(ms: number, callback: () => void): () => void {
    const id = this.nextId++;
    this.pending.set(id, { at: this.time + ms, callback });
    return () => this.pending.delete(id);
  }

  /** Timers still waiting. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Moves time forward by `ms`, firing due timers in time order and letting promises settle between them. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await flushMicrotasks();
    for (;;) {
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].callback();
      await flushMicrotasks();
    }
    this.time = end;
    await flushMicrotasks();
  }
}

export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

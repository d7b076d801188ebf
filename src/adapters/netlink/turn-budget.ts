// How much of one event-loop turn a netlink channel may spend in the kernel sending requests.
//
// The `netlink` package sends synchronously when its queue is empty, so the kernel does the
// work of each request (an IPv6 address add: ~1 ms, joining the solicited-node group) inside
// our call, on the event loop's thread. 64 requests in flight, refilled from the ACK callbacks
// (up to 32 per poll event), held the loop for 130-150 ms while 333 addresses moved: long
// enough for the guardian to count the daemon frozen at the fast profile's fence_after
// (175 ms). A TurnBudget stops the sending when the turn has spent its share and resumes it
// on the next turn, after timers and other I/O have had their go. The total time is the same;
// it is only spread out.

import { Clock } from '../clock';

/** The budget reads the time and asks for the next turn, nothing more. */
export type TurnBudgetClock = Pick<Clock, 'now' | 'nextTurn'>;

export class TurnBudget {
  private spentMs = 0;
  private resetScheduled = false;

  /** @param budgetMs time one turn may spend in `step`s; 0 allows one step per turn. */
  constructor(private readonly budgetMs: number, private readonly clock: TurnBudgetClock) {
    if (!(budgetMs >= 0)) throw new RangeError(`turn budget ${budgetMs} ms: must be 0 or more`);
  }

  /**
   * Runs `step` while `more()` holds and this turn's budget lasts. When the budget runs out
   * with work left, `resume` is called on the next turn (which has a fresh budget); it should
   * call `run` again.
   */
  run(more: () => boolean, step: () => void, resume: () => void): void {
    while (more()) {
      if (this.resetScheduled && this.spentMs >= this.budgetMs) return; // the reset will resume
      const started = this.clock.now();
      try {
        step();
      } finally {
        this.spentMs += this.clock.now() - started;
        this.scheduleReset(resume);
      }
    }
  }

  private scheduleReset(resume: () => void): void {
    if (this.resetScheduled) return;
    this.resetScheduled = true;
    this.clock.nextTurn(() => {
      this.resetScheduled = false;
      this.spentMs = 0;
      resume();
    });
  }
}

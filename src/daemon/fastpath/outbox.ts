// Messages between the main thread and the fast-path worker, gathered per turn and posted as one array.
//
// Why: a peer that connects is sent a heartbeat, the address list, one tickle list per held
// address and the runs we keep: with 333 addresses that was ~340 postMessage calls in one turn,
// and a tickle scan after a take as many again. Each call wakes the other thread; the worker
// runs in the real-time class (sched/priority.ts), so on a busy machine every wake-up
// preempted the main thread for the worker's whole turn (encode, HMAC, write), and `postMessage`
// showed 50-175 ms of wall time per turn in --cpu-prof. One array per turn wakes it once.
// Order is kept: everything goes through the one queue, flushed at the end of the current
// turn's synchronous work (a microtask), so nothing waits for a later turn.

export class Outbox<T> {
  private queued: T[] = [];

  constructor(private readonly post: (batch: readonly T[]) => void) {}

  /** Queues `message`; the first of a turn schedules the flush. */
  add(message: T): void {
    this.queued.push(message);
    if (this.queued.length === 1) queueMicrotask(() => this.flush());
  }

  /** Posts what is queued now (before the worker is ended, say), as one array; nothing when empty. */
  flush(): void {
    if (this.queued.length === 0) return;
    const batch = this.queued;
    this.queued = [];
    this.post(batch);
  }

  /** Drops what is queued (the other side is gone). */
  clear(): void {
    this.queued = [];
  }
}

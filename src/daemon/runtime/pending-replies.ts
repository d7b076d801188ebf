// Requests to peers waiting for their replies: one id per request, one timer each, every waiter answered exactly once.

import { Clock, OneTimer } from '../../adapters/clock';

export class PendingReplies<A> {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (answer: A) => void; timer: OneTimer }>();

  constructor(private readonly clock: Clock) {}

  /**
   * Sends a request under a fresh id and resolves with its reply, or with `unsent()` when
   * `send` could not deliver it, or with `timedOut()` when no reply came within timeoutMs.
   */
  request(send: (requestId: number) => boolean, timeoutMs: number, unsent: () => A, timedOut: () => A): Promise<A> {
    const requestId = this.nextId++;
    return new Promise((resolve) => {
      const timer = new OneTimer(this.clock);
      this.waiting.set(requestId, { resolve, timer });
      timer.set(timeoutMs, () => {
        this.waiting.delete(requestId);
        resolve(timedOut());
      });
      if (!send(requestId)) {
        timer.clear();
        this.waiting.delete(requestId);
        resolve(unsent());
      }
    });
  }

  /** A reply: answers its waiter; a reply nobody waits for (late, or unknown) is ignored. */
  answer(requestId: number, value: A): void {
    const waiter = this.waiting.get(requestId);
    if (!waiter) return;
    this.waiting.delete(requestId);
    waiter.timer.clear();
    waiter.resolve(value);
  }

  /** Answers every waiter with `value`: the runtime stops. */
  close(value: A): void {
    for (const [id, waiter] of this.waiting) {
      waiter.timer.clear();
      waiter.resolve(value);
      this.waiting.delete(id);
    }
  }
}

// The daemon's half of the guardian's pipe protocol: the bytes both sides write, the exit codes, and the record of unanswered ticks.
//
// The guardian is a separate, tiny program (native/guardian/, built by binding.gyp) the
// daemon spawns with a pipe on the guardian's stdin. The daemon writes one byte per tick
// from its fast-path worker's loop (daemon/fastpath). Outside that process, the guardian fences when
//   - the pipe closes without a goodbye: the daemon died (SIGKILL included: the
//     kernel closes its end of the pipe), so its addresses must stop answering now;
//   - no tick came for fence_after: the daemon is stopped (SIGSTOP) or its worker's loop is
//     blocked, and the majority will take its addresses after dead_after > fence_after.
// A goodbye means the daemon released its addresses itself: the guardian leaves
// without touching anything. After a fence it tells the peers (native/guardian/notice.cc).
// A fence order deletes the addresses at once and the guardian keeps watching: the daemon's
// fast path found no quorum, and must not wait for its main loop to release (liveness.ts).
// It answers every tick with one ack byte on its stdout: a frozen or hung guardian
// stops answering, and the daemon (guardian-client.ts) then treats its addresses as
// unguarded, kills this guardian and starts another. native/guardian/pipe.h is the other side:
// change both or neither (test/integration/guardian/program.test.ts holds them together).

/** Bytes on the pipe, daemon -> guardian. */
export const GUARDIAN_TICK = 0x74; // 't'
export const GUARDIAN_BYE = 0x62; // 'b'
/** Fence now and keep guarding: the fast path found no quorum while this node holds addresses (liveness.ts). */
export const GUARDIAN_FENCE = 0x66; // 'f'
/** One byte per tick, guardian -> daemon, after the ready line: the guardian's loop runs. */
export const GUARDIAN_ACK = 0x61; // 'a'
/** Guardian -> daemon: the fence ordered with GUARDIAN_FENCE is done, every tagged address is gone. */
export const GUARDIAN_FENCE_DONE = 0x46; // 'F'
/** Written once by the guardian on its stdout when it can fence. */
export const GUARDIAN_READY = 'ready\n';

/** The guardian's exit status says what it did. */
export const GuardianExitCode = {
  /** The daemon said goodbye; nothing was touched. */
  bye: 0,
  /** It could not start or could not fence. */
  failed: 1,
  /** Fenced because the pipe closed (the daemon died). */
  fencedPipeClosed: 10,
  /** Fenced because the ticks stopped (the daemon is frozen). */
  fencedNoTicks: 11,
} as const;

/**
 * The daemon's record of the ticks its guardian has not answered yet (one ack byte per
 * tick, in order). The oldest unanswered tick's age says how long the guardian has not
 * run: it is frozen or hung once that reaches the limit, while a daemon that stalled
 * itself sent no ticks meanwhile, so its own stall never counts against the guardian.
 */
export class TickAnswers {
  private readonly sentAt: number[] = [];
  private head = 0;
  /** Ticks sent and answered since the start (the record above drops answered ones now and then). */
  private sentTotal = 0;
  private answeredTotal = 0;

  sent(at: number): void {
    this.sentAt.push(at);
    this.sentTotal++;
  }

  /** How many ticks were sent so far: `answeredUpTo(n)` says whether the first n are answered. */
  get sentCount(): number {
    return this.sentTotal;
  }

  answeredUpTo(count: number): boolean {
    return this.answeredTotal >= count;
  }

  /** `count` ack bytes arrived; more acks than ticks (a confused guardian) are ignored. */
  answered(count: number): void {
    const before = this.head;
    this.head = Math.min(this.sentAt.length, this.head + count);
    this.answeredTotal += this.head - before;
    // Drop what is answered now and then, so the record stays as small as the unanswered part.
    if (this.head > 64 && this.head * 2 > this.sentAt.length) {
      this.sentAt.splice(0, this.head);
      this.head = 0;
    }
  }

  /** ms since the oldest unanswered tick was sent; 0 when every tick is answered. */
  oldestUnansweredMs(now: number): number {
    return this.head < this.sentAt.length ? now - this.sentAt[this.head] : 0;
  }

  get unanswered(): number {
    return this.sentAt.length - this.head;
  }
}

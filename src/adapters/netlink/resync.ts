// Address changes and resyncs take turns: a resync re-reads the kernel once no change of ours is half done.
//
// After lost notifications the view can only be trusted again after a fresh read of the
// kernel. A change of ours in flight would race that read (its ACK and its notification
// could fall on either side of the dump), so a resync waits for the changes under way,
// and new changes wait for the resync. Notifications that arrive while the kernel is
// being read are held and applied after it, in order. Notifications lost again during a
// read call for another read (the in-process reader reports each overflow as it happens).

import { NetlinkMessage } from 'netlink';

export interface ResyncSteps {
  /** Re-reads the kernel into the view, reporting the differences. */
  reload(): Promise<void>;
  /** False once the adapter is closed: no point in trying again. */
  isOpen(): boolean;
  /** The view is trusted again. */
  resynced(reason: string): void;
  /** Notifications held during the resync, to apply now. */
  deliver(messages: NetlinkMessage[]): void;
}

const RELOAD_ATTEMPTS = 5;

export class ResyncGate {
  private activeChanges = 0;
  private changesDrained: (() => void) | undefined;
  private resyncing: Promise<void> | undefined;
  private held: NetlinkMessage[] = [];
  private lostDuringRead = false;

  constructor(private readonly steps: ResyncSteps) {}

  /** Holds `messages` for after a resync under way and says so; false when they may be applied now. */
  hold(messages: NetlinkMessage[]): boolean {
    if (!this.resyncing) return false;
    this.held.push(...messages);
    return true;
  }

  /** Re-reads the kernel after lost notifications, once no change of ours is half done. */
  resync(reason: string): Promise<void> {
    if (this.resyncing) {
      // Lost again while reading: the read may predate what was lost, so read once more.
      this.lostDuringRead = true;
      return this.resyncing;
    }
    const run = (async () => {
      if (this.activeChanges > 0) await new Promise<void>((resolve) => { this.changesDrained = resolve; });
      do {
        this.lostDuringRead = false;
        for (let attempt = 1; ; attempt++) {
          // The read covers whatever was held so far; only what arrives during it is news.
          this.held = [];
          try {
            await this.steps.reload();
            break;
          } catch (error) {
            if (attempt >= RELOAD_ATTEMPTS || !this.steps.isOpen()) throw error;
          }
        }
      } while (this.lostDuringRead && this.steps.isOpen());
      this.steps.resynced(reason);
    })();
    this.resyncing = run.finally(() => {
      this.resyncing = undefined;
      const held = this.held;
      this.held = [];
      this.steps.deliver(held);
    });
    this.resyncing.catch(() => undefined);
    return this.resyncing;
  }

  /** Runs an address change, never while a resync is reading the kernel. */
  async change<T>(body: () => Promise<T>): Promise<T> {
    while (this.resyncing) await this.resyncing.catch(() => undefined);
    this.activeChanges++;
    try {
      return await body();
    } finally {
      this.activeChanges--;
      if (this.activeChanges === 0 && this.changesDrained) {
        const drained = this.changesDrained;
        this.changesDrained = undefined;
        drained();
      }
    }
  }
}

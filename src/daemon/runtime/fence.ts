// The fence: a node that may not hold addresses (no quorum, banned, stopped) releases them all by itself.
//
// Quorum here counts only peers heard within fence_after (< dead_after), so a
// minority has let go before the majority declares it dead and takes over. It
// needs no leader's order: in a split the old leader may be on the other side.

import { ClusterState } from './cluster-state';
import { LocalAddresses } from './hosting';
import { Logger } from './logger';

export class FenceGuard {
  private fencedReason: string | undefined;
  private releasing: Promise<unknown> | undefined;
  /** How many times this node fenced itself, for metrics. */
  fences = 0;

  constructor(private readonly state: ClusterState, private readonly hosting: LocalAddresses, private readonly log: Logger) {}

  get fenced(): boolean {
    return this.fencedReason !== undefined;
  }

  /** Re-evaluates after every view change and clock tick. */
  evaluate(): void {
    const decision = this.state.fenceDecision();
    if (decision.mayHold) {
      if (this.fencedReason !== undefined) this.log.info({ reason: this.fencedReason }, 'fence lifted: this node may hold addresses again');
      this.fencedReason = undefined;
      return;
    }
    if (this.fencedReason !== decision.reason) {
      this.fences++;
      this.log.warn({ reason: decision.reason, holding: this.hosting.size }, `fenced (${decision.reason}): releasing every public address`);
    }
    this.fencedReason = decision.reason;
    if (this.hosting.size > 0 && !this.releasing) {
      this.releasing = this.hosting.enqueue(async () => {
        if (this.state.fenceDecision().mayHold) return;
        const outcome = await this.hosting.dropAll();
        for (const failure of outcome.failed) this.log.error({ address: failure.address.text }, `fence could not release ${failure.address.text}: ${failure.reason}`);
      }).finally(() => {
        this.releasing = undefined;
        // Something may have been taken while the release ran, or it failed: look again.
        if (this.hosting.size > 0 && !this.state.fenceDecision().mayHold) this.evaluate();
      });
    }
  }

  /** Resolves when a fence release under way has finished. */
  async settled(): Promise<void> {
    await this.releasing;
  }
}

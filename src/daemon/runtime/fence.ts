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

  /**
   * Re-evaluates after every view change and clock tick. The release does not wait in the
   * address queue and, once begun, is not called off when quorum returns: by then the
   * majority may have declared this node dead and taken the addresses (see hosting.ts).
   */
  evaluate(): void {
    const decision = this.state.fenceDecision();
    if (decision.mayHold) {
      if (this.fencedReason !== undefined) this.log.info({ reason: this.fencedReason }, 'fence lifted: this node may hold addresses again');
      this.fencedReason = undefined;
      this.hosting.lift('fence');
      return;
    }
    if (this.fencedReason !== decision.reason) {
      this.fences++;
      this.log.warn({ reason: decision.reason, holding: this.hosting.size }, `fenced (${decision.reason}): releasing every public address`);
    }
    this.fencedReason = decision.reason;
    this.hosting.bar('fence');
    if (this.hosting.size > 0 && !this.releasing) {
      this.releasing = this.hosting.evacuate().then((outcome) => {
        for (const failure of outcome.failed) this.log.error({ address: failure.address.text }, `fence could not release ${failure.address.text}: ${failure.reason}`);
      }, (error: unknown) => {
        this.log.error({}, `fence release failed: ${error instanceof Error ? error.message : String(error)}`);
      }).finally(() => {
        this.releasing = undefined;
        // A delete failed, or something came in meanwhile: look again.
        if (this.hosting.size > 0 && this.fenced) this.evaluate();
      });
    }
  }

  /** Resolves when a fence release under way has finished. */
  async settled(): Promise<void> {
    await this.releasing;
  }
}

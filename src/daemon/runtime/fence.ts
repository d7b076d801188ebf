// The fence: a node that may not hold addresses (no quorum, banned, stopped) releases them all by itself.
//
// Quorum here counts only peers heard within fence_after (< dead_after), so a
// minority has let go before the majority declares it dead and takes over. It
// needs no leader's order: in a split the old leader may be on the other side.
// The fast-path worker judges the same rule on its own loop and, with addresses
// held, has the guardian delete them at once (`ordered`): this side then releases
// its records and bars adds, whatever its own view says yet.

import { ClusterState } from './cluster-state';
import { LocalAddresses } from './hosting';
import { Logger } from './logger';

export class FenceGuard {
  private fencedReason: string | undefined;
  private releasing: Promise<unknown> | undefined;
  /** The fast path's order (ordered()), holding the bar until the release it started is done. */
  private orderedBy: string | undefined;
  /** The view's clock when the last order came; the bar holds until every partition peer is heard after it. */
  private orderedAt: number | undefined;
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
    if (decision.mayHold && this.orderSettled()) {
      if (this.fencedReason !== undefined) this.log.info({ reason: this.fencedReason }, 'fence lifted: this node may hold addresses again');
      this.fencedReason = undefined;
      this.orderedAt = undefined;
      this.hosting.lift('fence');
      return;
    }
    // A quorate view older than the fast path's order is no reason to lift its fence.
    const reason = decision.mayHold ? (this.fencedReason ?? 'no-quorum') : decision.reason;
    if (this.fencedReason !== reason) {
      this.fences++;
      this.log.warn({ reason, holding: this.hosting.size }, `fenced (${reason}): releasing every public address`);
    }
    this.fencedReason = reason;
    this.release();
  }

  /**
   * The fast path found no quorum on its own hearing and ordered the guardian to delete every
   * address (fastpath/liveness.ts): this node bars its adds now and releases its records,
   * whatever its own view says yet (it may lag the worker's by a turn or a stall). The release
   * runs its `releaseip` scripts as any fence does; the deletes find the addresses gone. The bar
   * stays until that release is done, every partition peer was heard since (orderSettled), and
   * this node's own rule lets it hold again.
   */
  ordered(detail: string): void {
    if (this.orderedBy === undefined && this.fencedReason === undefined) {
      this.fences++;
      this.log.warn({ reason: 'no-quorum', holding: this.hosting.size, detail }, 'fenced by the fast path (the guardian removes every public address): releasing the records');
    }
    this.orderedBy = detail;
    this.orderedAt = this.state.view.now;
    // The bar lifts on hearing every peer after now (orderSettled): those beats must reach us.
    this.state.hearNextBeats();
    this.fencedReason ??= 'no-quorum';
    this.release();
    if (!this.releasing) this.orderedBy = undefined;
  }

  /**
   * The order's release is done and every peer of this node's partition was heard after it came:
   * a quorate view then rests on hearing the worker had not had, not on what it judged stale.
   */
  private orderSettled(): boolean {
    if (this.orderedBy !== undefined) return false;
    const since = this.orderedAt;
    if (since === undefined) return true;
    const { view } = this.state;
    return this.state.quorum().members.every((pnn) => pnn === view.localPnn || (view.nodes[pnn]?.lastHeardAt ?? -Infinity) > since);
  }

  private release(): void {
    this.hosting.bar('fence');
    if (this.hosting.size > 0 && !this.releasing) {
      this.releasing = this.hosting.evacuate().then((outcome) => {
        for (const failure of outcome.failed) this.log.error({ address: failure.address.text }, `fence could not release ${failure.address.text}: ${failure.reason}`);
      }, (error: unknown) => {
        this.log.error({}, `fence release failed: ${error instanceof Error ? error.message : String(error)}`);
      }).finally(() => {
        this.releasing = undefined;
        this.orderedBy = undefined;
        // A delete failed, something came in meanwhile, or the order's bar may lift now: look again.
        if (this.fenced) this.evaluate();
      });
    }
  }

  /** Resolves when a fence release under way has finished. */
  async settled(): Promise<void> {
    await this.releasing;
  }
}

// Failover time per address, on the leader's clock: from the moment the cluster could know its owner failed to the moment the new owner had added and announced it.
//
// Basis: the failed owner's stream close as this node saw it (a crash), or its last heartbeat
// (it fell silent for dead_after). Every node records the basis, since any may be the leader
// that moves the addresses. End: a TAKE ack of the current run reaches the leader after the
// new owner added and announced the address, then sent tickles and ran `takeip` for every
// address of the order, one after another; the ack's timings say how long that tail took, so
// the end is the ack's arrival minus that tail. It still includes one network trip (new owner
// -> leader) and the new owner's own scheduling: a few hundred microseconds on a LAN.

import { NodeFlag } from '../../core/flags';
import { MembershipChange, NodeState } from '../../core/membership';
import { TakeAck } from '../../protocol/frame-messages';

export type FailoverListener = (ms: number) => void;

export class FailoverTimer {
  /** Address text -> basis (clock ms) of a failed owner it was on. */
  private readonly lost = new Map<string, number>();
  private readonly listeners = new Set<FailoverListener>();

  /** The node holding `addresses` failed at `basis`; an earlier basis of the same failure (silence, then the stream closed) stays. */
  ownerFailed(addresses: readonly string[], basis: number): void {
    for (const address of addresses) if (!this.lost.has(address)) this.lost.set(address, basis);
  }

  /** Where a failover starts (a silent owner's last heartbeat), and when one that began is off (the owner is back). */
  flagsChanged(change: Extract<MembershipChange, { kind: 'flags' }>, node: NodeState | undefined, now: number): void {
    if (node === undefined) return;
    const wasDisconnected = (change.before & NodeFlag.DISCONNECTED) !== 0;
    const isDisconnected = (change.after & NodeFlag.DISCONNECTED) !== 0;
    if (change.cause === 'silence' && isDisconnected) this.ownerFailed(node.hosted, node.lastHeardAt ?? now);
    if (wasDisconnected && !isDisconnected) this.forget(node.hosted);
  }

  /** The owner is back with these addresses (heartbeats again), or live nodes hold them: nothing failed over. */
  forget(addresses: Iterable<string>): void {
    for (const address of addresses) this.lost.delete(address);
  }

  /** A TAKE ack of the run under way arrived at `receivedAt`: each lost address it took is one failover. */
  takeAcked(ack: TakeAck, receivedAt: number): void {
    const taken = ack.results.filter((r) => r.status === 'taken');
    if (taken.length === 0) return;
    // Tickles are sent once for the whole order; takeip runs per address, in turn.
    const tailUs = Math.max(...ack.results.map((r) => r.timings.tickleUs)) + ack.results.reduce((sum, r) => sum + r.timings.eventUs, 0);
    const announcedAt = receivedAt - tailUs / 1000;
    for (const result of taken) {
      const basis = this.lost.get(result.address.text);
      if (basis === undefined) continue;
      this.lost.delete(result.address.text);
      const ms = Math.max(0, announcedAt - basis);
      for (const listener of this.listeners) listener(ms);
    }
  }

  /** Addresses waiting for their failover to end (tests, status). */
  get pending(): number {
    return this.lost.size;
  }

  subscribe(listener: FailoverListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }
}

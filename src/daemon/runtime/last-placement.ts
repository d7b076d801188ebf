// Where the leader's last run put every address, and what in the view now differs from it.
//
// Settled means every address the last run placed is hosted, by the node it went to: a node
// holding others (drift), one the run gave elsewhere (misplaced), or an address nobody hosts
// while the run had a node for it (unserved) each lead to another run.

import { NO_NODE, Pnn } from '../../core/flags';
import { claimedHolders, MembershipView } from '../../core/membership';
import { RunOutcome } from './takeover-run';

export class LastPlacement {
  /** Where the last finished run put every address: hosted changes that match it need no run. */
  private target: ReadonlyMap<string, Pnn> | undefined;
  /** Where the last run that planned wanted every address, failed takes included: an unhosted one among them means not settled. */
  private placed: ReadonlyMap<string, Pnn> = new Map();

  /** Keeps what a run got as far as: its takes sent (placed) and answered (target). */
  record(outcome: Pick<RunOutcome, 'placed' | 'target'>): void {
    if (outcome.placed !== undefined) this.placed = outcome.placed;
    if (outcome.target !== undefined) this.target = outcome.target;
  }

  /** True when the node holds other addresses than the last run gave it (or no run finished yet). */
  drifted(view: MembershipView, pnn: Pnn): boolean {
    if (!this.target) return true;
    const hosted = view.nodes[pnn].hosted;
    const expected = [...this.target].filter(([, owner]) => owner === pnn).map(([address]) => address);
    return hosted.length !== expected.length || hosted.some((address) => this.target?.get(address) !== pnn);
  }

  /** True when the node holds an address the last run gave to another node. */
  misplaced(view: MembershipView, pnn: Pnn): boolean {
    return this.target !== undefined && view.nodes[pnn].hosted.some((address) => this.target?.get(address) !== pnn);
  }

  /** Addresses the last run placed on a node that no node hosts now: the cluster is not settled. */
  unserved(view: MembershipView): string[] {
    const holders = claimedHolders(view);
    return [...this.placed].filter(([address, pnn]) => pnn !== NO_NODE && !holders.has(address)).map(([address]) => address);
  }
}

// Which node failed to take which address lately: the next runs place the address on another node.
//
// A failed take (its takeip failed or hung past its timeout, the kernel refused the add, or
// the node did not answer TAKE in time) is a ban credit (bans.ts), but a credit alone does
// not move the address: the allocator, seeing the same view, put it on the same node again,
// and a takeip that hangs on that node hung again (issue 11: unserved 60-100 s). So the
// leader keeps the failure for `ban.grace_period` (as long as the credit counts) and leaves
// that node out of the address's candidates, while another node may host it.

import { Pnn } from '../../core/flags';

export class FailedTakes {
  /** Address text -> node -> clock reading of its last failed take. */
  private readonly failures = new Map<string, Map<Pnn, number>>();

  constructor(private readonly forgetAfterMs: number) {}

  record(pnn: Pnn, address: string, now: number): void {
    const nodes = this.failures.get(address) ?? new Map<Pnn, number>();
    nodes.set(pnn, now);
    this.failures.set(address, nodes);
  }

  /** True when `pnn` failed to take `address` within the last forgetAfterMs. */
  failed(pnn: Pnn, address: string, now: number): boolean {
    const at = this.failures.get(address)?.get(pnn);
    return at !== undefined && now - at < this.forgetAfterMs;
  }

  /**
   * For one run at `now`: whether the allocator should leave `pnn` out for `address`. It does
   * when `pnn` failed to take it lately and one of `others` (nodes that list it and may host
   * now) has not; when every candidate failed, none is left out: an address served by a node
   * that failed before beats one not served. Old failures are forgotten once per run, not on
   * every question (a run asks for every address and node: issue 17); undefined when no take
   * failed lately, so a run without failures skips the question altogether.
   */
  avoidAt(now: number): ((pnn: Pnn, address: string, others: readonly Pnn[]) => boolean) | undefined {
    this.forget(now);
    if (this.failures.size === 0) return undefined;
    return (pnn, address, others) => this.failed(pnn, address, now) && others.some((other) => other !== pnn && !this.failed(other, address, now));
  }

  /**
   * When the oldest failure still held stops counting, or undefined when none is held: the
   * leader runs then, so an address kept off a node that can host it again may go back there
   * (nothing else may happen to start a run: a node kept empty stayed empty).
   */
  nextExpiry(now: number): number | undefined {
    let next: number | undefined;
    for (const nodes of this.failures.values()) {
      for (const at of nodes.values()) {
        const ends = at + this.forgetAfterMs;
        if (ends > now && (next === undefined || ends < next)) next = ends;
      }
    }
    return next;
  }

  private forget(now: number): void {
    for (const [address, nodes] of this.failures) {
      for (const [pnn, at] of nodes) if (now - at >= this.forgetAfterMs) nodes.delete(pnn);
      if (nodes.size === 0) this.failures.delete(address);
    }
  }
}

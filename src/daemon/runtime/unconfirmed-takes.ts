// Addresses the leader told a node to take that the node has not confirmed yet: it may hold them though no heartbeat said so.
//
// A node adds a TAKE's addresses to its kernel first, announces them, and only then reports
// them in a heartbeat and acks. Killed in between, it holds addresses the leader's view does
// not show on it; its guardian removes them, but the crash hold (the gate's `crash` and
// `silence` rows) must know they may be there, or the next run places them elsewhere at once
// (two nodes holding one address until the guardian gets to it).
//
// A node carries out its orders one after the other, and sends its heartbeat before each
// ack: once it acks an order that came after a TAKE, or the TAKE itself, its heartbeats tell
// the truth about that TAKE's addresses.

import { Pnn } from '../../core/flags';

type AckKind = 'release-ack' | 'take-ack' | 'ipreallocated-ack';

interface Ordered {
  readonly epoch: number;
  readonly addresses: readonly string[];
}

export class UnconfirmedTakes {
  private readonly byNode = new Map<Pnn, Ordered[]>();

  /** A TAKE of `addresses` went to `pnn` in run `epoch`. */
  ordered(pnn: Pnn, epoch: number, addresses: readonly string[]): void {
    if (addresses.length === 0) return;
    this.byNode.set(pnn, [...(this.byNode.get(pnn) ?? []), { epoch, addresses }]);
  }

  /**
   * `pnn` acked an order of run `epoch`: every TAKE it got before that order is done. A
   * RELEASE of a run comes before the run's TAKE, so its ack confirms only earlier runs' takes.
   */
  acked(pnn: Pnn, kind: AckKind, epoch: number): void {
    const left = this.byNode.get(pnn)?.filter((o) => o.epoch > epoch || (o.epoch === epoch && kind === 'release-ack'));
    if (left === undefined) return;
    if (left.length > 0) this.byNode.set(pnn, left);
    else this.byNode.delete(pnn);
  }

  /** What `pnn` may hold beyond its heartbeats, ascending. */
  of(pnn: Pnn): string[] {
    return [...new Set((this.byNode.get(pnn) ?? []).flatMap((o) => o.addresses))].sort();
  }

  /** `pnn` is gone (its crash hold took these into account), or restarted with nothing. */
  forget(pnn: Pnn): void {
    this.byNode.delete(pnn);
  }
}

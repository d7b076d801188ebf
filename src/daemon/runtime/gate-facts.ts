// What the takeover gate (core/takeover-gate.ts) decides from, as the leader learns it: holds, FENCED notices, quorum times.
//
// Only facts are kept here (a stream broke at t, a guardian reported at t, a reload hold ends
// at t); what they mean for the next run is the gate's rows, evaluated when the leader asks.

import { Pnn } from '../../core/flags';
import { MembershipChange, MembershipView, NodeState } from '../../core/membership';
import {
  confirmBasis, GateInputs, GateTimings, GateVotes, GuardianHold, guardianHoldUntil, liveGuardianHolds, NO_VOTES_AWAY,
} from '../../core/takeover-gate';
import { Logger } from './logger';

export class GateFacts {
  private guardianHolds: GuardianHold[] = [];
  /** When each peer's guardian last reported its addresses deleted (FENCED). */
  private readonly fencedAt = new Map<Pnn, number>();
  /** Cluster-wide reloadips (cluster-reload.ts): hold name -> clock reading at which it ends by itself. */
  private readonly reloadHolds = new Map<string, number>();
  /** When this node's partition last became quorate (start, or back from a partition); undefined while it is not. */
  private quorateSince: number | undefined;
  /** When this node became leader of its current term; undefined while it does not lead. */
  private leaderSince: number | undefined;
  /** The confirm basis (see confirmBasis) for which every peer has confirmed a run's epoch, so their lists are current since. */
  private confirmedSince: number | undefined;

  constructor(private readonly timings: GateTimings, private readonly log: Logger) {}

  /** A peer that held `held` addresses broke its stream without LEAVING at `now` (the gate's `crash` row). */
  crashed(node: NodeState, held: number, now: number): void {
    this.guardianHolds.push({ pnn: node.pnn, cause: 'crash', from: now, held, heardAt: node.lastHeardAt });
  }

  /**
   * Silent peers (the gate's `silence` row) and quorum, from a view change. `held`: how many
   * addresses a peer may hold (its heartbeats' and its unconfirmed TAKEs'). @default its heartbeats'
   */
  viewChanged(
    changes: readonly MembershipChange[], view: MembershipView, quorate: boolean, now: number,
    held: (pnn: Pnn) => number = (pnn) => view.nodes[pnn]?.hosted.length ?? 0,
  ): void {
    for (const change of changes) if (change.kind === 'flags' && change.cause === 'silence') this.silent(view.nodes[change.pnn], held);
    if (!quorate) this.quorateSince = undefined;
    else this.quorateSince ??= now;
  }

  /** A peer fell silent for dead_after (one never heard cannot have been silent). */
  private silent(node: NodeState | undefined, held: (pnn: Pnn) => number): void {
    if (node?.lastHeardAt === undefined) return;
    this.guardianHolds.push({ pnn: node.pnn, cause: 'silence', from: node.lastHeardAt, held: held(node.pnn), heardAt: node.lastHeardAt });
  }

  /** `pnn`'s guardian reported its addresses deleted at `now`. Returns how long its holds had left (0 when none held). */
  fenced(pnn: Pnn, view: MembershipView, now: number): number {
    const before = liveGuardianHolds(this.inputs(view, now)).filter((hold) => hold.pnn === pnn);
    this.fencedAt.set(pnn, now);
    return before.length === 0 ? 0 : before[0].until - now;
  }

  holdForReload(name: string, until: number): void {
    this.reloadHolds.set(name, until);
  }

  /** Ends a reload hold; false when there was none of that name. */
  endReload(name: string): boolean {
    return this.reloadHolds.delete(name);
  }

  get sinceQuorate(): number | undefined {
    return this.quorateSince;
  }

  /** Since when peers' lists must be confirmed: the later of quorum and this leadership (the gate's `confirm` row). */
  get confirmBasis(): number | undefined {
    return confirmBasis({ quorateSince: this.quorateSince, leaderSince: this.leaderSince });
  }

  /** This node leads from `now` on (a new term: the previous leader's orders may be in flight), or no longer leads. */
  leading(now: number | undefined): void {
    this.leaderSince = now;
  }

  confirmed(since: number): void {
    this.confirmedSince = since;
  }

  inputs(view: MembershipView, now: number, votes: GateVotes = NO_VOTES_AWAY): GateInputs {
    return {
      now, view, timings: this.timings, reloadHolds: this.reloadHolds, guardianHolds: this.guardianHolds,
      fencedAt: this.fencedAt, quorateSince: this.quorateSince, leaderSince: this.leaderSince, confirmedSince: this.confirmedSince, votes,
    };
  }

  /** Forgets holds that ended; a reload hold that ran out before it was released is logged. */
  prune(now: number): void {
    this.guardianHolds = this.guardianHolds.filter((hold) => (guardianHoldUntil(hold, { timings: this.timings, fencedAt: this.fencedAt }) ?? -Infinity) > now);
    for (const [name, until] of this.reloadHolds) {
      if (until > now) continue;
      this.reloadHolds.delete(name);
      this.log.warn({ hold: name }, `reload hold ${name} ran out before it was released: takeover runs go on`);
    }
  }
}

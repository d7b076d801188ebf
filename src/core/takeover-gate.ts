// May the leader's pending takeover run start now, and if not, why: the rules as a table.
//
// Pure (no clock, no timers): the leader (daemon/runtime/leader.ts) hands in a snapshot of
// what it knows and `now`, and gets one decision: `start`, `wait` until a clock reading, or
// `held` until some view change. GATE_RULES is checked in order and the first row that
// answers decides; a row is a rule, with its reason. When a wait ends, or an input a hold
// depends on changes, the leader asks again, so a later row still holds the run if it must.
// A new rule is a new row here, not a new flag and timer in the leader.

import { Pnn } from './flags';
import { MembershipView } from './membership';
import { disagreeingMembers, fenceDeleteMs, partitionMembers } from './quorum';

/**
 * A peer whose addresses may still be on its kernel: it, or its guardian, deletes them, and no
 * node may add them before that.
 *  - `crash`: its stream broke without LEAVING; its guardian deletes them from `from` (the
 *    break) within crash_grace plus fenceDeleteMs(held) (core/quorum.ts: the native guardian
 *    deletes in batches, 333 addresses in 2-6 ms).
 *  - `silence`: it fell silent for dead_after; its fast path found no quorum at fence_after of
 *    silence from `from` (its last heartbeat) and ordered its guardian to delete what it held
 *    (or the guardian fenced a frozen process), within fenceDeleteMs(held) after. When the main
 *    loop deleted them instead, 333 took 450 ms while the other nodes added theirs (the failover
 *    bench, fast profile), and the peers waited 1 ms per address.
 */
export interface GuardianHold {
  readonly pnn: Pnn;
  readonly cause: 'crash' | 'silence';
  /** Clock reading the deletion is counted from. */
  readonly from: number;
  /** Addresses it held when the hold began. */
  readonly held: number;
  /**
   * Its last heartbeat when the hold began. A FENCED notice from its guardian at or after it
   * ends the hold: the addresses are gone (the notice may overtake the closed stream, and a
   * frozen daemon's stream closes only when it thaws). One heard after the notice is back,
   * and a new hold counts again.
   */
  readonly heardAt: number | undefined;
}

export interface GateTimings {
  /** timing.crash_grace; 0 = no crash holds at all. */
  readonly crashGraceMs: number;
  readonly fenceAfterMs: number;
  readonly deadAfterMs: number;
}

/** Everything the gate decides from, read once by the leader. */
export interface GateInputs {
  readonly now: number;
  readonly view: MembershipView;
  readonly timings: GateTimings;
  /** Cluster-wide reloadips holds: name -> clock reading at which the hold ends by itself. */
  readonly reloadHolds: ReadonlyMap<string, number>;
  readonly guardianHolds: readonly GuardianHold[];
  /** When each peer's guardian last reported its addresses deleted (FENCED). */
  readonly fencedAt: ReadonlyMap<Pnn, number>;
  /** When this node's partition last became quorate (start, or back from a partition); undefined while it is not. */
  readonly quorateSince: number | undefined;
  /** When this node became the leader of its current term; undefined while it does not lead. */
  readonly leaderSince?: number;
  /** The confirmBasis for which every peer confirmed a run's epoch, so their lists are current since. */
  readonly confirmedSince: number | undefined;
  readonly votes: GateVotes;
}

/** The expected-votes side (core/votes.ts), for the rejoin row. */
export interface GateVotes {
  /** Peers this node no longer expects to vote: they left on purpose, or last man standing dropped them. */
  readonly away: readonly Pnn[];
  /** The voters each peer last reported on its current stream (empty: it is not quorate, or still waits for all). */
  readonly peerVoters: ReadonlyMap<Pnn, readonly Pnn[]>;
}

export const NO_VOTES_AWAY: GateVotes = { away: [], peerVoters: new Map() };

export type GateRuleName = 'reload' | 'crash' | 'silence' | 'rejoin' | 'agreement' | 'confirm';

export type GateDecision =
  /** `confirmFirst`: every connected peer confirms the run's epoch before it plans (the confirm row). */
  | { readonly kind: 'start'; readonly rule: GateRuleName | 'clear'; readonly reason: string; readonly confirmFirst: boolean }
  /** No run before `until`; asked again then. `reason` completes "next run held …". */
  | { readonly kind: 'wait'; readonly rule: GateRuleName; readonly reason: string; readonly until: number; readonly waitMs: number }
  /** No run until a view change lifts the hold. */
  | { readonly kind: 'held'; readonly rule: GateRuleName; readonly reason: string };

export interface GateRule {
  readonly name: GateRuleName;
  /** Why the rule exists (what went wrong without it). */
  readonly because: string;
  /** The decision when the rule holds the run (or, for `confirm`, shapes it); undefined when it lets it through. */
  readonly check: (inputs: GateInputs) => GateDecision | undefined;
}

/** When a guardian hold ends, or undefined when it holds nothing (no crash grace configured, or its guardian already reported). */
export function guardianHoldUntil(hold: GuardianHold, inputs: Pick<GateInputs, 'timings' | 'fencedAt'>): number | undefined {
  const fencedAt = inputs.fencedAt.get(hold.pnn);
  if (fencedAt !== undefined && (hold.heardAt === undefined || hold.heardAt <= fencedAt)) return undefined;
  // No crash grace configured: crashes hold nothing. A silent node that held nothing has nothing to delete.
  if (hold.cause === 'crash' ? inputs.timings.crashGraceMs <= 0 : hold.held === 0) return undefined;
  const grace = hold.cause === 'crash' ? inputs.timings.crashGraceMs : inputs.timings.fenceAfterMs;
  return hold.from + grace + fenceDeleteMs(hold.held);
}

/** The holds still holding at `now`, longest first. */
export function liveGuardianHolds(inputs: GateInputs, cause?: GuardianHold['cause']): Array<GuardianHold & { readonly until: number }> {
  return inputs.guardianHolds
    .filter((hold) => cause === undefined || hold.cause === cause)
    .map((hold) => ({ ...hold, until: guardianHoldUntil(hold, inputs) ?? -Infinity }))
    .filter((hold) => hold.until > inputs.now)
    .sort((a, b) => b.until - a.until);
}

/**
 * Peers not heard since this node's partition became quorate. One heard since and then lost
 * (a kill -9 just after start) is not among them: its hosted list is current, and its loss is
 * handled as at any other time (crash and silence holds, dead_after).
 */
export function unheardPeers(inputs: GateInputs): Pnn[] {
  const since = inputs.quorateSince ?? inputs.now;
  return inputs.view.nodes
    .filter((n) => !n.local && !n.deleted && !(n.lastHeardAt !== undefined && n.lastHeardAt >= since))
    .map((n) => n.pnn);
}

/**
 * Unheard peers that hold nothing for sure: this node does not expect them to vote (they left
 * after releasing everything, or a quorate partition dropped them after last man standing's
 * window, long after it took their addresses) and every other member of the partition reports
 * its voters without them. The reports matter: this node's memory may be from before it was cut
 * off, and a node that came back meanwhile votes again in the quorate partition it rejoined, of
 * which a member of ours is (two quorate partitions share a voter); that member reports it.
 */
export function awayForGood(inputs: Pick<GateInputs, 'view' | 'votes'>): Pnn[] {
  const { view, votes } = inputs;
  const reports = partitionMembers(view).filter((pnn) => pnn !== view.localPnn).map((pnn) => votes.peerVoters.get(pnn) ?? []);
  if (reports.some((voters) => voters.length === 0)) return [];
  return votes.away.filter((pnn) => !reports.some((voters) => voters.includes(pnn)));
}

/**
 * Since when every peer's list must be confirmed before a run plans: the later of gaining
 * quorum and becoming leader; undefined without quorum.
 */
export function confirmBasis(inputs: Pick<GateInputs, 'quorateSince' | 'leaderSince'>): number | undefined {
  if (inputs.quorateSince === undefined) return undefined;
  return inputs.leaderSince === undefined ? inputs.quorateSince : Math.max(inputs.quorateSince, inputs.leaderSince);
}

function waitFor(rule: GateRuleName, reason: string, until: number, now: number): GateDecision {
  return { kind: 'wait', rule, reason, until, waitMs: until - now };
}

function addresses(count: number): string {
  return `${count} address${count === 1 ? '' : 'es'}`;
}

function guardianRow(cause: GuardianHold['cause'], because: string, says: (hold: GuardianHold) => string): GateRule {
  return {
    name: cause,
    because,
    check: (inputs) => {
      const [longest] = liveGuardianHolds(inputs, cause);
      return longest && waitFor(cause, says(longest), longest.until, inputs.now);
    },
  };
}

export const GATE_RULES: readonly GateRule[] = [
  {
    name: 'reload',
    because: 'A cluster-wide reloadips or reloadnodes: a run on a partial view would give an address to the first node that '
      + 'listed it, and LCP2 does not move it later. The hold ends when every list is in, or by itself at its '
      + 'bound, so a coordinator that died or lost contact cannot hold runs for ever.',
    check: (inputs) => {
      const holds = [...inputs.reloadHolds].filter(([, until]) => until > inputs.now).sort((a, b) => b[1] - a[1]);
      if (holds.length === 0) return undefined;
      const [name, until] = holds[0];
      return waitFor('reload', `for every node's new list (cluster-wide reloadips or reloadnodes: ${name})`, until, inputs.now);
    },
  },
  guardianRow('crash',
    'A peer that broke its stream without LEAVING still holds its addresses until its guardian deletes them.',
    (hold) => `for node ${hold.pnn}'s guardian to delete its ${addresses(hold.held)} (its stream broke)`),
  guardianRow('silence',
    'A silent peer fences itself at fence_after and then deletes what it held, one address at a time.',
    (hold) => `for node ${hold.pnn} to fence itself and delete its ${addresses(hold.held)} (silent since dead_after)`),
  {
    name: 'rejoin',
    because: 'This node only just gained quorum (it started, or came back from a partition): its view of the '
      + 'peers it has not heard since is from before. One of them may have taken addresses in the quorate '
      + 'partition this node was cut from, and counting it as released (it is DISCONNECTED here) would put '
      + 'those addresses on two nodes. A live, reachable peer is heard within a heartbeat interval; one still '
      + 'silent after dead_after counts as gone, as everywhere else. A peer away for good (awayForGood: it left '
      + 'on purpose or was dropped, and no member counts it again) holds nothing: waiting for it only kept a '
      + 'restarted node from hosting for dead_after after planned stops.',
    check: (inputs) => {
      if (inputs.quorateSince === undefined) return undefined;
      const until = inputs.quorateSince + inputs.timings.deadAfterMs;
      const away = awayForGood(inputs);
      const unheard = unheardPeers(inputs).filter((pnn) => !away.includes(pnn));
      if (until <= inputs.now || unheard.length === 0) return undefined;
      return waitFor('rejoin', `until node${unheard.length === 1 ? '' : 's'} ${unheard.join(',')} ${unheard.length === 1 ? 'is' : 'are'} heard since quorum came back`,
        until, inputs.now);
    },
  },
  {
    name: 'agreement',
    because: 'Connectivity is not transitive: a restarted node that reached only some peers can be quorate and '
      + 'lowest-numbered in its view while the rest still follow another leader; counting that leader\'s node as '
      + 'gone would put its addresses on two nodes. A shared member reports both sides, so neither agrees until '
      + 'the cluster is whole again or the split is real (the cut nodes\' streams closed or dead_after passed).',
    check: ({ view }) => {
      const disagreeing = disagreeingMembers(view);
      if (disagreeing.length === 0) return undefined;
      const reports = disagreeing.map((pnn) => `node ${pnn} reports ${view.nodes[pnn].reportedPartition?.join(',') ?? 'nothing yet'}`);
      return {
        kind: 'held', rule: 'agreement',
        reason: `until the partition agrees: this node sees ${partitionMembers(view).join(',')}, ${reports.join(', ')}`,
      };
    },
  },
  {
    name: 'confirm',
    because: 'The heartbeats heard so far after gaining quorum may be old ones TCP held through the outage, listing '
      + 'what the peer held before; planning from them took addresses another node had taken meanwhile (the '
      + 'failover bench: on two nodes for ~150-250 ms). A peer sends its heartbeat before its ack, so once every '
      + 'ack of an empty RELEASE is in, every list in the view is current. The same holds for a new leader: the '
      + 'previous one\'s TAKE orders may still be in flight or in a node\'s queue, and a node back from a ban that '
      + 'led at once took seven addresses the previous leader had just given another node (the 5-node soak: ~214 ms '
      + 'on two nodes).',
    check: (inputs) => {
      const basis = confirmBasis(inputs);
      if (basis === undefined || inputs.confirmedSince === basis) return undefined;
      const since = inputs.leaderSince !== undefined && basis === inputs.leaderSince && basis !== inputs.quorateSince ? 'this node became leader' : 'quorum';
      return { kind: 'start', rule: 'confirm', reason: `the first run since ${since}: every peer confirms its list first`, confirmFirst: true };
    },
  },
];

const CLEAR: GateDecision = { kind: 'start', rule: 'clear', reason: 'no rule holds the run', confirmFirst: false };

/** The decision of the first row that answers, or a plain start. */
export function decideRun(inputs: GateInputs): GateDecision {
  for (const rule of GATE_RULES) {
    const decision = rule.check(inputs);
    if (decision !== undefined) return decision;
  }
  return CLEAR;
}

/** Same rule holding the run to the same end (the leader re-plans only when this changes). */
export function sameDecision(a: GateDecision, b: GateDecision): boolean {
  if (a.kind !== b.kind || a.rule !== b.rule) return false;
  return a.kind !== 'wait' || b.kind !== 'wait' || a.until === b.until;
}

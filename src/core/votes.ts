// Expected votes (corosync votequorum's idea): who the cluster expects to vote, lowered by leaves and last man standing.
//
// Each node keeps a VoteMemory and changes it only through the pure functions here, from
// plain inputs (node set, partition members, what peers report, the clock reading), so the
// daemon, the fast path and the reload of `nodes` all compute the same thing.
//  - A node that LEAVES (stops on purpose, after releasing its addresses) no longer votes:
//    the others lower their expected votes at once. A node that vanishes is a failure.
//  - Last man standing: a partition quorate with the same members for the window drops the
//    failed voters. Only a quorate partition ever lowers expected votes by failure.
//  - A left or dropped node votes again once it is back in a quorate partition (it came
//    through the handshake): the quorate side lets it in, never a side without quorum.
//  - Wait for all: a daemon that starts knows nothing of leaves and drops decided while it was
//    away, so it counts itself quorate only once it has seen every configured node at once,
//    or once a quorate peer of its partition told it its voters (it then takes those).
// docs/reliability.md gives the safety argument of each step.

import { Pnn } from './flags';

/** One line of `nodes` as the vote count sees it. */
export interface VotingNode {
  readonly pnn: Pnn;
  readonly deleted: boolean;
}

export interface VoteSettings {
  /** last_man_standing_window in ms; 0 = never drop failed voters. */
  readonly lastManStandingWindowMs: number;
  /** wait_for_all: a started daemon is quorate only after seeing every node at once or joining a quorate peer. */
  readonly waitForAll: boolean;
  /**
   * tie_breaker: who wins when a partition holds exactly half of the expected votes. The first
   * expected voter in this order keeps quorum for its half; `none` = neither half does.
   */
  readonly tieBreaker: 'none' | readonly Pnn[];
}

/** votequorum's defaults as floatip uses them (config/schema.ts documents each). */
export const DEFAULT_VOTE_SETTINGS: VoteSettings = { lastManStandingWindowMs: 10_000, waitForAll: true, tieBreaker: [] };

export interface VoteMemory {
  /** Nodes that said LEAVING (or a quorate peer did not count when this node joined) and have not voted again since, ascending. */
  readonly left: readonly Pnn[];
  /** Nodes last man standing no longer counts, ascending. */
  readonly dropped: readonly Pnn[];
  /** False from start until wait_for_all is met. */
  readonly joined: boolean;
  /** The members the partition has been quorate with since `stableSince` (the LMS window), or undefined. */
  readonly stableMembers: readonly Pnn[] | undefined;
  readonly stableSince: number | undefined;
}

export function startingVotes(settings: Pick<VoteSettings, 'waitForAll'>): VoteMemory {
  return { left: [], dropped: [], joined: !settings.waitForAll, stableMembers: undefined, stableSince: undefined };
}

/** The one computation of expected voters: every non-deleted node of `nodes`, less those that left or were dropped. */
export function expectedVoters(nodes: readonly VotingNode[], memory: Pick<VoteMemory, 'left' | 'dropped'>): Pnn[] {
  return nodes.filter((n) => !n.deleted && !memory.left.includes(n.pnn) && !memory.dropped.includes(n.pnn)).map((n) => n.pnn);
}

/** Configured (non-deleted) nodes, ascending. */
export function configuredNodes(nodes: readonly VotingNode[]): Pnn[] {
  return nodes.filter((n) => !n.deleted).map((n) => n.pnn);
}

/** A peer said LEAVING: it released its addresses and stops, so it votes nowhere until it comes back. */
export function recordLeave(memory: VoteMemory, pnn: Pnn): VoteMemory {
  if (memory.left.includes(pnn)) return memory;
  return { ...memory, left: sorted([...memory.left, pnn]), dropped: memory.dropped.filter((p) => p !== pnn) };
}

/** What advanceVotes looks at, read once by the caller. */
export interface VoteInputs {
  readonly now: number;
  readonly nodes: readonly VotingNode[];
  readonly localPnn: Pnn;
  /** The local partition, ascending (core/quorum.ts partitionMembers). */
  readonly members: readonly Pnn[];
  /** Is the partition quorate under `memory` as it stands (core/quorum-rules.ts)? */
  readonly quorate: (memory: VoteMemory) => boolean;
  /** The voters each member peer last reported (empty: it is not quorate, or still waits for all). */
  readonly peerVoters: ReadonlyMap<Pnn, readonly Pnn[]>;
  readonly settings: VoteSettings;
}

/**
 * The memory after the partition, the clock and the peers' reports moved on: join (wait for all),
 * rejoin of left or dropped members, then the last-man-standing window. Returns `memory` itself
 * when nothing changed.
 */
export function advanceVotes(memory: VoteMemory, inputs: VoteInputs): VoteMemory {
  let next = join(memory, inputs);
  next = readmit(next, inputs);
  next = lastManStanding(next, inputs);
  return sameMemory(next, memory) ? memory : next;
}

function join(memory: VoteMemory, inputs: VoteInputs): VoteMemory {
  if (memory.joined) return memory;
  const configured = configuredNodes(inputs.nodes);
  if (configured.every((pnn) => inputs.members.includes(pnn))) return { ...memory, joined: true, left: [], dropped: [] };
  // A quorate member's voters are the cluster's as it stands; we are one of them from now on.
  // The wire does not say why the others do not vote: they count as left here (status shows them so).
  for (const pnn of inputs.members) {
    const voters = inputs.peerVoters.get(pnn);
    if (pnn === inputs.localPnn || voters === undefined || voters.length === 0) continue;
    const away = configured.filter((p) => p !== inputs.localPnn && !voters.includes(p));
    return { ...memory, joined: true, left: away, dropped: [] };
  }
  return memory;
}

/** Left or dropped members count again, but only where the partition is quorate without them. */
function readmit(memory: VoteMemory, inputs: VoteInputs): VoteMemory {
  const back = inputs.members.filter((pnn) => memory.left.includes(pnn) || memory.dropped.includes(pnn));
  if (back.length === 0 || !memory.joined || !inputs.quorate(memory)) return memory;
  return { ...memory, left: memory.left.filter((p) => !back.includes(p)), dropped: memory.dropped.filter((p) => !back.includes(p)) };
}

function lastManStanding(memory: VoteMemory, inputs: VoteInputs): VoteMemory {
  const window = inputs.settings.lastManStandingWindowMs;
  if (window <= 0 || !memory.joined || !inputs.quorate(memory)) {
    return memory.stableSince === undefined ? memory : { ...memory, stableMembers: undefined, stableSince: undefined };
  }
  if (memory.stableMembers === undefined || !sameList(memory.stableMembers, inputs.members)) {
    return { ...memory, stableMembers: [...inputs.members], stableSince: inputs.now };
  }
  if (inputs.now - (memory.stableSince ?? inputs.now) < window) return memory;
  const failed = expectedVoters(inputs.nodes, memory).filter((pnn) => !inputs.members.includes(pnn));
  return failed.length === 0 ? memory : { ...memory, dropped: sorted([...memory.dropped, ...failed]) };
}

/** When the last-man-standing window of the present partition ends, if it is running and would drop someone. */
export function lastManStandingDue(memory: VoteMemory, nodes: readonly VotingNode[], settings: VoteSettings): number | undefined {
  if (settings.lastManStandingWindowMs <= 0 || memory.stableSince === undefined || memory.stableMembers === undefined) return undefined;
  const members = memory.stableMembers;
  const failed = expectedVoters(nodes, memory).filter((pnn) => !members.includes(pnn));
  return failed.length === 0 ? undefined : memory.stableSince + settings.lastManStandingWindowMs;
}

function sorted(pnns: readonly Pnn[]): Pnn[] {
  return [...new Set(pnns)].sort((a, b) => a - b);
}

function sameList(a: readonly Pnn[], b: readonly Pnn[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
}

function sameMemory(a: VoteMemory, b: VoteMemory): boolean {
  return a.joined === b.joined && sameList(a.left, b.left) && sameList(a.dropped, b.dropped)
    && a.stableSince === b.stableSince && (a.stableMembers === b.stableMembers
      || (a.stableMembers !== undefined && b.stableMembers !== undefined && sameList(a.stableMembers, b.stableMembers)));
}

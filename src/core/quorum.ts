// Quorum, leader choice and the fence rule, computed from the local membership view.
//
// Who is "in the partition": the local node and every non-deleted peer it is
// connected to, whatever its other flags. UNHEALTHY and DISABLED nodes are
// working members that merely may not host. BANNED and STOPPED nodes (CTDB's
// INACTIVE) count too: quorum answers "which side of a network split are we
// on", and a banned node is alive and reachable on this side, so it cannot be
// counted by the other side. Leaving it out would let an admin action (ban one
// node of three) turn the next single failure into a cluster-wide outage.
// INACTIVE nodes are, however, never leader, as in CTDB.
// Deleted nodes count nowhere, not even in the denominator.

import { isActive, NO_NODE, Pnn } from './flags';
import { sameInOrder } from './lists';
import { MembershipView, nodeFlags, NodeState } from './membership';
import { decideQuorum, QuorumRuleName, votesPresent } from './quorum-rules';
import { configuredNodes, expectedVoters, VoteMemory, VoteSettings } from './votes';

/**
 * How a partition proves it may serve. `majority`: a strict majority of the
 * configured (non-deleted) nodes. `lock`: the partition holds the cluster lock,
 * whatever its size (DESIGN: two-node clusters, or by choice); then only the
 * lock holder's side is quorate, even when the other side is the majority.
 */
export type QuorumRule =
  | { readonly mode: 'majority' }
  | { readonly mode: 'lock'; /** Who holds the cluster lock as far as this node knows, or NO_NODE. */ readonly holder: Pnn };

export interface PartitionOptions {
  /**
   * Count a peer only if heard from within this many ms (the fence uses
   * `fence_after`, shorter than `dead_after`, so a minority gives up its
   * addresses before the majority declares it dead and takes them).
   */
  readonly heardWithinMs?: number;
  /**
   * Count a peer only if it said, within this many ms, that it hears us (NodeState.heardUsAt).
   * A peer declares us dead by its own hearing of us, so hearing it is not enough: after a
   * link flap our frames may reach it late while its frames reach us at once.
   */
  readonly heardUsWithinMs?: number;
}

/**
 * The expected-votes side of quorum (core/votes.ts): the node's vote memory and the tie order.
 * Left out, every configured node votes, nothing waits and ties lose (plain majority).
 */
export interface Ballot {
  readonly memory: Pick<VoteMemory, 'left' | 'dropped' | 'joined'>;
  readonly tieBreaker: VoteSettings['tieBreaker'];
}

export const PLAIN_MAJORITY: Ballot = { memory: { left: [], dropped: [], joined: true }, tieBreaker: 'none' };

export interface QuorumState {
  readonly quorate: boolean;
  /** The row of core/quorum-rules.ts that decided, and its words. */
  readonly rule: QuorumRuleName;
  readonly reason: string;
  /** Expected votes (voters) and how many of them are in the partition. */
  readonly expected: number;
  readonly votes: number;
  /** Nodes that left on purpose and have not voted again; nodes last man standing dropped. */
  readonly left: readonly Pnn[];
  readonly dropped: readonly Pnn[];
  /** Nodes in the local partition, ascending. */
  readonly members: readonly Pnn[];
  /** Configured, non-deleted nodes. */
  readonly configured: number;
  /** Members needed for a majority (reported in lock mode too, for status output). */
  readonly majority: number;
  /** The leader of a quorate partition, or NO_NODE. */
  readonly leader: Pnn;
  /**
   * The lowest-numbered active member: the leader under `majority`, and the
   * node that should try to take the cluster lock under `lock`. NO_NODE when
   * every member is INACTIVE.
   */
  readonly candidate: Pnn;
}

/** The local node and the peers in its partition, ascending. */
export function partitionMembers(view: MembershipView, options: PartitionOptions = {}): Pnn[] {
  return view.nodes.filter((node) => inPartition(node, view.now, options)).map((node) => node.pnn);
}

/** Whether `node` is in the local node's partition at `now` under `options` (partitionMembers, one node). */
export function inPartition(node: NodeState, now: number, options: PartitionOptions): boolean {
  if (node.deleted) return false;
  if (node.local) return true;
  if (!node.connected) return false;
  if (options.heardWithinMs !== undefined && !(node.lastHeardAt !== undefined && now - node.lastHeardAt < options.heardWithinMs)) return false;
  if (options.heardUsWithinMs !== undefined && !(node.heardUsAt !== undefined && now - node.heardUsAt < options.heardUsWithinMs)) return false;
  return true;
}

/**
 * Members of the local partition that do not report exactly our member set (or
 * have not reported one yet), ascending. Connectivity is not transitive: after a
 * restart or a one-way cut, A may see {A,C} while B sees {B,C} and C sees all
 * three; A and B are then both quorate and both the lowest active node of their
 * partition. Each would count the other as gone and take its addresses. Like
 * CTDB's recovery master, which acts only on a node map every node agrees on, a
 * leader runs only when this list is empty: C reports {A,B,C} to both, so
 * neither acts until the cluster is whole again or the split is real.
 */
export function disagreeingMembers(view: MembershipView): Pnn[] {
  const members = partitionMembers(view);
  return members.filter((pnn) => {
    if (pnn === view.localPnn) return false;
    const reported = view.nodes[pnn].reportedPartition;
    return reported === undefined || !sameInOrder(reported, members);
  });
}

/** True when every member of the local partition reports the same members as we see (disagreeingMembers). */
export function partitionAgreed(view: MembershipView): boolean {
  return disagreeingMembers(view).length === 0;
}

/** Quorum and leader of the local node's partition. */
export function evaluateQuorum(view: MembershipView, rule: QuorumRule, options: PartitionOptions = {}, ballot: Ballot = PLAIN_MAJORITY): QuorumState {
  const members = partitionMembers(view, options);
  const configuredPnns = configuredNodes(view.nodes);
  const configured = configuredPnns.length;
  const majority = Math.floor(configured / 2) + 1;
  const active = members.filter((pnn) => isActive(nodeFlags(view.nodes[pnn])));
  const candidate = active.length > 0 ? active[0] : NO_NODE;
  const voters = expectedVoters(view.nodes, ballot.memory);
  const answer = decideQuorum({
    members, configured: configuredPnns, voters, dropped: ballot.memory.dropped, joined: ballot.memory.joined,
    lockHolder: rule.mode === 'lock' ? rule.holder : undefined, tieBreaker: ballot.tieBreaker,
  });
  const counts = {
    rule: answer.rule, reason: answer.reason, expected: voters.length, votes: votesPresent({ members, voters }),
    left: ballot.memory.left, dropped: ballot.memory.dropped,
  };
  const { quorate } = answer;
  if (rule.mode === 'majority') return { quorate, members, configured, majority, leader: quorate ? candidate : NO_NODE, candidate, ...counts };
  // The lock is exclusive, so at most one side can hold it. A holder that is
  // INACTIVE keeps its side quorate (its addresses stay) but cannot lead: it
  // must drop the lock so an active node can take it.
  const leader = quorate && active.includes(rule.holder) ? rule.holder : NO_NODE;
  return { quorate, members, configured, majority, leader, candidate, ...counts };
}

/**
 * Time a node's guardian needs per address to delete them when it fences: after a crash (its
 * pipe closed), a freeze (no ticks), or no quorum (the fast path orders it: liveness.ts). Peers
 * wait this long per address it held beyond fence_after (or crash_grace) before they take a
 * crashed or silent node's addresses. The native guardian deletes in batches: 333 addresses
 * took 1.5-5.6 ms (p50 1.6 ms), 1.5-2.4 ms while two other namespaces of the same kernel added
 * and deleted 333 each in a loop; 0.1 ms is six times the worst of those. It was 1 ms while the
 * main loop deleted one by one on no quorum (0.9-1.35 ms each).
 */
export const FENCE_DELETE_MS_PER_ADDRESS = 0.1;

/** How long the peers allow a node's guardian to delete `held` addresses: FENCE_DELETE_MS_PER_ADDRESS each, in whole ms. */
export function fenceDeleteMs(held: number): number {
  return Math.ceil(held * FENCE_DELETE_MS_PER_ADDRESS);
}

export type FenceReason = 'quorate' | 'no-quorum' | 'banned' | 'stopped';

export interface FenceDecision {
  /** May this node hold public addresses right now? */
  readonly mayHold: boolean;
  readonly reason: FenceReason;
  /** Addresses this node holds and must release by itself, ascending. */
  readonly release: readonly string[];
}

/**
 * The fence rule: a node without quorum holds no address. Peers count only if
 * heard within `fenceAfterMs` (< dead_after, see PartitionOptions) and if they
 * said they heard us within `fenceAfterMs`: a peer P counts us dead at its last
 * hearing of us + dead_after, and our reading of that hearing (arrival of P's
 * heartbeat - its agoMs) lags the truth only by that heartbeat's transit, so we
 * let go before P takes over unless that transit exceeds dead_after - fence_after.
 * A peer that never said it hears us does not count. A BANNED or
 * STOPPED local node also releases everything by itself, as CTDB does. An
 * UNHEALTHY or DISABLED node keeps its addresses until the leader moves them:
 * the leader's run releases and takes in order, while letting go by itself
 * would leave clients with no server until that run.
 */
export function fence(view: MembershipView, rule: QuorumRule, fenceAfterMs: number, ballot: Ballot = PLAIN_MAJORITY): FenceDecision {
  const local = view.nodes[view.localPnn];
  const releaseAll = (reason: FenceReason): FenceDecision => ({ mayHold: false, reason, release: local.hosted });
  if (local.banned) return releaseAll('banned');
  if (local.stopped) return releaseAll('stopped');
  if (!evaluateQuorum(view, rule, { heardWithinMs: fenceAfterMs, heardUsWithinMs: fenceAfterMs }, ballot).quorate) return releaseAll('no-quorum');
  return { mayHold: true, reason: 'quorate', release: [] };
}

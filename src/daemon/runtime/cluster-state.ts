// What this node knows of the cluster: the membership view, every node's address list, expected votes, quorum and fence.
//
// The one place observations enter the core's membership view. Listeners hear every
// applied observation with the changes it made, including clock ticks that changed
// nothing, because quorum under `fence_after` depends on time alone. The vote memory
// (core/votes.ts: leaves, last man standing, wait for all) moves on with every change,
// before listeners hear of it, so they read quorum as it now stands.
//
// One exception: a heartbeat that changes nothing from a peer that was counted before it and
// still is (quietBeat) only refreshes the view; listeners hear such refreshes together, at most
// once per heartbeat_interval. Every peer's beats reached every listener before: at 16 nodes that
// was 75 runs of the whole runtime's view handling per second (quorum, the leader's gate, orders,
// readiness) for beats that changed no answer. What time alone changes still comes by the tick.
// Some listeners wait for every peer to be heard after a moment (the takeover gate after quorum
// came, the fence after an order): the first beat of each peer after a change, or after
// hearNextBeats(), is heard at once however quiet, or such a wait could last up to a
// heartbeat_interval longer. (After a membership change a peer's next beat usually reports
// another partition, a change of its own; the fence's order changes nothing in the view.)

import { PublicAddress } from '../../core/address';
import { NO_NODE, Pnn } from '../../core/flags';
import { compareIp } from '../../core/ip';
import { createView, MembershipChange, MembershipView, NodeObservation, update, withNodeSet } from '../../core/membership';
import { MembershipError } from '../../core/membership-errors';
import { Ballot, evaluateQuorum, fence, FenceDecision, inPartition, partitionMembers, QuorumRule, QuorumState } from '../../core/quorum';
import {
  advanceVotes, configuredNodes, DEFAULT_VOTE_SETTINGS, expectedVoters, lastManStandingDue, recordLeave, startingVotes, VoteMemory, VoteSettings,
} from '../../core/votes';
import { GateVotes } from '../../core/takeover-gate';
import { Clock, OneTimer } from '../../adapters/clock';
import { Logger } from './logger';
import { RuntimeInit, RuntimeNode } from './settings';

/** `observation` without its clock reading: the state stamps it. */
export type Unstamped<T> = T extends unknown ? Omit<T, 'at'> : never;

export type ViewListener = (changes: readonly MembershipChange[]) => void;

export class ClusterState {
  private current: MembershipView;
  /** Every line of `nodes` as this node runs with it: the one node set the view, the mesh and the guardian follow (reloadnodes). */
  private nodeLines: readonly RuntimeNode[];
  private readonly lists = new Map<Pnn, readonly PublicAddress[]>();
  /** Each node's lines by address text, built on first use and dropped when its list changes (addressLine). */
  private readonly lineIndex = new Map<Pnn, ReadonlyMap<string, PublicAddress>>();
  private readonly listeners = new Set<ViewListener>();
  /** Who holds the cluster lock as far as this node knows (quorum = "lock" only). */
  private lockHolder: Pnn = NO_NODE;
  /** Observations the core refused (a peer claiming our number, a deleted node talking). */
  refusedObservations = 0;
  private readonly voteSettings: VoteSettings;
  private votes: VoteMemory;
  /** The voters each peer's latest heartbeat on its current stream reported (empty: it is not quorate). */
  private readonly peerVoters = new Map<Pnn, readonly Pnn[]>();
  /** How long ago the mesh event being handled happened (heardAgo); 0 outside one. */
  private ageMs = 0;
  /** Listeners owe a hearing of quiet heartbeats' refreshes (quietBeat) when this fires. */
  private readonly quietRefresh: OneTimer;
  /** Heartbeats that only refreshed the view (runtime-stats.ts). */
  quietBeats = 0;
  /** A beat from a peer last heard before this clock reading is heard at once (hearNextBeats). */
  private beatWatermark = -Infinity;

  constructor(
    private readonly init: RuntimeInit,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.quietRefresh = new OneTimer(clock);
    this.current = createView({
      localPnn: init.localPnn,
      nodeCount: init.nodes.length,
      deleted: init.nodes.filter((n) => n.deleted).map((n) => n.pnn),
      deadAfterMs: init.deadAfterMs,
      now: clock.now(),
    });
    this.nodeLines = init.nodes;
    this.lists.set(init.localPnn, sortedLines(init.publicAddresses));
    this.voteSettings = init.votes ?? DEFAULT_VOTE_SETTINGS;
    this.votes = startingVotes(this.voteSettings);
  }

  /** Every line of `nodes`, indexed by node number, deleted ones included. */
  get nodes(): readonly RuntimeNode[] {
    return this.nodeLines;
  }

  /**
   * A new node set (reloadnodes; the caller checked it with compareNodeSets): new lines join
   * DISCONNECTED, commented-out ones become DELETED and their address lists are forgotten.
   */
  setNodes(next: readonly RuntimeNode[]): readonly MembershipChange[] {
    const result = withNodeSet(this.current, next.length, next.filter((n) => n.deleted).map((n) => n.pnn));
    this.nodeLines = next;
    for (const node of next) {
      if (!node.deleted) continue;
      this.lists.delete(node.pnn);
      this.lineIndex.delete(node.pnn);
    }
    return this.apply(result.view, result.changes);
  }

  get view(): MembershipView {
    return this.current;
  }

  get localPnn(): Pnn {
    return this.init.localPnn;
  }

  /**
   * Runs `handle` with observations stamped `ageMs` before now: the mesh event it handles
   * happened then (it waited in the fast path's queue while this loop stood still). Handled
   * in arrival order, queued heartbeats then move the view's clock as they arrived, and the
   * first one handled after a stall does not make the peers behind it look silent.
   */
  heardAgo<T>(ageMs: number, handle: () => T): T {
    const outer = this.ageMs;
    this.ageMs = Math.max(0, ageMs);
    try {
      return handle();
    } finally {
      this.ageMs = outer;
    }
  }

  /** Applies an observation stamped now (or when its mesh event happened: heardAgo); a refused one is logged and counted, never applied. */
  observe(observation: Unstamped<NodeObservation>): readonly MembershipChange[] {
    let result;
    try {
      result = update(this.current, { ...observation, at: this.clock.now() - this.ageMs } as NodeObservation);
    } catch (error) {
      if (!(error instanceof MembershipError)) throw error;
      this.refusedObservations++;
      this.log.warn({ code: error.code, observation: observation.kind }, error.message);
      return [];
    }
    if (observation.kind === 'stream-closed') this.peerVoters.delete(observation.pnn);
    if (observation.kind === 'heartbeat' && (this.current.nodes[observation.pnn]?.lastHeardAt ?? -Infinity) > this.beatWatermark
      && quietBeat(this.current, result.view, result.changes, observation.pnn, this.init.fenceAfterMs)) {
      this.current = result.view;
      this.quietBeats++;
      if (this.quietRefresh.due === undefined) this.quietRefresh.set(this.init.heartbeatIntervalMs, () => this.notify([]));
      return result.changes;
    }
    return this.apply(result.view, result.changes);
  }

  /**
   * Every peer's next beat is heard at once, quiet or not: for a listener that waits until each
   * peer was heard after now. Each change does the same by itself.
   */
  hearNextBeats(): void {
    this.beatWatermark = this.current.now;
  }

  /** Ends the timer of quiet refreshes (the runtime stops). */
  stop(): void {
    this.quietRefresh.clear();
  }

  /**
   * A peer said LEAVING: it released everything and stops. It no longer counts in the expected
   * votes (a graceful leave, not a failure) until it is back in a quorate partition.
   */
  observeLeave(pnn: Pnn): readonly MembershipChange[] {
    if (pnn !== this.localPnn && this.current.nodes[pnn] !== undefined && !this.current.nodes[pnn].deleted) {
      this.votes = recordLeave(this.votes, pnn);
    }
    return this.observe({ kind: 'stream-closed', pnn });
  }

  /** The voters a peer's heartbeat reported; listeners hear it as a change-less update. */
  setPeerVoters(pnn: Pnn, voters: readonly Pnn[]): void {
    const before = this.peerVoters.get(pnn);
    if (before !== undefined && before.length === voters.length && before.every((p, i) => p === voters[i])) return;
    this.peerVoters.set(pnn, voters);
    this.notify([]);
  }

  /** The voters our heartbeat reports: our expected voters while quorate under them, else none (core/votes.ts join). */
  reportedVoters(): Pnn[] {
    if (!this.votes.joined || !this.quorum().quorate) return [];
    return expectedVoters(this.current.nodes, this.votes);
  }

  /** Who this node no longer expects to vote, and what each peer reported (the takeover gate's rejoin row). */
  votesAway(): GateVotes {
    const voters = expectedVoters(this.current.nodes, this.votes);
    return { away: configuredNodes(this.current.nodes).filter((pnn) => !voters.includes(pnn)), peerVoters: this.peerVoters };
  }

  /** Lets time pass: silent peers become DISCONNECTED, bans end, fence deadlines arrive. */
  tick(): readonly MembershipChange[] {
    const result = update(this.current, { kind: 'tick', at: this.clock.now() });
    return this.apply(result.view, result.changes);
  }

  onChange(listener: ViewListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A node's `public_addresses`, if it has told us (always known for this node). */
  addressList(pnn: Pnn): readonly PublicAddress[] | undefined {
    return this.lists.get(pnn);
  }

  /**
   * A node's line for one address, if it has told us its list. Indexed once per list: a find()
   * per address was quadratic where a caller walks hundreds (the metrics feed's `ips` every
   * second, a link loss moving every address off an interface).
   */
  addressLine(pnn: Pnn, text: string): PublicAddress | undefined {
    let index = this.lineIndex.get(pnn);
    if (index === undefined) {
      const list = this.lists.get(pnn);
      if (list === undefined) return undefined;
      const lines = new Map<string, PublicAddress>();
      for (const line of list) if (!lines.has(line.address.text)) lines.set(line.address.text, line);
      this.lineIndex.set(pnn, lines);
      index = lines;
    }
    return index.get(text);
  }

  addressLists(): ReadonlyMap<Pnn, readonly PublicAddress[]> {
    return this.lists;
  }

  /** Records a node's list; true when it differs from what we had. Listeners hear it as a change-less update. */
  setAddressList(pnn: Pnn, list: readonly PublicAddress[]): boolean {
    const sorted = sortedLines(list);
    const before = this.lists.get(pnn);
    if (before && sameLines(before, sorted)) return false;
    this.lists.set(pnn, sorted);
    this.lineIndex.delete(pnn);
    this.notify([]);
    return true;
  }

  setLockHolder(holder: Pnn): void {
    if (holder === this.lockHolder) return;
    this.lockHolder = holder;
    this.notify([]);
  }

  rule(): QuorumRule {
    return this.init.quorum === 'lock' ? { mode: 'lock', holder: this.lockHolder } : { mode: 'majority' };
  }

  /** The expected-votes side of quorum, as it stands. */
  ballot(): Ballot {
    return { memory: this.votes, tieBreaker: this.voteSettings.tieBreaker };
  }

  quorum(): QuorumState {
    return evaluateQuorum(this.current, this.rule(), {}, this.ballot());
  }

  /** Quorum of our partition as it would be with the node set `nodes` (reloadnodes asks before it changes anything). */
  quorumWith(nodes: readonly RuntimeNode[]): QuorumState {
    const { view } = withNodeSet(this.current, nodes.length, nodes.filter((n) => n.deleted).map((n) => n.pnn));
    return evaluateQuorum(view, this.rule());
  }

  /** The leader of our partition (NO_NODE without quorum). */
  leader(): Pnn {
    return this.quorum().leader;
  }

  fenceDecision(): FenceDecision {
    return fence(this.current, this.rule(), this.init.fenceAfterMs, this.ballot());
  }

  /**
   * The next clock reading at which time alone changes something: a peer's
   * fence or dead deadline, or the end of a ban. Undefined when nothing waits.
   */
  nextDeadline(): number | undefined {
    const now = this.current.now;
    let next: number | undefined;
    const consider = (at: number): void => {
      if (at > now && (next === undefined || at < next)) next = at;
    };
    const lastManStanding = lastManStandingDue(this.votes, this.current.nodes, this.voteSettings);
    if (lastManStanding !== undefined) consider(lastManStanding);
    for (const node of this.current.nodes) {
      if (node.bannedUntil !== undefined) consider(node.bannedUntil);
      if (node.heardUsAt !== undefined) consider(node.heardUsAt + this.init.fenceAfterMs);
      if (node.local || !node.connected || node.lastHeardAt === undefined) continue;
      consider(node.lastHeardAt + this.init.fenceAfterMs);
      consider(node.lastHeardAt + this.init.deadAfterMs);
    }
    return next;
  }

  private apply(view: MembershipView, changes: readonly MembershipChange[]): readonly MembershipChange[] {
    this.current = view;
    if (changes.length > 0) this.beatWatermark = view.now;
    this.notify(changes);
    return changes;
  }

  private notify(changes: readonly MembershipChange[]): void {
    // Listeners now read the view as it stands, quiet refreshes included.
    this.quietRefresh.clear();
    this.advanceVotes();
    for (const listener of [...this.listeners]) listener(changes);
  }

  private advanceVotes(): void {
    // The cluster lock decides alone: votes neither count nor change under it.
    if (this.init.quorum === 'lock') return;
    const members = partitionMembers(this.current);
    this.votes = advanceVotes(this.votes, {
      now: this.current.now, nodes: this.current.nodes, localPnn: this.localPnn, members, settings: this.voteSettings,
      peerVoters: this.peerVoters,
      quorate: (memory) => evaluateQuorum(this.current, this.rule(), {}, { memory, tieBreaker: this.voteSettings.tieBreaker }).quorate,
    });
  }
}

function sortedLines(list: readonly PublicAddress[]): PublicAddress[] {
  return [...list].sort((a, b) => compareIp(a.address, b.address));
}

function sameLines(a: readonly PublicAddress[], b: readonly PublicAddress[]): boolean {
  return a.length === b.length && a.every((line, i) => line.address.text === b[i].address.text
    && line.bits === b[i].bits && line.interfaces.join(',') === b[i].interfaces.join(','));
}

/**
 * Whether a heartbeat's update only refreshed the view: it made no change, and the peer counted
 * toward the fence's quorum at the new clock reading both before and after it (connected, heard
 * within fence_after, and it reported hearing us within fence_after). Then quorum, the fence, the
 * leader and every vote read the same as before the beat, and only the deadlines moved later; the
 * tick armed for the earlier ones fires and re-arms.
 */
export function quietBeat(before: MembershipView, after: MembershipView, changes: readonly MembershipChange[], pnn: Pnn, fenceAfterMs: number): boolean {
  if (changes.length > 0) return false;
  // The fence's own partition test (core/quorum.ts fence), at the beat's clock reading.
  const forFence = { heardWithinMs: fenceAfterMs, heardUsWithinMs: fenceAfterMs };
  const counted = (view: MembershipView): boolean => {
    const node = view.nodes[pnn];
    return node !== undefined && !node.local && inPartition(node, after.now, forFence);
  };
  return counted(before) && counted(after);
}

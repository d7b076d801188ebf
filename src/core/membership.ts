// Membership view: what this node knows of every node, updated immutably from timed observations.
//
// Modelled on the mongodb driver's TopologyDescription: `update(view, observation)`
// returns a new view and the list of changes and never mutates its input; the
// states a node may be in and the observations each accepts are one table
// (TRANSITIONS, membership-transitions.ts), and an observation the table does not
// allow throws an IllegalTransitionError naming the allowed ones. Time is a number
// of milliseconds carried by every observation (the caller's monotonic clock);
// the view never reads a clock. This file is the view's one entry point: it
// re-exports the node entry, observation and transition types from the files that
// define them (membership-node.ts, membership-observations.ts, membership-transitions.ts;
// how an observation changes a node is membership-node-updates.ts).

import { NO_NODE, Pnn } from './flags';
import { BadMembershipConfigError, BadObservationError, UnknownNodeError } from './membership-errors';
import { MembershipChange, nodeFlags, NodeState } from './membership-node';
import { advanceClock, applyToNode } from './membership-node-updates';
import { Observation } from './membership-observations';
import { checkTransition } from './membership-transitions';

export { canHostAddress, describeChange, nodeFlags } from './membership-node';
export type { FlagsCause, MembershipChange, NodeState } from './membership-node';
export type {
  AdminAction, AdminObservation, EpochObservation, HealthObservation, HeardReport, HeartbeatObservation, HostingObservation,
  LinkObservation, NodeObservation, NodeObservationKind, Observation, StreamClosedObservation, TickObservation,
} from './membership-observations';
export { roleOf, TRANSITIONS } from './membership-transitions';
export type { NodeRole } from './membership-transitions';

export interface MembershipConfig {
  /** This node's number. */
  readonly localPnn: Pnn;
  /** Lines in the nodes file; node numbers are 0..nodeCount-1. */
  readonly nodeCount: number;
  /** Lines commented out in the nodes file: these nodes never change and never count. */
  readonly deleted: readonly Pnn[];
  /** Silence after which a connected peer is DISCONNECTED (DESIGN: `dead_after`). */
  readonly deadAfterMs: number;
  /** Clock reading when the view starts. */
  readonly now: number;
}

export interface MembershipView {
  readonly localPnn: Pnn;
  readonly deadAfterMs: number;
  /** Latest clock reading seen; never goes back. */
  readonly now: number;
  /** Indexed by node number. */
  readonly nodes: readonly NodeState[];
}

export interface MembershipUpdate {
  readonly view: MembershipView;
  readonly changes: readonly MembershipChange[];
}

/**
 * A fresh view. Peers start DISCONNECTED until their first heartbeat (the peer
 * layer sends one right after its handshake). The local node starts UNHEALTHY
 * until its monitor first passes, as in CTDB, so it hosts nothing before its
 * services have been checked.
 */
export function createView(config: MembershipConfig): MembershipView {
  const { localPnn, nodeCount, deleted, deadAfterMs, now } = config;
  if (!Number.isInteger(nodeCount) || nodeCount < 1) {
    throw new BadMembershipConfigError('nodeCount', `must be a whole number >= 1, not ${nodeCount}: list at least one node in the nodes file`);
  }
  if (!Number.isInteger(localPnn) || localPnn < 0 || localPnn >= nodeCount) {
    throw new BadMembershipConfigError('localPnn', `${localPnn} is not a line of the nodes file (0..${nodeCount - 1}): check this node's private address`);
  }
  for (const pnn of deleted) {
    if (!Number.isInteger(pnn) || pnn < 0 || pnn >= nodeCount) {
      throw new BadMembershipConfigError('deleted', `${pnn} is not a line of the nodes file (0..${nodeCount - 1})`);
    }
  }
  if (deleted.includes(localPnn)) {
    throw new BadMembershipConfigError('localPnn', `${localPnn} is commented out in the nodes file: uncomment this node's line on every node`);
  }
  if (!(deadAfterMs > 0) || !Number.isFinite(deadAfterMs)) {
    throw new BadMembershipConfigError('deadAfterMs', `must be a positive number of milliseconds, not ${deadAfterMs}`);
  }
  if (!Number.isFinite(now)) throw new BadMembershipConfigError('now', `must be a clock reading in milliseconds, not ${now}`);
  const nodes: NodeState[] = [];
  for (let pnn = 0; pnn < nodeCount; pnn++) nodes.push(freshNode(pnn, pnn === localPnn, deleted.includes(pnn)));
  return { localPnn, deadAfterMs, now, nodes };
}

/** A node as the view first knows it: a peer DISCONNECTED until it speaks, the local node UNHEALTHY until its monitor passes. */
function freshNode(pnn: Pnn, local: boolean, deleted: boolean): NodeState {
  return {
    pnn, local, deleted, connected: local,
    lastHeardAt: undefined, lastSeq: undefined,
    unhealthy: local, disabled: false, stopped: false, banned: false, bannedUntil: undefined,
    epoch: 0, leader: NO_NODE, hosted: [], links: new Map(), reportedPartition: undefined,
    heardUsAt: undefined,
  };
}

/**
 * The view over a new node set (reloadnodes, core/node-set.ts): `nodeCount` lines of which
 * `deleted` are commented out. Nodes that keep their line keep everything known of them; a new
 * line, or a `#` line uncommented, starts fresh (DISCONNECTED until it speaks); a node whose
 * line is commented out becomes DELETED and counts nowhere. Lines never go away and the local
 * node never leaves: the caller checked the change (compareNodeSets), this throws otherwise.
 */
export function withNodeSet(view: MembershipView, nodeCount: number, deleted: readonly Pnn[]): MembershipUpdate {
  if (!Number.isInteger(nodeCount) || nodeCount < view.nodes.length) {
    throw new BadMembershipConfigError('nodeCount', `${nodeCount} is fewer than the ${view.nodes.length} lines the view has: lines are never removed, only commented out`);
  }
  if (deleted.includes(view.localPnn)) {
    throw new BadMembershipConfigError('deleted', `${view.localPnn} is this node: a node cannot delete itself; run reloadnodes on another node`);
  }
  const changes: MembershipChange[] = [];
  const nodes: NodeState[] = [];
  for (let pnn = 0; pnn < nodeCount; pnn++) {
    const before = view.nodes[pnn] as NodeState | undefined;
    const gone = deleted.includes(pnn);
    let node: NodeState;
    if (before === undefined || (before.deleted && !gone)) node = freshNode(pnn, false, gone);
    else if (!before.deleted && gone) node = freshNode(pnn, false, true);
    else node = before;
    const flagsBefore = before === undefined ? nodeFlags(freshNode(pnn, false, true)) : nodeFlags(before);
    const flagsAfter = nodeFlags(node);
    if (flagsBefore !== flagsAfter) changes.push({ kind: 'flags', pnn, before: flagsBefore, after: flagsAfter, cause: 'nodes' });
    if (before !== undefined && before.hosted.length > 0 && node.hosted.length === 0) {
      changes.push({ kind: 'hosted', pnn, added: [], removed: before.hosted });
    }
    nodes.push(node);
  }
  const unchanged = nodes.length === view.nodes.length && nodes.every((node, i) => node === view.nodes[i]);
  return { view: unchanged ? view : { ...view, nodes }, changes };
}

/**
 * Who claims to hold each address: the local node and connected peers. A
 * disconnected peer's last claim is kept in its NodeState but left out here,
 * because a takeover counts a peer silent for dead_after as released.
 */
export function claimedHolders(view: MembershipView): ReadonlyMap<string, readonly Pnn[]> {
  const holders = new Map<string, Pnn[]>();
  for (const node of view.nodes) {
    if (node.deleted || !node.connected) continue;
    for (const addr of node.hosted) {
      const list = holders.get(addr);
      if (list) list.push(node.pnn);
      else holders.set(addr, [node.pnn]);
    }
  }
  return holders;
}

/**
 * Applies one observation. Returns the new view (the same object when nothing
 * changed) and what changed, clock-driven changes (silence, ban expiry) first.
 * Observations should come in clock order; one stamped before the view's time
 * is applied at the view's time, since the clock never goes back.
 * Throws a MembershipError when the observation is illegal or malformed.
 */
export function update(view: MembershipView, observation: Observation): MembershipUpdate {
  if (!Number.isFinite(observation.at)) {
    throw new BadObservationError(observation.kind === 'tick' ? undefined : observation.pnn, 'at',
      `must be a clock reading in milliseconds, not ${observation.at}`);
  }
  const now = Math.max(view.now, observation.at);
  const changes: MembershipChange[] = [];
  const nodes = view.nodes.map((node) => advanceClock(node, now, view.deadAfterMs, changes));
  if (observation.kind !== 'tick') {
    const { pnn } = observation;
    if (!Number.isInteger(pnn) || pnn < 0 || pnn >= nodes.length) throw new UnknownNodeError(pnn, nodes.length);
    checkTransition(nodes[pnn], observation.kind);
    nodes[pnn] = applyToNode(nodes[pnn], observation, now, view.localPnn, nodes.length, changes);
  }
  const unchanged = now === view.now && nodes.every((node, i) => node === view.nodes[i]);
  return { view: unchanged ? view : { ...view, now, nodes }, changes };
}

/** Applies observations in order: the view after all of them and every change on the way. */
export function updateAll(view: MembershipView, observations: readonly Observation[]): MembershipUpdate {
  let current = view;
  const changes: MembershipChange[] = [];
  for (const observation of observations) {
    const result = update(current, observation);
    current = result.view;
    changes.push(...result.changes);
  }
  return { view: current, changes };
}

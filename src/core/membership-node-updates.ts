// How one observation changes one node's entry in the membership view, and what time alone changes.
//
// Each function takes a node's state and returns the next one (the same object when
// nothing changed), pushing what changed onto `changes`; none mutates its input.

import { InterfaceLinks } from './address';
import { formatFlags, isSelfReported, NodeFlag, Pnn, SELF_REPORTED_FLAG_NAMES } from './flags';
import { compareIp, IpAddress } from './ip';
import { sameInOrder } from './lists';
import { BadObservationError } from './membership-errors';
import { FlagsCause, MembershipChange, nodeFlags, NodeState } from './membership-node';
import { AdminObservation, HeardReport, HeartbeatObservation, NodeObservation } from './membership-observations';

function withFlagsChange(before: NodeState, after: NodeState, cause: FlagsCause, changes: MembershipChange[]): NodeState {
  const oldFlags = nodeFlags(before);
  const newFlags = nodeFlags(after);
  if (oldFlags !== newFlags) changes.push({ kind: 'flags', pnn: after.pnn, before: oldFlags, after: newFlags, cause });
  return after;
}

/** Time alone: a connected peer silent for dead_after is DISCONNECTED; an ended ban is lifted. */
export function advanceClock(node: NodeState, now: number, deadAfterMs: number, changes: MembershipChange[]): NodeState {
  let next = node;
  if (!next.local && next.connected && next.lastHeardAt !== undefined && now - next.lastHeardAt >= deadAfterMs) {
    // lastSeq stays: the stream may still be open and deliver the next heartbeat in sequence.
    next = withFlagsChange(next, { ...next, connected: false }, 'silence', changes);
  }
  if (next.banned && next.bannedUntil !== undefined && next.bannedUntil <= now) {
    next = withFlagsChange(next, { ...next, banned: false, bannedUntil: undefined }, 'ban-expired', changes);
  }
  return next;
}

/** Applies one observation the transition table allows to the node it is about. */
export function applyToNode(
  node: NodeState, observation: NodeObservation, now: number, localPnn: Pnn, nodeCount: number, changes: MembershipChange[],
): NodeState {
  switch (observation.kind) {
    case 'heartbeat':
      return applyHeartbeat(node, observation, now, localPnn, nodeCount, changes);
    case 'stream-closed':
      // What the peer said about hearing us was said on this stream; a new one must say it again.
      if (!node.connected) return node.lastSeq === undefined && node.heardUsAt === undefined ? node : { ...node, lastSeq: undefined, heardUsAt: undefined };
      return withFlagsChange(node, { ...node, connected: false, lastSeq: undefined, heardUsAt: undefined }, 'stream-closed', changes);
    case 'health':
      return withFlagsChange(node, { ...node, unhealthy: !observation.healthy }, 'health', changes);
    case 'link':
      return applyLinks(node, new Map([...node.links, [observation.iface, observation.state]]), changes);
    case 'admin':
      return applyAdmin(node, observation, now, changes);
    case 'hosting':
      return applyHosted(node, canonicalAddresses(observation.addresses), changes);
    case 'epoch':
      // An older epoch is a stale message from a superseded leader: ignore it.
      if (observation.epoch < node.epoch) return node;
      return applyEpoch(node, observation.epoch, observation.leader, changes);
  }
}

function applyHeartbeat(
  node: NodeState, beat: HeartbeatObservation, now: number, localPnn: Pnn, nodeCount: number, changes: MembershipChange[],
): NodeState {
  if (node.lastSeq !== undefined && beat.seq <= node.lastSeq) return node; // stale or repeated on this stream
  if (!isSelfReported(beat.flags)) {
    throw new BadObservationError(node.pnn, 'flags',
      `${formatFlags(beat.flags)} (0x${beat.flags.toString(16)}): a heartbeat may only carry ${SELF_REPORTED_FLAG_NAMES}`);
  }
  const banned = (beat.flags & NodeFlag.BANNED) !== 0;
  if (beat.banRemainingMs !== undefined && (!banned || !(beat.banRemainingMs > 0) || !Number.isFinite(beat.banRemainingMs))) {
    throw new BadObservationError(node.pnn, 'banRemainingMs',
      `${beat.banRemainingMs} is only allowed with BANNED and must be a positive number of milliseconds`);
  }
  // A peer sends its list in canonical order, the same list in every beat: comparing it with
  // what we hold keeps the list we have (no sort and no comparison of sets per beat, at 50 ms beats from every peer).
  const hosted = sameAddressTexts(beat.hosted, node.hosted) ? node.hosted : canonicalAddresses(beat.hosted);
  const partition = beat.partition === undefined ? undefined : canonicalPartition(node.pnn, nodeCount, beat.partition);
  const heardUsAt = heardUsAtFrom(node.pnn, beat.heard, localPnn, now);
  const reported: NodeState = {
    ...node,
    connected: true,
    lastHeardAt: now,
    lastSeq: beat.seq,
    unhealthy: (beat.flags & NodeFlag.UNHEALTHY) !== 0,
    disabled: (beat.flags & NodeFlag.DISABLED) !== 0,
    stopped: (beat.flags & NodeFlag.STOPPED) !== 0,
    banned,
    bannedUntil: banned && beat.banRemainingMs !== undefined ? now + beat.banRemainingMs : undefined,
    heardUsAt,
  };
  let next = withFlagsChange(node, reported, 'heartbeat', changes);
  next = applyLinks(next, new Map(Object.entries(beat.links)), changes);
  next = applyHosted(next, hosted, changes);
  next = applyPartition(next, partition, changes);
  return beat.epoch === next.epoch && beat.leader === next.leader ? next : applyEpoch(next, beat.epoch, beat.leader, changes);
}

/**
 * When the sender last heard us, in our clock: arrival minus its `agoMs`. Undefined when
 * it does not list us (it is not connected to us, so it may already count us dead).
 */
function heardUsAtFrom(pnn: Pnn, heard: readonly HeardReport[], localPnn: Pnn, now: number): number | undefined {
  const entry = heard.find((report) => report.pnn === localPnn);
  if (entry === undefined) return undefined;
  if (!(entry.agoMs >= 0) || !Number.isFinite(entry.agoMs)) {
    throw new BadObservationError(pnn, 'heard', `has ${entry.agoMs} ms for node ${localPnn}: it must be a duration of 0 ms or more`);
  }
  return now - entry.agoMs;
}

function applyAdmin(node: NodeState, admin: AdminObservation, now: number, changes: MembershipChange[]): NodeState {
  let next: NodeState;
  switch (admin.action) {
    case 'disable': next = { ...node, disabled: true }; break;
    case 'enable': next = { ...node, disabled: false }; break;
    case 'stop': next = { ...node, stopped: true }; break;
    case 'continue': next = { ...node, stopped: false }; break;
    case 'unban': next = { ...node, banned: false, bannedUntil: undefined }; break;
    case 'ban':
      if (admin.until === undefined || !Number.isFinite(admin.until) || admin.until <= now) {
        throw new BadObservationError(node.pnn, 'until',
          `${admin.until} must be a clock reading after now (${now}): a ban needs a positive duration`);
      }
      next = { ...node, banned: true, bannedUntil: admin.until };
      break;
    default:
      throw new BadObservationError(node.pnn, 'action', `'${String(admin.action)}' is not one of disable, enable, stop, continue, ban, unban`);
  }
  // A repeated command (enable when enabled) changes nothing and reports nothing, as in CTDB.
  const sameState = next.disabled === node.disabled && next.stopped === node.stopped
    && next.banned === node.banned && next.bannedUntil === node.bannedUntil;
  return sameState ? node : withFlagsChange(node, next, 'admin', changes);
}

function applyLinks(node: NodeState, links: InterfaceLinks, changes: MembershipChange[]): NodeState {
  const names = [...new Set([...node.links.keys(), ...links.keys()])].sort();
  let changed = false;
  for (const iface of names) {
    const before = node.links.get(iface);
    const after = links.get(iface);
    if (before === after) continue;
    if (after !== undefined && after !== 'up' && after !== 'down') {
      throw new BadObservationError(node.pnn, `links.${iface}`, `'${String(after)}' is not 'up' or 'down'`);
    }
    changes.push({ kind: 'link', pnn: node.pnn, iface, before, after });
    changed = true;
  }
  return changed ? { ...node, links } : node;
}

function applyHosted(node: NodeState, hosted: readonly string[], changes: MembershipChange[]): NodeState {
  if (hosted === node.hosted) return node;
  const before = new Set(node.hosted);
  const after = new Set(hosted);
  const added = hosted.filter((a) => !before.has(a));
  const removed = node.hosted.filter((a) => !after.has(a));
  if (added.length === 0 && removed.length === 0) return node;
  changes.push({ kind: 'hosted', pnn: node.pnn, added, removed });
  return { ...node, hosted };
}

function applyPartition(node: NodeState, partition: readonly Pnn[] | undefined, changes: MembershipChange[]): NodeState {
  const before = node.reportedPartition;
  if (before === partition || (before !== undefined && partition !== undefined && sameInOrder(before, partition))) return node;
  changes.push({ kind: 'partition', pnn: node.pnn, before, after: partition });
  return { ...node, reportedPartition: partition };
}

/** Unique and ascending, each a line of the nodes file, the sender among them: so equal sets compare equal. */
function canonicalPartition(pnn: Pnn, nodeCount: number, reported: readonly Pnn[]): Pnn[] {
  for (const member of reported) {
    if (!Number.isInteger(member) || member < 0 || member >= nodeCount) {
      throw new BadObservationError(pnn, 'partition', `has ${member}, which is not a line of the nodes file (0..${nodeCount - 1}): `
        + 'every node must use the same nodes file');
    }
  }
  if (!reported.includes(pnn)) {
    throw new BadObservationError(pnn, 'partition', `[${reported.join(',')}] leaves out the sender itself: a node is always in its own partition`);
  }
  return [...new Set(reported)].sort((a, b) => a - b);
}

function applyEpoch(node: NodeState, epoch: number, leader: Pnn, changes: MembershipChange[]): NodeState {
  if (epoch === node.epoch && leader === node.leader) return node;
  changes.push({ kind: 'epoch', pnn: node.pnn, before: node.epoch, after: epoch, leader });
  return { ...node, epoch, leader };
}

/** True when the addresses' canonical texts are `texts`, in the same order. */
function sameAddressTexts(addresses: readonly IpAddress[], texts: readonly string[]): boolean {
  return addresses.length === texts.length && addresses.every((address, i) => address.text === texts[i]);
}

/** Canonical text, unique, ascending by address: so equal sets compare equal. */
function canonicalAddresses(addresses: readonly IpAddress[]): string[] {
  const unique = new Map<string, IpAddress>();
  for (const address of addresses) unique.set(address.text, address);
  return [...unique.values()].sort(compareIp).map((a) => a.text);
}

// A HEARTBEAT and the membership view: the observation a received one becomes, and the `heard` list one sent carries.

import { HeardReport, HeartbeatObservation, MembershipView } from '../core/membership';
import { LinkState } from '../core/address';
import { IpAddress } from '../core/ip';
import { HeartbeatMessage } from './frame-messages';

/**
 * The observation the membership view expects, stamped with the receiver's clock
 * reading `at`. Hosted addresses stay the decoder's IpAddress values (parsed once,
 * here at the edge); links become a record.
 */
export function heartbeatObservation(beat: HeartbeatMessage, at: number): HeartbeatObservation {
  const links: Record<string, LinkState> = {};
  for (const link of beat.links) links[link.iface] = link.state;
  return {
    kind: 'heartbeat',
    pnn: beat.pnn,
    at,
    seq: beat.beat,
    flags: beat.flags,
    ...(beat.banRemainingMs !== undefined ? { banRemainingMs: beat.banRemainingMs } : {}),
    epoch: beat.epoch,
    leader: beat.leader,
    hosted: beat.hosted,
    links,
    partition: beat.partition,
    heard: beat.heard,
  };
}

/**
 * A heartbeat's `heard` list: each connected peer we heard, how long ago, ascending by pnn.
 * Peers fence on it (core/quorum.ts fence). The runtime and the fast-path worker both send it.
 */
export function heardReports(view: MembershipView, now: number): HeardReport[] {
  return view.nodes.flatMap((node) => (node.local || node.deleted || !node.connected || node.lastHeardAt === undefined ? []
    : [{ pnn: node.pnn, agoMs: Math.min(0xffffffff, Math.max(0, Math.round(now - node.lastHeardAt))) }]));
}

/**
 * Whether two heartbeats of one sender say the same, whatever their `beat` and `heard` (the
 * fast-path worker stamps both on every heartbeat it sends). Lists are compared by identity
 * first, then element by element (`hosted` by address text).
 */
export function sameHeartbeatContent(a: HeartbeatMessage, b: HeartbeatMessage): boolean {
  return a.pnn === b.pnn && a.flags === b.flags && a.banRemainingMs === b.banRemainingMs && a.monitor === b.monitor
    && a.epoch === b.epoch && a.leader === b.leader
    && sameList(a.links, b.links, (x, y) => x.iface === y.iface && x.state === y.state)
    && sameAddresses(a.hosted, b.hosted)
    && sameList(a.partition, b.partition, (x, y) => x === y)
    && sameList(a.voters, b.voters, (x, y) => x === y);
}

/** The same addresses in the same order: the same array, or equal texts (a heartbeat's `hosted`). */
export function sameAddresses(a: readonly IpAddress[], b: readonly IpAddress[]): boolean {
  return sameList(a, b, (x, y) => x.text === y.text);
}

function sameList<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
  return true;
}

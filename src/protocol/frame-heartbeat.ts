// A HEARTBEAT and the membership view: the observation a received one becomes, and the `heard` list one sent carries.

import { HeardReport, HeartbeatObservation, MembershipView } from '../core/membership';
import { LinkState } from '../core/address';
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

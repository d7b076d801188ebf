// Turns a received HEARTBEAT into the membership view's observation (wire values -> core values).

import { HeartbeatObservation } from '../core/membership';
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

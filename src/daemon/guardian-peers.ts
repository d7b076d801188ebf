// The guardian's peer list on its pipe: after a reloadnodes the daemon sends the new list, so a fence notice reaches the nodes that joined and not those that left.
//
// On the daemon -> guardian pipe, beside the tick and goodbye bytes (guardian.ts): GUARDIAN_PEERS,
// then `PNN@ADDRESS` items separated by spaces, then a newline; an empty list is just the two
// bytes. The guardian (native/guardian/pipe.cc) takes these lines out before it counts ticks:
// an address may hold the goodbye byte ('b' in 2001:db8::b). Daemon and guardian are always of
// one release (the daemon spawns the guardian from its own installation), so no older guardian
// reads the line.

import { NoticePeer } from './guardian-notice';

export const GUARDIAN_PEERS = 0x70; // 'p'
const NEWLINE = 0x0a;

/** The bytes that give the guardian a new peer list. */
export function peersLine(peers: readonly NoticePeer[]): Buffer {
  return Buffer.concat([Buffer.from([GUARDIAN_PEERS]), Buffer.from(peers.map((p) => `${p.pnn}@${p.address}`).join(' ')), Buffer.from([NEWLINE])]);
}

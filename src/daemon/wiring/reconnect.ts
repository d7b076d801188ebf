// How soon the mesh dials a lost peer again: bounded by dead_after, so a restarted node hears its lower peers before it may lead.
//
// In each pair the lower-numbered node dials (adapters/peer). A node that starts, or comes
// back from a partition, waits dead_after for the peers it has not heard before its first
// takeover run counts them as gone (core/takeover-gate.ts, rejoin). A live lower peer
// reaches it only at its next redial, and the mesh's default backoff grows to 2 s while
// the node was down: longer than dead_after (1 s by default). The soak saw the result
// (seed 7, a restart after a freeze): the restarted node led a run 1.0 s after joining,
// took the addresses of node 0, which was alive and dialled 0.2 s later, and both held
// them for 230 ms. A redial cap of a quarter of dead_after leaves the rest of dead_after
// for connect, handshake and the first heartbeat.

import { DEFAULT_BACKOFF } from '../../adapters/peer/backoff';
import type { BackoffOptions } from '../../adapters/peer/backoff';

export function reconnectBackoff(deadAfterMs: number): BackoffOptions {
  const maxMs = Math.max(DEFAULT_BACKOFF.initialMs, Math.min(DEFAULT_BACKOFF.maxMs, Math.floor(deadAfterMs / 4)));
  return { initialMs: Math.min(DEFAULT_BACKOFF.initialMs, maxMs), maxMs };
}

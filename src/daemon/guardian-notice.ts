// Whom the guardian tells after a fence, and how floatipd passes that on its command line (the guardian sends it: native/guardian/notice.cc).
//
// The peers learn of a kill -9 from the closed stream at the same instant the guardian
// learns of it from its pipe; they must not add the dead node's addresses before the
// guardian has deleted them, so they wait `crash_grace` (plus 0.1 ms per address the node
// held: core/quorum.ts fenceDeleteMs). The guardian knows when it is done: it dials every peer as its node, in the
// role `notifier`, completes the same authenticated handshake as the mesh (fresh nonces
// on both sides, so a recorded notice cannot be replayed), sends one FENCED and closes.
// A peer that hears it ends its wait for that node at once; one that does not (the
// notice was lost, the peer is unreachable) waits out the grace as before.

import { Pnn } from '../core/flags';

export interface NoticePeer {
  readonly pnn: Pnn;
  /** Its address in `nodes`. */
  readonly address: string;
}

/** Where and as whom the guardian sends its notice: the daemon's mesh settings. */
export interface NoticeSettings {
  readonly pnn: Pnn;
  readonly keyFile: string;
  /** The daemon's mesh address (the peers check the source against `nodes`). */
  readonly bindAddress: string;
  readonly port: number;
  readonly peers: readonly NoticePeer[];
}

/** `--notice-*` arguments that carry `settings` to the guardian (parsed back by parseGuardianArgs). */
export function noticeArgs(settings: NoticeSettings): string[] {
  return [
    `--notice-pnn=${settings.pnn}`, `--notice-key-file=${settings.keyFile}`, `--notice-bind=${settings.bindAddress}`,
    `--notice-port=${settings.port}`, ...settings.peers.map((p) => `--notice-peer=${p.pnn}@${p.address}`),
  ];
}

// The guardian's notice to the peers: after it deleted the node's addresses, it says so, so they need not wait crash_grace.
//
// The peers learn of a kill -9 from the closed stream at the same instant the guardian
// learns of it from its pipe; they must not add the dead node's addresses before the
// guardian has deleted them, so they wait `crash_grace` (plus 1 ms per address the node
// held). The guardian knows when it is done: it dials every peer as its node, in the
// role `notifier`, completes the same authenticated handshake as the mesh (fresh nonces
// on both sides, so a recorded notice cannot be replayed), sends one FENCED and closes.
// A peer that hears it ends its wait for that node at once; one that does not (the
// notice was lost, the peer is unreachable) waits out the grace as before.

import { connect } from 'node:net';
import { defaultMeshComponents } from '../adapters/peer/options';
import { Pnn } from '../core/flags';
import { FencedMessage } from '../protocol/frame-messages';
import { PeerSession } from '../protocol/frame-session';

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

/** What became of the notice to one peer. */
export type NoticeOutcome = { readonly pnn: Pnn; readonly ok: true; readonly ms: number } | { readonly pnn: Pnn; readonly ok: false; readonly error: string };

/** The mesh's own HMAC-SHA256 and nonce source. */
const crypto = defaultMeshComponents();

/**
 * Sends `fenced` to every peer at once; each ends when the peer closed the connection
 * after reading it (ok) or at `deadlineMs` (not ok). Never throws.
 */
export function sendNotices(settings: NoticeSettings, clusterKey: Uint8Array, fenced: FencedMessage, deadlineMs: number): Promise<NoticeOutcome[]> {
  return Promise.all(settings.peers.map((peer) => notifyOne(settings, peer, clusterKey, fenced, deadlineMs)));
}

function notifyOne(settings: NoticeSettings, peer: NoticePeer, clusterKey: Uint8Array, fenced: FencedMessage, deadlineMs: number): Promise<NoticeOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let sent = false;
    let failure: string | undefined;
    let session: PeerSession;
    try {
      session = new PeerSession({
        localPnn: settings.pnn, role: 'notifier', clusterKey, mac: crypto.mac, nonce: crypto.randomBytes(32),
        checkPeer: (claimed) => (claimed === peer.pnn ? { ok: true } : { ok: false, reason: `we dialled ${peer.address}, which is node ${peer.pnn} in nodes` }),
      });
    } catch (error) {
      resolve({ pnn: peer.pnn, ok: false, error: (error as Error).message });
      return;
    }
    const socket = connect({ host: peer.address, port: settings.port, localAddress: settings.bindAddress, noDelay: true });
    const timer = setTimeout(() => {
      failure ??= `no answer within ${deadlineMs} ms`;
      socket.destroy();
    }, deadlineMs);
    socket.on('connect', () => socket.write(session.start()));
    socket.on('data', (chunk: Buffer) => {
      const out = session.receive(chunk);
      for (const frame of out.send) socket.write(frame);
      const error = out.events.find((e) => e.kind === 'error');
      if (error !== undefined) {
        failure ??= `${error.error.code}: ${error.error.message}`;
        socket.destroy();
      } else if (!sent && session.state === 'established') {
        sent = true;
        socket.end(session.encode(fenced));
      }
    });
    socket.on('error', (error) => { failure ??= error.message; });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(sent && failure === undefined ? { pnn: peer.pnn, ok: true, ms: +(performance.now() - started).toFixed(2) }
        : { pnn: peer.pnn, ok: false, error: failure ?? 'the peer closed the connection during the handshake' });
    });
  });
}

/** `--notice-*` arguments that carry `settings` to the guardian (parsed back by parseGuardianArgs). */
export function noticeArgs(settings: NoticeSettings): string[] {
  return [
    `--notice-pnn=${settings.pnn}`, `--notice-key-file=${settings.keyFile}`, `--notice-bind=${settings.bindAddress}`,
    `--notice-port=${settings.port}`, ...settings.peers.map((p) => `--notice-peer=${p.pnn}@${p.address}`),
  ];
}

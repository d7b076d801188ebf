// A hand-driven mesh client for negative tests: a socket from a chosen loopback address speaking (or breaking) the protocol.

import { connect, Socket } from 'node:net';
import { createHmac, randomBytes } from 'node:crypto';
import { Pnn } from '../../../src/core/flags';
import { MacFunction } from '../../../src/protocol/frame';
import { PeerRole } from '../../../src/protocol/frame-messages';
import { PeerSession, SessionMessage } from '../../../src/protocol/frame-session';
import { waitFor } from '../../unit/adapters/peer/contract';

export const hmac: MacFunction = (key, data) => new Uint8Array(createHmac('sha256', key).update(data).digest());

export class RawPeer {
  /** Every byte this client wrote, in order. */
  readonly sent: Buffer[] = [];
  readonly received: Buffer[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.received.push(chunk));
    socket.on('close', () => { this.closed = true; });
    socket.on('error', () => undefined);
  }

  static async open(from: string, to: string, port: number): Promise<RawPeer> {
    const socket = connect({ host: to, port, localAddress: from });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawPeer(socket);
  }

  write(bytes: Uint8Array): void {
    const copy = Buffer.from(bytes);
    this.sent.push(copy);
    this.socket.write(copy);
  }

  async waitClosed(timeoutMs = 3000): Promise<void> {
    await waitFor('the mesh to close our connection', () => this.closed, timeoutMs);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** A RawPeer that did a real handshake as node `pnn` (initiator, or a guardian's notifier): it can send proper frames, or bad ones. */
export class HonestPeer {
  private readonly session: PeerSession;

  private constructor(readonly raw: RawPeer, pnn: Pnn, key: Uint8Array, expected: Pnn, role: PeerRole) {
    this.session = new PeerSession({
      localPnn: pnn, role, clusterKey: key, mac: hmac, nonce: new Uint8Array(randomBytes(32)),
      checkPeer: (claimed) => (claimed === expected ? { ok: true } : { ok: false, reason: 'not the node we dialled' }),
    });
    raw.socket.on('data', (chunk: Buffer) => {
      for (const frame of this.session.receive(chunk).send) raw.write(frame);
    });
  }

  static async connect(options: { from: string; to: string; port: number; pnn: Pnn; key: Uint8Array; expected: Pnn; role?: PeerRole }): Promise<HonestPeer> {
    const raw = await RawPeer.open(options.from, options.to, options.port);
    const peer = new HonestPeer(raw, options.pnn, options.key, options.expected, options.role ?? 'initiator');
    raw.write(peer.session.start());
    await waitFor('our handshake to complete', () => peer.session.state === 'established' || raw.closed);
    if (peer.session.state !== 'established') throw new Error(`handshake did not complete: ${peer.session.state}`);
    return peer;
  }

  /** The frame for `message`, written (unless `write` is false: then only returned). */
  send(message: SessionMessage, write = true): Uint8Array {
    const frame = this.session.encode(message);
    if (write) this.raw.write(frame);
    return frame;
  }
}

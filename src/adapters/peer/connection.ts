// One TCP connection to a peer: its handshake, its frames in and out, and a bounded, stall-checked write queue.

import { Socket } from 'node:net';
import { Pnn } from '../../core/flags';
import { FrameError } from '../../protocol/frame-errors';
import { PeerMessage, PeerRole } from '../../protocol/frame-messages';
import { PeerSession, PeerSessionOptions, SessionMessage, SessionOutput } from '../../protocol/frame-session';
import { PeerDownReason } from './port';

/** A corked batch of frames is written out once it holds this many bytes, without waiting for the end of the turn. */
const CORK_FLUSH_BYTES = 64 * 1024;

/** Why a connection ended; `code` names a rejection (a frame error code or one of the mesh's own). */
export interface CloseCause {
  readonly reason: PeerDownReason;
  readonly code?: string;
  readonly detail: string;
  /** The frame error behind it was already handed to `frameError`. */
  readonly reported?: boolean;
}

export interface ConnectionHandlers {
  established(connection: PeerConnection): void;
  message(connection: PeerConnection, message: SessionMessage): void;
  /** A frame was dropped; when `error.fatal` the connection closes right after. */
  frameError(connection: PeerConnection, error: FrameError): void;
  /** Called once, after the socket is destroyed. */
  closed(connection: PeerConnection, cause: CloseCause): void;
}

export interface ConnectionLimits {
  readonly handshakeTimeoutMs: number;
  readonly maxQueuedBytes: number;
  readonly writeStallMs: number;
  readonly keepAliveMs: number;
}

export interface ConnectionCounters {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
}

export class PeerConnection {
  private readonly session: PeerSession;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private unflushedWrites = 0;
  /** Writes are corked until the end of this turn or CORK_FLUSH_BYTES (see write). */
  private corked = false;
  private corkedBytes = 0;
  private progressed = false;
  private silentChecks = 0;
  private lastKind: PeerMessage['kind'] | undefined;
  private socketError: Error | undefined;
  private closing = false;
  private isEstablished = false;
  private tcpConnected = false;
  private received = 0;

  constructor(
    private readonly socket: Socket,
    /** `host:port` of the other end, for events. */
    readonly remote: string,
    /** The node this connection is expected to be (the dialled one, or the one its source address names). */
    readonly expectedPnn: Pnn | undefined,
    session: PeerSessionOptions,
    private readonly limits: ConnectionLimits,
    private readonly handlers: ConnectionHandlers,
    private readonly counters: ConnectionCounters,
  ) {
    this.session = new PeerSession(session);
  }

  get established(): boolean {
    return this.isEstablished;
  }

  get closed(): boolean {
    return this.closing;
  }

  /** The TCP connection was made (a dial that was refused or timed out never got this far). */
  get reachedPeer(): boolean {
    return this.tcpConnected;
  }

  /** Bytes the peer sent on this connection (0: it never said anything). */
  get bytesReceived(): number {
    return this.received;
  }

  /** The authenticated node number once the handshake is done (or the claimed one after HELLO). */
  get peerPnn(): Pnn | undefined {
    return this.session.peerPnn ?? this.expectedPnn;
  }

  /** The role the peer's HELLO named; `notifier` is a guardian's one-message connection. */
  get peerRole(): PeerRole | undefined {
    return this.session.peerRole;
  }

  /** Sends HELLO and starts reading. */
  open(): void {
    const socket = this.socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, this.limits.keepAliveMs);
    this.tcpConnected = !socket.connecting;
    socket.once('connect', () => { this.tcpConnected = true; });
    this.handshakeTimer = setTimeout(() => this.close({
      reason: 'handshake', code: 'E_HANDSHAKE_TIMEOUT',
      detail: `no complete handshake within ${this.limits.handshakeTimeoutMs} ms: the peer is too slow, not floatipd, or gone`,
    }), this.limits.handshakeTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.ended());
    socket.on('error', (error) => { this.socketError = error; });
    socket.on('close', () => this.close(this.socketError
      ? { reason: 'error', detail: `socket error: ${this.socketError.message}` }
      : { reason: this.lastKind === 'leaving' ? 'leaving' : 'closed', detail: 'the peer closed the connection' }));
    this.write(this.session.start());
  }

  /** Queues a message; false (nothing sent) unless established, and when the queue bound drops the connection. */
  send(message: SessionMessage): boolean {
    if (!this.isEstablished || this.closing) return false;
    return this.write(this.session.encode(message));
  }

  /**
   * Ends the connection now (idempotent); the handlers hear `closed` once. `reset`: send a
   * TCP RST and discard unsent data (a plain close lets the kernel deliver it later).
   */
  close(cause: CloseCause, options: { reset?: boolean } = {}): void {
    if (this.closing) return;
    this.stopUsing();
    if (options.reset) this.socket.resetAndDestroy();
    else this.socket.destroy();
    this.handlers.closed(this, cause);
  }

  /**
   * Ends the connection in order (idempotent): the handlers hear `closed` at once, the
   * socket sends what is queued and then a FIN, and goes on reading (dropping every byte)
   * until the peer closes its side or `lingerMs` passes. Destroying it at once would close
   * it with the peer's latest frames unread, and the kernel answers that with an RST: the
   * peer's kernel then drops whatever the peer had not read yet, our last frames (LEAVING)
   * with it, as soon as the peer writes to us. Resolves when the socket is gone.
   */
  finish(cause: CloseCause, lingerMs: number): Promise<void> {
    if (this.closing) return this.socket.destroyed ? Promise.resolve() : new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.stopUsing();
    const socket = this.socket;
    const gone = new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), lingerMs);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.uncork();
    socket.end();
    this.handlers.closed(this, cause);
    return gone;
  }

  /** From now on nothing is sent, received bytes are dropped, and no timer of ours fires. */
  private stopUsing(): void {
    this.closing = true;
    clearTimeout(this.handshakeTimer);
    clearInterval(this.stallTimer);
  }

  private write(frame: Uint8Array): boolean {
    const socket = this.socket;
    if (socket.writableLength + frame.length > this.limits.maxQueuedBytes) {
      this.close({
        reason: 'error', code: 'E_PEER_SLOW',
        detail: `${socket.writableLength} bytes are waiting for the peer, more than the limit of ${this.limits.maxQueuedBytes}: it stopped reading`,
      });
      return false;
    }
    this.startStallChecks();
    this.unflushedWrites++;
    this.counters.framesOut++;
    this.counters.bytesOut += frame.length;
    // Frames written in one turn of the event loop go out in one writev at its end. Writing
    // each at once cost a syscall, and the kernel's whole TCP path to the peer's namespace,
    // per frame: a node that took 333 addresses sent 333 TICKLE-FULL frames to each peer and
    // held its loop ~90 ms, enough for the guardian to count it frozen at the fast profile.
    // A corked batch completes (and calls its writes back) as a whole, so batches stop at
    // CORK_FLUSH_BYTES: the stall check still sees progress at that grain on a slow peer.
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => this.uncork());
    }
    socket.write(frame, () => this.flushed());
    this.corkedBytes += frame.length;
    if (this.corkedBytes >= CORK_FLUSH_BYTES) this.uncork();
    return true;
  }

  private uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.corkedBytes = 0;
    this.socket.uncork();
  }

  /** One write reached the kernel: the peer is taking bytes. */
  private flushed(): void {
    this.unflushedWrites = Math.max(0, this.unflushedWrites - 1);
    this.progressed = true;
    if (this.unflushedWrites === 0) {
      clearInterval(this.stallTimer);
      this.stallTimer = undefined;
    }
  }

  /**
   * Checks twice per writeStallMs and drops the peer after two checks in a row saw
   * queued bytes and no progress. Counting checks rather than comparing clock readings
   * keeps a pause of our own loop (encoding a big burst) from counting against the peer:
   * an overdue timer fires once, and the peer still gets a whole interval after it.
   */
  private startStallChecks(): void {
    if (this.stallTimer !== undefined) return;
    this.progressed = false;
    this.silentChecks = 0;
    this.stallTimer = setInterval(() => this.checkStall(), this.limits.writeStallMs / 2);
  }

  private checkStall(): void {
    if (this.unflushedWrites === 0 || this.closing) return;
    this.silentChecks = this.progressed ? 0 : this.silentChecks + 1;
    this.progressed = false;
    if (this.silentChecks < 2) return;
    this.close({
      reason: 'error', code: 'E_PEER_SLOW',
      detail: `the peer took none of ${this.socket.writableLength} queued bytes for ${this.limits.writeStallMs} ms: it stopped reading`,
    });
  }

  private receive(chunk: Buffer): void {
    if (this.closing) return;
    this.received += chunk.length;
    this.counters.bytesIn += chunk.length;
    this.apply(this.session.receive(chunk));
  }

  private ended(): void {
    if (this.closing) return;
    this.apply(this.session.end());
    // Half-closed by the peer: nothing more will come, so the connection is over.
    this.close({ reason: this.lastKind === 'leaving' ? 'leaving' : 'closed', detail: 'the peer closed the connection' });
  }

  private apply(output: SessionOutput): void {
    for (const frame of output.send) this.write(frame);
    for (const event of output.events) {
      if (this.closing) return;
      switch (event.kind) {
        case 'established':
          this.isEstablished = true;
          clearTimeout(this.handshakeTimer);
          this.handlers.established(this);
          break;
        case 'message':
          this.counters.framesIn++;
          this.lastKind = event.message.kind;
          this.handlers.message(this, event.message);
          break;
        case 'error':
          this.handlers.frameError(this, event.error);
          if (event.error.fatal || this.session.state === 'failed') {
            this.close({
              reason: this.isEstablished ? 'protocol' : 'handshake', code: event.error.code, detail: event.error.message,
              reported: true,
            });
          }
          break;
      }
    }
  }
}

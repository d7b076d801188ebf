// The per-connection handshake and session: HELLO, PROOF, then authenticated, sequenced messages.
//
// Both sides send HELLO at once (role, node number, key fingerprint, a fresh
// nonce, their frame limit). From the two HELLO payloads each side derives one
// key per direction:
//   key(initiator -> responder) = HMAC(cluster key, "floatip/1 session i>r" || HELLO_i || HELLO_r)
//   key(responder -> initiator) = HMAC(cluster key, "floatip/1 session r>i" || HELLO_i || HELLO_r)
// and sends PROOF, the first frame under its key. A valid PROOF shows the peer
// knows the cluster key and saw both nonces of this connection; from then on
// frames from another connection (other nonces, other keys) fail their MAC,
// and each direction counts its sequence numbers from 0 again.
// Legal steps are one table (HANDSHAKE_STEPS); a frame the state does not
// allow fails the session with E_HANDSHAKE naming the allowed ones.
// Once established, each side sends FEATURES (what it can receive). To a peer that takes brief
// heartbeats, a HEARTBEAT listing the same addresses as the last one sent on this connection
// goes out as HEARTBEAT-BRIEF; the receiving session puts the list back, so callers send and
// receive HEARTBEATs only.

import { Pnn } from '../core/flags';
import {
  computeMac, DEFAULT_MAX_FRAME_BYTES, encodeBody, encodeFrame, MacFunction, MAX_MAX_FRAME_BYTES,
} from './frame';
import { DecodeResult, FrameDecoder } from './frame-decoder';
import { sameAddresses } from './frame-heartbeat';
import { FrameBuildError, FrameError, FrameSetupError } from './frame-errors';
import { IpAddress } from '../core/ip';
import {
  FEATURE, FeaturesMessage, FINGERPRINT_BYTES, HeartbeatBriefMessage, HeartbeatMessage, HelloMessage, MIN_MAX_FRAME_BYTES, NONCE_BYTES,
  OWN_FEATURES, PeerMessage, PeerMessageKind, PeerRole, ProofMessage,
} from './frame-messages';

export const MIN_CLUSTER_KEY_BYTES = 16;

/** HELLO travels before any shared key exists: its MAC is only a checksum under this public key. */
export const HELLO_MAC_KEY: Uint8Array = ascii('floatip/1 hello');

/**
 * At least every this many heartbeats on a connection, one goes out whole even when the peer
 * takes brief ones (PeerSession.heartbeatFrame). A receiver that had to drop a whole one drops
 * the brief ones after it (it has no list for them): it last heard the peer the beat before and
 * hears it again at the next whole one, this many + 1 intervals of silence. That stays below
 * every profile's dead_after (5 intervals), so one refused heartbeat never makes a peer look
 * dead, as it never did before brief ones; 2 of 3 heartbeats at rest go brief.
 */
export const FULL_HEARTBEAT_EVERY = 3;

export type SessionState = 'awaiting-hello' | 'awaiting-proof' | 'established' | 'failed';

/** The messages the session itself sends and consumes: the handshake, FEATURES, and the brief form of a HEARTBEAT. */
type SessionOwnMessage = HelloMessage | ProofMessage | FeaturesMessage | HeartbeatBriefMessage;

/** Every message a caller sends and receives. */
export type SessionMessage = Exclude<PeerMessage, SessionOwnMessage>;
export type SessionMessageKind = SessionMessage['kind'];

const SESSION_KINDS: readonly SessionMessageKind[] = [
  'heartbeat', 'leaving', 'fenced', 'public-addresses', 'ping', 'pong', 'release', 'release-ack', 'take', 'take-ack', 'ipreallocated', 'ipreallocated-ack', 'run-counted', 'run-record',
  'tickle-full', 'tickle-delta', 'admin-request', 'admin-reply', 'reload-request', 'reload-reply',
];

/** State -> message kind the peer may send -> state after it. Anything missing is illegal. */
export const HANDSHAKE_STEPS: Readonly<Record<SessionState, Readonly<Partial<Record<PeerMessageKind, SessionState>>>>> = {
  'awaiting-hello': { hello: 'awaiting-proof' },
  'awaiting-proof': { proof: 'established' },
  established: Object.fromEntries([...SESSION_KINDS, 'features', 'heartbeat-brief'].map((kind) => [kind, 'established'])),
  failed: {},
};

/** The adapter's verdict on a claimed node number and role; E_NOT_DIALLER when the role may not use this direction. */
export type PeerCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly code?: 'E_NOT_DIALLER' };

export interface PeerSessionOptions {
  readonly localPnn: Pnn;
  /** `initiator` on the side that called connect(), `responder` on the side that accepted, `notifier` for a guardian's notice. */
  readonly role: PeerRole;
  /** The shared cluster key (the contents of `key_file`), at least 16 bytes. */
  readonly clusterKey: Uint8Array;
  /** HMAC-SHA256, e.g. node:crypto's createHmac('sha256', key).update(data).digest(). */
  readonly mac: MacFunction;
  /** 32 fresh random bytes for this connection only, e.g. node:crypto's randomBytes(32). */
  readonly nonce: Uint8Array;
  /** @default DEFAULT_MAX_FRAME_BYTES */
  readonly maxFrameBytes?: number;
  /**
   * Checks the node number the peer claims in its HELLO. The responder checks it
   * against the connection's source address (that node's line in `nodes`); the
   * initiator checks that it is the node it dialled.
   */
  readonly checkPeer: (claimedPnn: Pnn, role: PeerRole) => PeerCheck;
}

export type SessionEvent =
  | { readonly kind: 'established'; readonly peerPnn: Pnn; readonly peerMaxFrameBytes: number }
  | { readonly kind: 'message'; readonly seq: number; readonly message: SessionMessage }
  | { readonly kind: 'error'; readonly error: FrameError };

export interface SessionOutput {
  /** Frames to write to the peer, in order. */
  readonly send: Uint8Array[];
  readonly events: SessionEvent[];
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
}

/** The first bytes of HMAC(key, label): equal on nodes that share the key, and says nothing about it. */
export function clusterFingerprint(mac: MacFunction, clusterKey: Uint8Array): Uint8Array {
  return computeMac(mac, clusterKey, ascii('floatip/1 fingerprint')).slice(0, FINGERPRINT_BYTES);
}

/** The two direction keys of a connection, from both HELLO messages. */
export function sessionKeys(mac: MacFunction, clusterKey: Uint8Array, initiatorHello: HelloMessage, responderHello: HelloMessage):
  { initiatorToResponder: Uint8Array; responderToInitiator: Uint8Array } {
  const transcript = concat([encodeBody(initiatorHello), encodeBody(responderHello)]);
  return {
    initiatorToResponder: computeMac(mac, clusterKey, concat([ascii('floatip/1 session i>r'), transcript])),
    responderToInitiator: computeMac(mac, clusterKey, concat([ascii('floatip/1 session r>i'), transcript])),
  };
}

export class PeerSession {
  private current: SessionState = 'awaiting-hello';
  private readonly decoder: FrameDecoder;
  private readonly ownHello: HelloMessage;
  private readonly maxFrameBytes: number;
  private sendKey: Uint8Array = HELLO_MAC_KEY;
  private sendSeq = 0;
  private started = false;
  private peer: { pnn: Pnn; role: PeerRole; maxFrameBytes: number } | undefined;
  /** The peer's FEATURES bits; 0 until it sends them (an older release never does). */
  private peerFeatures = 0;
  /** The `hosted` list of the last HEARTBEAT sent on this connection: the list a HEARTBEAT-BRIEF repeats. */
  private sentHosted: readonly IpAddress[] | undefined;
  /** HEARTBEAT-BRIEFs sent since the last whole HEARTBEAT. */
  private briefsSinceFull = 0;
  /** The `hosted` list of the last HEARTBEAT received: what a HEARTBEAT-BRIEF from the peer stands for. */
  private receivedHosted: readonly IpAddress[] | undefined;

  constructor(private readonly options: PeerSessionOptions) {
    const { clusterKey, nonce, localPnn } = options;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!(clusterKey instanceof Uint8Array) || clusterKey.length < MIN_CLUSTER_KEY_BYTES) {
      throw new FrameSetupError('clusterKey', `must be at least ${MIN_CLUSTER_KEY_BYTES} bytes: fill key_file with random bytes (e.g. head -c 32 /dev/urandom)`);
    }
    if (!(nonce instanceof Uint8Array) || nonce.length !== NONCE_BYTES) {
      throw new FrameSetupError('nonce', `must be ${NONCE_BYTES} fresh random bytes`);
    }
    if (!Number.isInteger(this.maxFrameBytes) || this.maxFrameBytes < MIN_MAX_FRAME_BYTES || this.maxFrameBytes > MAX_MAX_FRAME_BYTES) {
      throw new FrameSetupError('maxFrameBytes', `must be a whole number ${MIN_MAX_FRAME_BYTES}..${MAX_MAX_FRAME_BYTES}, not ${this.maxFrameBytes}`);
    }
    if (!Number.isInteger(localPnn) || localPnn < 0 || localPnn >= 0xffffffff) {
      throw new FrameSetupError('localPnn', `${localPnn} is not a node number`);
    }
    this.ownHello = {
      kind: 'hello', role: options.role, pnn: localPnn,
      clusterFingerprint: clusterFingerprint(options.mac, clusterKey),
      nonce: nonce.slice(), maxFrameBytes: this.maxFrameBytes,
    };
    this.decoder = new FrameDecoder({ maxFrameBytes: this.maxFrameBytes, mac: options.mac, key: HELLO_MAC_KEY });
  }

  get state(): SessionState {
    return this.current;
  }

  /** The peer's node number once its HELLO was accepted. */
  get peerPnn(): Pnn | undefined {
    return this.peer?.pnn;
  }

  /** The role the peer's HELLO named (a `notifier` is a guardian's one-message connection). */
  get peerRole(): PeerRole | undefined {
    return this.peer?.role;
  }

  /** Bytes buffered by the decoder: never more than one frame. */
  get bufferedBytes(): number {
    return this.decoder.bufferedBytes;
  }

  /** The HELLO frame: write it as soon as the connection is open, before anything is received. */
  start(): Uint8Array {
    if (this.started) throw new FrameBuildError('E_NOT_ESTABLISHED', 'PeerSession.start: HELLO was already sent on this connection');
    this.started = true;
    return this.frame(this.ownHello);
  }

  /** Feeds bytes from the peer: frames to send back (PROOF) and what happened. */
  receive(chunk: Uint8Array): SessionOutput {
    if (!this.started) throw new FrameBuildError('E_NOT_ESTABLISHED', 'PeerSession.receive: call start() and send HELLO first');
    const out: SessionOutput = { send: [], events: [] };
    if (this.current === 'failed') return out;
    this.decoder.feed(chunk);
    // Stop at the first failure: bytes after it are not to be trusted or parsed.
    for (let result = this.decoder.next(); result !== undefined; result = this.decoder.next()) {
      this.apply(result, out);
      if (this.state === 'failed') break;
    }
    return out;
  }

  /** The stream closed. */
  end(): SessionOutput {
    const out: SessionOutput = { send: [], events: [] };
    if (this.current === 'failed') return out;
    for (const result of this.decoder.end()) this.apply(result, out);
    return out;
  }

  /** The peer said (FEATURES) that it takes HEARTBEAT-BRIEF. */
  get peerTakesBriefHeartbeats(): boolean {
    return (this.peerFeatures & FEATURE.briefHeartbeats) !== 0;
  }

  /**
   * One message as a frame for this connection. Only once established. A HEARTBEAT whose
   * `hosted` equals the last one sent here goes out brief when the peer takes that.
   */
  encode(message: SessionMessage): Uint8Array {
    if (this.current !== 'established' || this.peer === undefined) {
      throw new FrameBuildError('E_NOT_ESTABLISHED', `cannot send ${message.kind}: the session is ${this.current}, not established`);
    }
    if (!SESSION_KINDS.includes(message.kind)) {
      throw new FrameBuildError('E_BAD_MESSAGE', `${String(message.kind)} is not a message a session sends`, 'kind');
    }
    if (message.kind === 'heartbeat') return this.heartbeatFrame(message);
    return this.frame(message, this.peer.maxFrameBytes);
  }

  /**
   * A HEARTBEAT as a frame: brief when the peer takes it and `hosted` is the list of the last
   * one sent here, but whole at least every FULL_HEARTBEAT_EVERY, so a receiver that had to drop
   * one whole (and with it the list) hears the peer again within that many beats.
   */
  private heartbeatFrame(message: HeartbeatMessage): Uint8Array {
    const limit = this.peer?.maxFrameBytes;
    if (this.peerTakesBriefHeartbeats && this.sentHosted !== undefined && this.briefsSinceFull < FULL_HEARTBEAT_EVERY - 1
      && sameAddresses(this.sentHosted, message.hosted)) {
      const { hosted: _hosted, ...rest } = message;
      const bytes = this.frame({ ...rest, kind: 'heartbeat-brief' }, limit);
      this.briefsSinceFull++;
      return bytes;
    }
    // Remembered only once encoded: a heartbeat too large to send must not become the list the next brief one repeats.
    const bytes = this.frame(message, limit);
    this.sentHosted = message.hosted;
    this.briefsSinceFull = 0;
    return bytes;
  }

  private frame(message: PeerMessage, limit = this.maxFrameBytes): Uint8Array {
    const bytes = encodeFrame(message, this.sendSeq, this.sendKey, this.options.mac, limit);
    this.sendSeq += 1;
    return bytes;
  }

  private apply(result: DecodeResult, out: SessionOutput): void {
    if (result.kind === 'error') {
      // A refused HEARTBEAT may have listed other addresses than the last one taken: a brief one after it must not stand for that list.
      if (result.dropped === 'heartbeat') this.receivedHosted = undefined;
      // Before the session is established nothing may be skipped: the handshake would be incomplete.
      if (result.error.fatal || this.current !== 'established') this.current = 'failed';
      out.events.push({ kind: 'error', error: result.error });
      return;
    }
    const { message } = result;
    const next = HANDSHAKE_STEPS[this.current][message.kind];
    if (next === undefined) {
      const allowed = Object.keys(HANDSHAKE_STEPS[this.current]);
      this.failWith(out, new FrameError('E_HANDSHAKE',
        `a ${message.kind} frame arrived while the session is ${this.current} (allowed: ${allowed.join(', ') || 'none'}): `
        + 'the peer does not follow the handshake'));
      return;
    }
    switch (message.kind) {
      case 'hello': this.acceptHello(message, out); return;
      case 'proof': this.acceptProof(message, out); return;
      default: this.acceptMessage(result.seq, message, out);
    }
  }

  private acceptHello(hello: HelloMessage, out: SessionOutput): void {
    const { role, localPnn, mac, clusterKey } = this.options;
    const dialling = role !== 'responder';
    if (dialling === (hello.role !== 'responder')) {
      this.failWith(out, new FrameError('E_HANDSHAKE',
        `the peer says it is the ${hello.role} of this connection and we are the ${role}: one side dials, the other accepts (or our own HELLO came back)`));
      return;
    }
    if (hello.pnn === localPnn) {
      this.failWith(out, new FrameError('E_PEER_IDENTITY',
        `the peer claims our own node number ${localPnn}: two nodes use the same line of the nodes file, or our HELLO came back`));
      return;
    }
    if (!equalBytes(hello.clusterFingerprint, this.ownHello.clusterFingerprint)) {
      this.failWith(out, new FrameError('E_WRONG_KEY',
        `node ${hello.pnn} uses a different cluster key: copy the same key_file to every node`));
      return;
    }
    const check = this.options.checkPeer(hello.pnn, hello.role);
    if (!check.ok) {
      this.failWith(out, check.code === 'E_NOT_DIALLER' ? new FrameError(check.code, check.reason)
        : new FrameError('E_PEER_IDENTITY', `the peer claims to be node ${hello.pnn}: ${check.reason}`));
      return;
    }
    const [initiator, responder] = dialling ? [this.ownHello, hello] : [hello, this.ownHello];
    const keys = sessionKeys(mac, clusterKey, initiator, responder);
    this.peer = { pnn: hello.pnn, role: hello.role, maxFrameBytes: Math.min(hello.maxFrameBytes, MAX_MAX_FRAME_BYTES) };
    this.decoder.setKey(dialling ? keys.responderToInitiator : keys.initiatorToResponder);
    this.sendKey = dialling ? keys.initiatorToResponder : keys.responderToInitiator;
    this.current = 'awaiting-proof';
    out.send.push(this.frame({ kind: 'proof', peerNonce: hello.nonce }));
  }

  private acceptProof(proof: ProofMessage, out: SessionOutput): void {
    // The MAC under the session key already binds both nonces; this makes the echo explicit.
    if (!equalBytes(proof.peerNonce, this.ownHello.nonce) || this.peer === undefined) {
      this.failWith(out, new FrameError('E_HANDSHAKE', 'the peer\'s PROOF names another nonce than ours: it belongs to another connection'));
      return;
    }
    this.current = 'established';
    // A guardian's notifier connection carries one FENCED and closes: neither side has use for features there.
    if (this.options.role !== 'notifier' && this.peer.role !== 'notifier') out.send.push(this.frame({ kind: 'features', bits: OWN_FEATURES }));
    out.events.push({ kind: 'established', peerPnn: this.peer.pnn, peerMaxFrameBytes: this.peer.maxFrameBytes });
  }

  private acceptMessage(seq: number, message: Exclude<PeerMessage, HelloMessage | ProofMessage>, out: SessionOutput): void {
    // Messages that name their sender must name the authenticated peer: no node speaks for another.
    if ((message.kind === 'heartbeat' || message.kind === 'heartbeat-brief' || message.kind === 'leaving') && message.pnn !== this.peer?.pnn) {
      this.failWith(out, new FrameError('E_PEER_IDENTITY',
        `node ${this.peer?.pnn} sent a ${message.kind} in the name of node ${message.pnn}: a node speaks only for itself`));
      return;
    }
    switch (message.kind) {
      case 'features':
        this.peerFeatures = message.bits;
        return;
      case 'heartbeat': {
        // The same list again (FULL_HEARTBEAT_EVERY) is handed on as the same array, so the fast path's relay leaves it out too.
        const kept = this.receivedHosted;
        if (kept !== undefined && sameAddresses(kept, message.hosted)) {
          out.events.push({ kind: 'message', seq, message: { ...message, hosted: kept } });
          return;
        }
        this.receivedHosted = message.hosted;
        out.events.push({ kind: 'message', seq, message });
        return;
      }
      case 'heartbeat-brief': {
        if (this.receivedHosted === undefined) {
          out.events.push({ kind: 'error', error: new FrameError('E_BAD_PAYLOAD',
            `node ${message.pnn} sent a heartbeat-brief before any heartbeat on this connection: it has no address list to repeat, so it was dropped`) });
          return;
        }
        const { kind: _kind, ...rest } = message;
        out.events.push({ kind: 'message', seq, message: { ...rest, kind: 'heartbeat', hosted: this.receivedHosted } });
        return;
      }
      default:
        out.events.push({ kind: 'message', seq, message });
    }
  }

  private failWith(out: SessionOutput, error: FrameError): void {
    this.current = 'failed';
    out.events.push({ kind: 'error', error });
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Test helpers for peer frames: node:crypto's HMAC as the injected MAC, keys, and a handshake between two sessions.

import { createHash, createHmac } from 'node:crypto';
import { MAC_BYTES, MacFunction } from '../../../../src/protocol/frame';
import { PeerSession, PeerSessionOptions, SessionEvent } from '../../../../src/protocol/frame-session';

export const hmacSha256: MacFunction = (key, data) => createHmac('sha256', key).update(data).digest();

export const CLUSTER_KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
export const OTHER_KEY = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);

/** Deterministic "random" nonces, distinct for distinct seeds: the session never makes its own. */
export function nonce(seed: number): Uint8Array {
  return Uint8Array.from(createHash('sha256').update(`nonce ${seed}`).digest());
}

export function session(overrides: Partial<PeerSessionOptions> & Pick<PeerSessionOptions, 'role' | 'localPnn'>): PeerSession {
  return new PeerSession({
    clusterKey: CLUSTER_KEY,
    mac: hmacSha256,
    nonce: nonce(overrides.localPnn + (overrides.role === 'initiator' ? 100 : 200)),
    checkPeer: () => ({ ok: true }),
    ...overrides,
  });
}

export interface Pair {
  readonly initiator: PeerSession;
  readonly responder: PeerSession;
  readonly initiatorEvents: SessionEvent[];
  readonly responderEvents: SessionEvent[];
  /** Every frame each side wrote, in order. */
  readonly fromInitiator: Uint8Array[];
  readonly fromResponder: Uint8Array[];
}

/**
 * Runs a full handshake between node `a` (dialling) and node `b` (accepting), delivering frames
 * whole; `toInitiator` may stand in for each frame the responder wrote (as a peer of another build).
 */
export function handshake(
  initiator: PeerSession = session({ role: 'initiator', localPnn: 0 }),
  responder: PeerSession = session({ role: 'responder', localPnn: 1 }),
  toInitiatorAs: (frame: Uint8Array) => Uint8Array = (frame) => frame,
): Pair {
  const pair: Pair = { initiator, responder, initiatorEvents: [], responderEvents: [], fromInitiator: [], fromResponder: [] };
  const toResponder = [initiator.start()];
  const toInitiator = [responder.start()];
  while (toResponder.length > 0 || toInitiator.length > 0) {
    const a = toResponder.shift();
    if (a) {
      pair.fromInitiator.push(a);
      const out = responder.receive(a);
      toInitiator.push(...out.send);
      pair.responderEvents.push(...out.events);
    }
    const b = toInitiator.shift();
    if (b) {
      pair.fromResponder.push(b);
      const out = initiator.receive(toInitiatorAs(b));
      toResponder.push(...out.send);
      pair.initiatorEvents.push(...out.events);
    }
  }
  return pair;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p))));
}

export function errorCodes(events: readonly SessionEvent[]): string[] {
  return events.flatMap((e) => (e.kind === 'error' ? [e.error.code] : []));
}

/** The key a session sends under (private): to forge what a genuine peer of another build would send. */
export function sendKeyOf(s: PeerSession): Uint8Array {
  return (s as unknown as { sendKey: Uint8Array }).sendKey;
}

/** A HEARTBEAT frame with links[0].state set to 9 and its MAC made again: an authentic frame the decoder refuses. */
export function corruptLinkState(frame: Uint8Array, key: Uint8Array): Uint8Array {
  return withByte(frame, 16 + 4 + 8 + 4 + 1 + 1 + 8 + 4 + 2 + 5, 9, key); // heartbeat.links[0].state
}

/** `frame` with byte `at` set to `value` and its MAC made again under `key`: what a genuine peer of another build (or a man in the middle, for HELLO's public key) would send. */
export function withByte(frame: Uint8Array, at: number, value: number, key: Uint8Array): Uint8Array {
  const copy = frame.slice();
  copy[at] = value;
  copy.set(hmacSha256(key, copy.subarray(0, copy.length - MAC_BYTES)), copy.length - MAC_BYTES);
  return copy;
}

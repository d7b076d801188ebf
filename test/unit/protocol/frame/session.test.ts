// The handshake state machine: a clean handshake, and every attempt to get past it or around it.

import { ip } from '../../../../src/core/ip';
import { decodeBody, encodeFrame, MAC_BYTES } from '../../../../src/protocol/frame';
import { FrameBuildError } from '../../../../src/protocol/frame-errors';
import { HeartbeatMessage, HelloMessage } from '../../../../src/protocol/frame-messages';
import {
  clusterFingerprint, HANDSHAKE_STEPS, HELLO_MAC_KEY, SessionEvent, sessionKeys,
} from '../../../../src/protocol/frame-session';
import { CLUSTER_KEY, concat, corruptLinkState, errorCodes, handshake, hmacSha256, nonce, OTHER_KEY, sendKeyOf, session, withByte } from './helpers';

const beat = (pnn: number, n: number): HeartbeatMessage => ({
  kind: 'heartbeat', pnn, beat: n, flags: 0, monitor: 'healthy', epoch: 3, leader: 0,
  links: [{ iface: 'eth1', state: 'up' }], hosted: [ip('203.0.113.9')], partition: [pnn],
  heard: [], voters: [],
});

const messages = (events: readonly SessionEvent[]) => events.flatMap((e) => (e.kind === 'message' ? [e.message] : []));

/** Rewrites a HELLO frame's payload byte and fixes its public checksum, as a man in the middle could. */
const tamperHello = (frame: Uint8Array, at: number, value: number): Uint8Array => withByte(frame, at, value, HELLO_MAC_KEY);

// HELLO payload: role(1) pnn(4) fingerprint(8) nonce(32) maxFrameBytes(4), after the 16-byte header.
const HELLO_PNN_AT = 16 + 1;
const HELLO_MAX_FRAME_AT = 16 + 45;

describe('PeerSession handshake', () => {
  it('establishes both sides, each knowing the other\'s node number', () => {
    const pair = handshake();
    expect(pair.initiator.state).toBe('established');
    expect(pair.responder.state).toBe('established');
    expect(pair.initiatorEvents).toEqual([{ kind: 'established', peerPnn: 1, peerMaxFrameBytes: 1 << 20 }]);
    expect(pair.responderEvents).toEqual([{ kind: 'established', peerPnn: 0, peerMaxFrameBytes: 1 << 20 }]);
  });

  it('carries messages both ways after the handshake, sequence numbers continuing after HELLO (0), PROOF (1) and FEATURES (2)', () => {
    const { initiator, responder } = handshake();
    const toResponder = responder.receive(concat([initiator.encode(beat(0, 1)), initiator.encode(beat(0, 2))]));
    expect(toResponder.events).toEqual([
      { kind: 'message', seq: 3, message: beat(0, 1) },
      { kind: 'message', seq: 4, message: beat(0, 2) },
    ]);
    expect(messages(initiator.receive(responder.encode(beat(1, 1))).events)).toEqual([beat(1, 1)]);
  });

  it('switches keys between HELLO and PROOF arriving in one chunk, and byte by byte', () => {
    for (const split of ['one chunk', 'bytes'] as const) {
      const initiator = session({ role: 'initiator', localPnn: 0 });
      const responder = session({ role: 'responder', localPnn: 1 });
      const helloI = initiator.start();
      const helloR = responder.start();
      const { send: [proofI] } = initiator.receive(helloR);
      const stream = concat([helloI, proofI]);
      const events: SessionEvent[] = [];
      const send: Uint8Array[] = [];
      const chunks = split === 'one chunk' ? [stream] : Array.from(stream, (_, i) => stream.subarray(i, i + 1));
      for (const chunk of chunks) {
        const out = responder.receive(chunk);
        events.push(...out.events);
        send.push(...out.send);
      }
      expect(events).toEqual([{ kind: 'established', peerPnn: 0, peerMaxFrameBytes: 1 << 20 }]);
      expect(initiator.receive(concat(send)).events).toEqual([{ kind: 'established', peerPnn: 1, peerMaxFrameBytes: 1 << 20 }]);
    }
  });

  it('fails on both sides with E_WRONG_KEY when the nodes hold different cluster keys', () => {
    const pair = handshake(session({ role: 'initiator', localPnn: 0 }), session({ role: 'responder', localPnn: 1, clusterKey: OTHER_KEY }));
    expect(errorCodes(pair.initiatorEvents)).toEqual(['E_WRONG_KEY']);
    expect(errorCodes(pair.responderEvents)).toEqual(['E_WRONG_KEY']);
    expect([pair.initiator.state, pair.responder.state]).toEqual(['failed', 'failed']);
  });

  it('stops a peer that copies the right fingerprint without knowing the key: its PROOF fails the MAC', () => {
    const honest = session({ role: 'responder', localPnn: 1 });
    const honestHelloFrame = honest.start();
    const honestHello = decodeBody('hello', honestHelloFrame.subarray(16, honestHelloFrame.length - MAC_BYTES));
    const forgedHello: HelloMessage = {
      kind: 'hello', role: 'initiator', pnn: 0, nonce: nonce(77), maxFrameBytes: 1 << 20,
      clusterFingerprint: clusterFingerprint(hmacSha256, CLUSTER_KEY), // public: seen in any HELLO
    };
    const guessedKeys = sessionKeys(hmacSha256, OTHER_KEY, forgedHello, honestHello);
    const forgedProof = encodeFrame({ kind: 'proof', peerNonce: honestHello.nonce }, 1, guessedKeys.initiatorToResponder, hmacSha256, 1 << 20);
    const out = honest.receive(concat([encodeFrame(forgedHello, 0, HELLO_MAC_KEY, hmacSha256, 1 << 20), forgedProof]));
    expect(errorCodes(out.events)).toEqual(['E_BAD_MAC']);
    expect(honest.state).toBe('failed');
  });

  it('stops a replayed HELLO and PROOF from an earlier connection: the new nonce gives a new key', () => {
    const first = handshake();
    const [oldHello, oldProof] = first.fromInitiator;
    const fresh = session({ role: 'responder', localPnn: 1, nonce: nonce(999) });
    fresh.start();
    const out = fresh.receive(concat([oldHello, oldProof]));
    expect(out.events.map((e) => e.kind)).not.toContain('established');
    expect(errorCodes(out.events)).toEqual(['E_BAD_MAC']);
  });

  it('stops a frame replayed from an earlier connection even at the right sequence number', () => {
    const first = handshake();
    const oldHeartbeat = first.initiator.encode(beat(0, 1)); // seq 2 on the first connection
    const second = handshake(session({ role: 'initiator', localPnn: 0, nonce: nonce(5) }), session({ role: 'responder', localPnn: 1, nonce: nonce(6) }));
    const out = second.responder.receive(oldHeartbeat);
    expect(errorCodes(out.events)).toEqual(['E_BAD_MAC']);
    expect(messages(out.events)).toEqual([]);
  });

  it('stops a man in the middle who alters a HELLO field: the transcript is in the keys', () => {
    const initiator = session({ role: 'initiator', localPnn: 0 });
    const responder = session({ role: 'responder', localPnn: 1 });
    const helloI = tamperHello(initiator.start(), HELLO_MAX_FRAME_AT, 0x7f); // announce a different frame limit
    const helloR = responder.start();
    const { send: [proofI] } = initiator.receive(helloR);
    const out = responder.receive(concat([helloI, proofI]));
    expect(errorCodes(out.events)).toEqual(['E_BAD_MAC']);
  });

  it('stops frames reflected back to their sender: each direction has its own key', () => {
    const { initiator } = handshake();
    const frame = initiator.encode(beat(0, 1));
    expect(errorCodes(initiator.receive(frame).events)).toEqual(['E_BAD_MAC']);
  });

  it('drops reordered frames and fails the session', () => {
    const { initiator, responder } = handshake();
    const second = initiator.encode(beat(0, 1));
    const third = initiator.encode(beat(0, 2));
    const out = responder.receive(concat([third, second]));
    expect(errorCodes(out.events)).toEqual(['E_SEQ_GAP']);
    expect(messages(out.events)).toEqual([]);
    expect(responder.state).toBe('failed');
    expect(responder.receive(second)).toEqual({ send: [], events: [] });
  });

  it('drops a frame replayed within the connection', () => {
    const { initiator, responder } = handshake();
    const frame = initiator.encode(beat(0, 1));
    const out = responder.receive(concat([frame, frame]));
    expect(messages(out.events)).toEqual([beat(0, 1)]);
    expect(errorCodes(out.events)).toEqual(['E_REPLAY']);
  });

  it('asks the adapter about the claimed node number and fails with its reason', () => {
    const claims: number[] = [];
    const responder = session({
      role: 'responder', localPnn: 1,
      checkPeer: (pnn) => { claims.push(pnn); return { ok: false, reason: 'the connection comes from 192.0.2.12, the address of node 2' }; },
    });
    const pair = handshake(session({ role: 'initiator', localPnn: 0 }), responder);
    expect(claims).toEqual([0]);
    const [error] = pair.responderEvents;
    expect(error.kind === 'error' && error.error).toMatchObject({ code: 'E_PEER_IDENTITY' });
    expect(error.kind === 'error' && error.error.message).toMatch(/claims to be node 0: the connection comes from 192\.0\.2\.12/);
  });

  it('refuses a peer that claims our own node number', () => {
    const pair = handshake(session({ role: 'initiator', localPnn: 1 }), session({ role: 'responder', localPnn: 1 }));
    expect(errorCodes(pair.responderEvents)).toEqual(['E_PEER_IDENTITY']);
  });

  it('refuses a HELLO whose node number was altered in transit', () => {
    const responder = session({ role: 'responder', localPnn: 1, checkPeer: (pnn) => (pnn === 0 ? { ok: true } : { ok: false, reason: 'not node 0' }) });
    responder.start();
    const hello = tamperHello(session({ role: 'initiator', localPnn: 0 }).start(), HELLO_PNN_AT + 3, 2);
    expect(errorCodes(responder.receive(hello).events)).toEqual(['E_PEER_IDENTITY']);
  });

  it('refuses a peer with the same role (both dialled)', () => {
    const pair = handshake(session({ role: 'initiator', localPnn: 0 }), session({ role: 'initiator', localPnn: 1 }));
    expect(errorCodes(pair.initiatorEvents)).toEqual(['E_HANDSHAKE']);
  });

  it('refuses a notifier that meets an initiator or another notifier: only a responder accepts one', () => {
    expect(errorCodes(handshake(session({ role: 'notifier', localPnn: 0 }), session({ role: 'initiator', localPnn: 1 })).initiatorEvents))
      .toEqual(['E_HANDSHAKE']);
    expect(errorCodes(handshake(session({ role: 'notifier', localPnn: 0 }), session({ role: 'notifier', localPnn: 1 })).initiatorEvents))
      .toEqual(['E_HANDSHAKE']);
  });

  it('establishes a notifier (a guardian) with a responder, which learns its role and reads its FENCED', () => {
    const { initiator: notifier, responder } = handshake(session({ role: 'notifier', localPnn: 2 }), session({ role: 'responder', localPnn: 0 }));
    expect([notifier.state, responder.state]).toEqual(['established', 'established']);
    expect([responder.peerRole, notifier.peerRole]).toEqual(['notifier', 'responder']);
    const fenced = { kind: 'fenced' as const, pnn: 2, cause: 'pipe-closed' as const, removed: 333 };
    expect(messages(responder.receive(notifier.encode(fenced)).events)).toEqual([fenced]);
  });

  it('refuses a FENCED replayed from an earlier notifier connection: the new nonces give new keys', () => {
    const a = handshake(session({ role: 'notifier', localPnn: 2, nonce: nonce(1) }), session({ role: 'responder', localPnn: 0, nonce: nonce(2) }));
    const b = handshake(session({ role: 'notifier', localPnn: 2, nonce: nonce(3) }), session({ role: 'responder', localPnn: 0, nonce: nonce(4) }));
    const fenced = { kind: 'fenced' as const, pnn: 2, cause: 'no-ticks' as const, removed: 1 };
    expect(errorCodes(b.responder.receive(a.initiator.encode(fenced)).events)).toEqual(['E_BAD_MAC']);
  });

  it('refuses a heartbeat that speaks for another node', () => {
    const { initiator, responder } = handshake();
    const out = responder.receive(initiator.encode(beat(2, 1)));
    expect(errorCodes(out.events)).toEqual(['E_PEER_IDENTITY']);
    expect(responder.state).toBe('failed');
  });

  it('refuses a message before the handshake, naming what is allowed', () => {
    const responder = session({ role: 'responder', localPnn: 1 });
    responder.start();
    const early = encodeFrame(beat(0, 1), 0, HELLO_MAC_KEY, hmacSha256, 1 << 20);
    const [event] = responder.receive(early).events;
    expect(event.kind === 'error' && event.error.code).toBe('E_HANDSHAKE');
    expect(event.kind === 'error' && event.error.message).toMatch(/while the session is awaiting-hello \(allowed: hello\)/);
  });

  it('refuses a second HELLO inside an established session', () => {
    const pair = handshake();
    // A stand-in initiator with the same nonce derives the same keys and can produce an authentic second HELLO.
    const twin = session({ role: 'initiator', localPnn: 0 });
    twin.start();
    twin.receive(pair.fromResponder[0]);
    const secondHello = encodeFrame({ kind: 'hello', role: 'initiator', pnn: 0, clusterFingerprint: new Uint8Array(8), nonce: nonce(1), maxFrameBytes: 4096 },
      3, sendKeyOf(twin), hmacSha256, 1 << 20);
    expect(errorCodes(pair.responder.receive(secondHello).events)).toEqual(['E_HANDSHAKE']);
  });

  it('keeps the session after an authenticated frame with a bad field, dropping only that frame', () => {
    const { initiator, responder } = handshake();
    const bad = initiator.encode(beat(0, 1));
    // Another address list, so the next one goes whole (a brief one after a dropped whole one is dropped too: heartbeat-brief.test.ts).
    const next = { ...beat(0, 2), hosted: [ip('203.0.113.10')] };
    const out = responder.receive(concat([corruptLinkState(bad, sendKeyOf(initiator)), initiator.encode(next)]));
    expect(errorCodes(out.events)).toEqual(['E_BAD_PAYLOAD']);
    expect(messages(out.events)).toEqual([next]);
    expect(responder.state).toBe('established');
  });

  it('reports a connection closed inside a frame', () => {
    const { initiator, responder } = handshake();
    const frame = initiator.encode(beat(0, 1));
    responder.receive(frame.subarray(0, 20));
    expect(errorCodes(responder.end().events)).toEqual(['E_TRUNCATED']);
  });

  it('will not encode before the handshake, nor a frame above the peer\'s limit', () => {
    const lone = session({ role: 'initiator', localPnn: 0 });
    lone.start();
    expect(() => lone.encode(beat(0, 1))).toThrow(expect.objectContaining({ code: 'E_NOT_ESTABLISHED' }));
    const { initiator } = handshake(session({ role: 'initiator', localPnn: 0 }), session({ role: 'responder', localPnn: 1, maxFrameBytes: 4096 }));
    const huge = { ...beat(0, 1), hosted: Array.from({ length: 1000 }, (_, i) => ip(`198.51.100.${i % 250}`)) };
    expect(() => initiator.encode(huge)).toThrow(FrameBuildError);
    expect(() => initiator.encode(huge)).toThrow(expect.objectContaining({ code: 'E_FRAME_TOO_LARGE' }));
  });

  it('refuses unusable options', () => {
    expect(() => session({ role: 'initiator', localPnn: 0, clusterKey: new Uint8Array(8) })).toThrow(/at least 16 bytes/);
    expect(() => session({ role: 'initiator', localPnn: 0, nonce: new Uint8Array(16) })).toThrow(/32 fresh random bytes/);
    expect(() => session({ role: 'initiator', localPnn: 0, maxFrameBytes: 100 })).toThrow(/maxFrameBytes/);
  });

  it('has a step table where only an established session carries messages', () => {
    expect(Object.keys(HANDSHAKE_STEPS['awaiting-hello'])).toEqual(['hello']);
    expect(Object.keys(HANDSHAKE_STEPS['awaiting-proof'])).toEqual(['proof']);
    expect(Object.keys(HANDSHAKE_STEPS.established)).not.toContain('hello');
    expect(Object.keys(HANDSHAKE_STEPS.established)).not.toContain('proof');
    expect(HANDSHAKE_STEPS.failed).toEqual({});
  });
});

/** The session's current send key, read for tests that must forge authentic frames. */

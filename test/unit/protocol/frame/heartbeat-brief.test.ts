// FEATURES and HEARTBEAT-BRIEF: a heartbeat whose address list did not change travels without it, and comes out whole.

import { ip } from '../../../../src/core/ip';
import { TIMING_PROFILES } from '../../../../src/config/option-kinds';
import { schema } from '../../../../src/config/schema';
import { MESSAGE_TYPES } from '../../../../src/protocol/frame-message-codecs';
import { HeartbeatMessage } from '../../../../src/protocol/frame-messages';
import { FULL_HEARTBEAT_EVERY, SessionEvent } from '../../../../src/protocol/frame-session';
import { corruptLinkState, errorCodes, handshake, Pair, sendKeyOf, session, withByte } from './helpers';

const TYPE_AT = 7;
const H1 = [ip('203.0.113.9'), ip('2001:db8::9')];
const H2 = [ip('203.0.113.10')];

const beat = (n: number, hosted = H1, pnn = 0): HeartbeatMessage => ({
  kind: 'heartbeat', pnn, beat: n, flags: 0, monitor: 'healthy', epoch: 3, leader: 0,
  links: [{ iface: 'eth1', state: 'up' }], hosted, partition: [0, 1], heard: [{ pnn: 1, agoMs: 12 }], voters: [],
});

const typeOf = (frame: Uint8Array): number => frame[TYPE_AT];
const messages = (events: readonly SessionEvent[]) => events.flatMap((e) => (e.kind === 'message' ? [e.message] : []));

const retyped = (frame: Uint8Array, type: number, key: Uint8Array): Uint8Array => withByte(frame, TYPE_AT, type, key);

/** Sends each heartbeat from the initiator and hands it to the responder: the frames' types and what came out. */
function exchange(pair: Pair, beats: readonly HeartbeatMessage[]): { types: number[]; received: unknown[]; errors: string[] } {
  const frames = beats.map((b) => pair.initiator.encode(b));
  const events = frames.flatMap((f) => pair.responder.receive(f).events);
  return { types: frames.map(typeOf), received: messages(events), errors: errorCodes(events) };
}

describe('heartbeats with an unchanged address list', () => {
  it('each side sends FEATURES right after the handshake, and both learn that the other takes brief heartbeats', () => {
    const pair = handshake();
    expect(typeOf(pair.fromInitiator[2])).toBe(MESSAGE_TYPES.features);
    expect(typeOf(pair.fromResponder[2])).toBe(MESSAGE_TYPES.features);
    expect([pair.initiator.peerTakesBriefHeartbeats, pair.responder.peerTakesBriefHeartbeats]).toEqual([true, true]);
    // FEATURES is the session's own: no caller hears of it.
    expect(pair.responderEvents.map((e) => e.kind)).toEqual(['established']);
  });

  it('sends no FEATURES on a guardian\'s notifier connection, from either side', () => {
    const pair = handshake(session({ role: 'notifier', localPnn: 0 }), session({ role: 'responder', localPnn: 1 }));
    expect(pair.responder.state).toBe('established');
    expect([pair.fromInitiator.length, pair.fromResponder.length]).toEqual([2, 2]);
  });

  it('goes brief while the list stays, whole when it changes, and the receiver gets every one whole, the list shared', () => {
    const pair = handshake();
    const beats = [beat(1), beat(2), beat(3, [...H1]), beat(4, H2), beat(5, H2)];
    const { types, received, errors } = exchange(pair, beats);
    const [whole, brief] = [MESSAGE_TYPES.heartbeat, MESSAGE_TYPES['heartbeat-brief']];
    expect(types).toEqual([whole, brief, brief, whole, brief]);
    expect(received).toEqual(beats);
    expect(errors).toEqual([]);
    const got = received as HeartbeatMessage[];
    expect(got[1].hosted).toBe(got[0].hosted);
    expect(got[4].hosted).toBe(got[3].hosted);
  });

  it(`sends one whole at least every ${FULL_HEARTBEAT_EVERY} heartbeats`, () => {
    const pair = handshake();
    const { types, received } = exchange(pair, Array.from({ length: 2 * FULL_HEARTBEAT_EVERY + 1 }, (_, i) => beat(i + 1)));
    const wholeAt = types.flatMap((t, i) => (t === MESSAGE_TYPES.heartbeat ? [i] : []));
    expect(wholeAt).toEqual([0, FULL_HEARTBEAT_EVERY, 2 * FULL_HEARTBEAT_EVERY]);
    expect(received).toHaveLength(2 * FULL_HEARTBEAT_EVERY + 1);
    // A whole one with the same list is handed on with the array the receiver already had.
    const lists = (received as HeartbeatMessage[]).map((m) => m.hosted);
    expect(lists.every((list) => list === lists[0])).toBe(true);
  });

  it('stays within the peers\' patience: a receiver that dropped a whole heartbeat hears the next whole one before dead_after, in every profile', () => {
    const beats = schema.timing.heartbeat_interval.default;
    const dead = schema.timing.dead_after.default;
    if (beats.kind !== 'profile' || dead.kind !== 'profile') throw new Error('both are profile defaults');
    for (const profile of TIMING_PROFILES) {
      // Last heard the beat before the refused whole one, heard again at the next whole one.
      expect((FULL_HEARTBEAT_EVERY + 1) * beats.values[profile]).toBeLessThan(dead.values[profile]);
    }
  });

  it('sends every heartbeat whole to a peer that sent no FEATURES (an older release)', () => {
    const responder = session({ role: 'responder', localPnn: 1 });
    // The older peer's frame after its PROOF is one of a type this release does not know, never FEATURES.
    const pair = handshake(session({ role: 'initiator', localPnn: 0 }), responder,
      (frame) => (typeOf(frame) === MESSAGE_TYPES.features ? retyped(frame, 0x7e, sendKeyOf(responder)) : frame));
    expect(errorCodes(pair.initiatorEvents)).toEqual(['E_UNKNOWN_TYPE']);
    expect(pair.initiator.state).toBe('established');
    expect(pair.initiator.peerTakesBriefHeartbeats).toBe(false);
    const types = [beat(1), beat(2), beat(3)].map((b) => typeOf(pair.initiator.encode(b)));
    expect(types).toEqual([MESSAGE_TYPES.heartbeat, MESSAGE_TYPES.heartbeat, MESSAGE_TYPES.heartbeat]);
  });

  it('drops a brief heartbeat that arrives before any whole one (E_BAD_PAYLOAD), and keeps the session', () => {
    const pair = handshake();
    const first = pair.initiator.encode(beat(1));
    // The whole one arrives as a type this release does not know: the receiver never had the list.
    const unknown = retyped(first, 0x7e, sendKeyOf(pair.initiator));
    const events = [unknown, pair.initiator.encode(beat(2))].flatMap((f) => pair.responder.receive(f).events);
    expect(errorCodes(events)).toEqual(['E_UNKNOWN_TYPE', 'E_BAD_PAYLOAD']);
    expect(events.find((e) => e.kind === 'error' && e.error.code === 'E_BAD_PAYLOAD')).toMatchObject({
      error: { fatal: false, message: expect.stringMatching(/heartbeat-brief before any heartbeat on this connection/) },
    });
    expect(messages(events)).toEqual([]);
    expect(pair.responder.state).toBe('established');
  });

  it('never lets an old list stand for a new one: after a refused whole heartbeat, brief ones are dropped until the next whole one', () => {
    const pair = handshake();
    const key = sendKeyOf(pair.initiator);
    const frames = [
      pair.initiator.encode(beat(1, H1)),
      corruptLinkState(pair.initiator.encode(beat(2, H2)), key),
      ...Array.from({ length: FULL_HEARTBEAT_EVERY }, (_, i) => pair.initiator.encode(beat(3 + i, H2))),
    ];
    const events = frames.flatMap((f) => pair.responder.receive(f).events);
    const got = messages(events) as HeartbeatMessage[];
    // beat 1 whole, beat 2 refused, beats 3.. brief (dropped) until the 16th after beat 2 goes whole.
    expect(got.map((m) => m.beat)).toEqual([1, 2 + FULL_HEARTBEAT_EVERY]);
    expect(got.map((m) => m.hosted)).toEqual([H1, H2]);
    expect(errorCodes(events)).toEqual(Array(FULL_HEARTBEAT_EVERY).fill('E_BAD_PAYLOAD'));
    expect(pair.responder.state).toBe('established');
  });

  it('refuses a brief heartbeat in the name of another node as a whole one is refused (E_PEER_IDENTITY)', () => {
    const pair = handshake();
    pair.responder.receive(pair.initiator.encode(beat(1)));
    const forged = pair.initiator.encode({ ...beat(2), pnn: 2, partition: [0, 1, 2] });
    // The same list, so it went brief; the peer is node 0, the heartbeat says node 2.
    expect(typeOf(forged)).toBe(MESSAGE_TYPES['heartbeat-brief']);
    expect(errorCodes(pair.responder.receive(forged).events)).toEqual(['E_PEER_IDENTITY']);
    expect(pair.responder.state).toBe('failed');
  });

  it('does not remember a heartbeat too large to send: the next one goes whole (and fails the same way)', () => {
    const pair = handshake(session({ role: 'initiator', localPnn: 0 }), session({ role: 'responder', localPnn: 1, maxFrameBytes: 4096 }));
    const huge = Array.from({ length: 1000 }, (_, i) => ip(`198.51.100.${i % 250}`));
    expect(() => pair.initiator.encode(beat(1, huge))).toThrow(expect.objectContaining({ code: 'E_FRAME_TOO_LARGE' }));
    expect(() => pair.initiator.encode(beat(2, huge))).toThrow(expect.objectContaining({ code: 'E_FRAME_TOO_LARGE' }));
  });
});

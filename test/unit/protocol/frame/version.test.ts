// The peer protocol's version rule (docs/protocol.md, "Versions"): one frame version interoperates, another is refused naming both.

import { decodeBody, FRAME_VERSION, HEADER_BYTES, MAC_BYTES } from '../../../../src/protocol/frame';
import { HeartbeatMessage } from '../../../../src/protocol/frame-messages';
import { HELLO_MAC_KEY, SessionEvent, sessionKeys } from '../../../../src/protocol/frame-session';
import { CLUSTER_KEY, concat, errorCodes, handshake, hmacSha256, session, withByte } from './helpers';

const VERSION_AT = 6;
const TYPE_AT = 7;

const beat = (pnn: number, n: number): HeartbeatMessage => ({
  kind: 'heartbeat', pnn, beat: n, flags: 0, monitor: 'healthy', epoch: 3, leader: 0, links: [], hosted: [], partition: [0, 1], heard: [], voters: [],
});

/** A frame as a peer of another release writes it: byte `at` set to `value`, its MAC made again under `key` (a genuine peer, not a forger). */
const asOtherRelease = withByte;

function errorsOf(events: readonly SessionEvent[]) {
  return events.flatMap((e) => (e.kind === 'error' ? [e.error] : []));
}

describe('peer protocol versions', () => {
  it.each([['N+1', FRAME_VERSION + 1], ['N-1', FRAME_VERSION - 1]])('refuses a HELLO of frame version %s, naming both versions, on either side', (_name, other) => {
    for (const side of ['responder', 'initiator'] as const) {
      const dialler = session({ role: 'initiator', localPnn: 0 });
      const acceptor = session({ role: 'responder', localPnn: 1 });
      const [local, peer] = side === 'responder' ? [acceptor, dialler] : [dialler, acceptor];
      local.start();
      const hello = asOtherRelease(peer.start(), VERSION_AT, other, HELLO_MAC_KEY);
      const out = local.receive(hello);
      const [error] = errorsOf(out.events);
      expect(error.code).toBe('E_BAD_VERSION');
      expect(error.fatal).toBe(true);
      expect(error.message).toContain(`version ${other}, this node speaks ${FRAME_VERSION}`);
      expect(error.message).toMatch(/cannot be rolled node by node: stop every node, upgrade all/);
      expect(local.state).toBe('failed');
      expect(out.events.some((e) => e.kind === 'established')).toBe(false);
      expect(out.send).toEqual([]);
    }
  });

  it('refuses a frame of another version after the handshake too, and nothing of it is delivered', () => {
    const { initiator, responder } = handshake();
    const keyed = initiator.encode(beat(0, 1));
    // Its MAC cannot be checked (the version is checked first): the stream is refused from the header.
    const out = responder.receive(asOtherRelease(keyed, VERSION_AT, FRAME_VERSION + 1, CLUSTER_KEY));
    expect(errorCodes(out.events)).toEqual(['E_BAD_VERSION']);
    expect(out.events.filter((e) => e.kind === 'message')).toEqual([]);
    expect(responder.state).toBe('failed');
  });

  it('interoperates with an adjacent release of the same frame version: a message type it does not know is dropped, the session goes on', () => {
    const pair = handshake();
    expect(pair.responder.state).toBe('established');
    // A newer release's message: same frame version, a type this release does not know. The test makes it
    // from a PING with the type byte changed, under the direction key (a real peer's MAC).
    const newer = pair.initiator.encode({ kind: 'ping', seq: 1, sentUs: 5 });
    newer[TYPE_AT] = 0x7e;
    const helloOf = (frame: Uint8Array) => decodeBody('hello', frame.subarray(HEADER_BYTES, frame.length - MAC_BYTES));
    const keys = sessionKeys(hmacSha256, CLUSTER_KEY, helloOf(pair.fromInitiator[0]), helloOf(pair.fromResponder[0]));
    newer.set(hmacSha256(keys.initiatorToResponder, newer.subarray(0, newer.length - MAC_BYTES)), newer.length - MAC_BYTES);
    const out = pair.responder.receive(concat([newer, pair.initiator.encode(beat(0, 2))]));
    const [dropped] = errorsOf(out.events);
    expect(dropped).toMatchObject({ code: 'E_UNKNOWN_TYPE', fatal: false });
    expect(out.events.filter((e) => e.kind === 'message').map((e) => e.kind === 'message' && e.message)).toEqual([beat(0, 2)]);
    expect(pair.responder.state).toBe('established');
  });
});

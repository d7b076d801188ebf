// Fuzzing the frame decoder and the handshake: random and mutated frames give typed errors only, in bounded memory.

import fc from 'fast-check';
import { decodeBody, encodeBody, encodeFrame, HEADER_BYTES, MAC_BYTES } from '../../../../src/protocol/frame';
import { DecodeResult, FrameDecoder } from '../../../../src/protocol/frame-decoder';
import { FrameError, FrameErrorCode, PayloadFieldError } from '../../../../src/protocol/frame-errors';
import { PeerMessage } from '../../../../src/protocol/frame-messages';
import { HELLO_MAC_KEY } from '../../../../src/protocol/frame-session';
import { anyMessageArb } from './arbitraries';
import { CLUSTER_KEY, concat, handshake, hmacSha256, nonce, session } from './helpers';

const MAX_FRAME = 4096;
const KNOWN_CODES: ReadonlySet<FrameErrorCode> = new Set<FrameErrorCode>([
  'E_BAD_MAGIC', 'E_BAD_VERSION', 'E_FRAME_TOO_SMALL', 'E_FRAME_TOO_LARGE', 'E_BAD_MAC', 'E_REPLAY', 'E_SEQ_GAP',
  'E_TRUNCATED', 'E_UNKNOWN_TYPE', 'E_BAD_PAYLOAD', 'E_HANDSHAKE', 'E_WRONG_KEY', 'E_PEER_IDENTITY',
]);

/** xorshift32: a fixed seed makes every run fuzz the same inputs, so a failure can be replayed. */
function random(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state % n;
  };
}

const corpus: PeerMessage[] = fc.sample(anyMessageArb, { numRuns: 300, seed: 42 })
  .filter((m) => encodeBody(m).length + HEADER_BYTES + MAC_BYTES <= MAX_FRAME);

function refreshMac(frame: Uint8Array, key: Uint8Array): Uint8Array {
  if (frame.length < HEADER_BYTES + MAC_BYTES) return frame;
  frame.set(hmacSha256(key, frame.subarray(0, frame.length - MAC_BYTES)), frame.length - MAC_BYTES);
  return frame;
}

/** One hostile input: random bytes, or a valid frame mutated in one of several ways. */
function hostileInput(rand: (n: number) => number, key: Uint8Array): Uint8Array {
  const frame = encodeFrame(corpus[rand(corpus.length)], 0, key, hmacSha256, MAX_FRAME);
  switch (rand(7)) {
    case 0: return Uint8Array.from({ length: rand(300) }, () => rand(256));
    case 1: { // flip bytes anywhere
      for (let i = rand(4) + 1; i > 0; i--) frame[rand(frame.length)] ^= 1 + rand(255);
      return frame;
    }
    case 2: { // mutate the payload and re-MAC it: exercises every field reader
      for (let i = rand(4) + 1; i > 0 && frame.length > HEADER_BYTES + MAC_BYTES; i--) {
        frame[HEADER_BYTES + rand(frame.length - HEADER_BYTES - MAC_BYTES)] = rand(256);
      }
      return refreshMac(frame, key);
    }
    case 3: { // change the type, re-MAC: a payload read as another message
      frame[7] = rand(4) === 0 ? rand(256) : [0x01, 0x02, 0x10, 0x11, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x30, 0x31, 0x40, 0x41, 0x42, 0x43][rand(16)];
      return refreshMac(frame, key);
    }
    case 4: { // lie about the length, with a consistent MAC where possible
      const length = rand(2) === 0 ? rand(MAX_FRAME * 2) : frame.length + rand(9) - 4;
      new DataView(frame.buffer).setUint32(0, length >>> 0);
      return rand(2) === 0 ? refreshMac(frame, key) : frame;
    }
    case 5: // cut short
      return frame.subarray(0, rand(frame.length));
    default: { // splice two frames
      const other = encodeFrame(corpus[rand(corpus.length)], rand(3), key, hmacSha256, MAX_FRAME);
      return concat([frame.subarray(0, rand(frame.length)), other.subarray(rand(other.length))]);
    }
  }
}

// Plain checks rather than expect() in the hot loops: 100,000 rounds must stay quick.
function checkResult(result: DecodeResult): void {
  if (result.kind === 'error' && (!(result.error instanceof FrameError) || !KNOWN_CODES.has(result.error.code))) {
    throw new Error(`not a typed frame error: ${String(result.error)}`);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

describe('frame decoder fuzz', () => {
  it('turns 100,000 random and mutated frames into frames or typed errors, buffering at most one frame', () => {
    const rand = random(0x5eed);
    let frames = 0;
    let errors = 0;
    for (let round = 0; round < 100_000; round++) {
      const decoder = new FrameDecoder({ maxFrameBytes: MAX_FRAME, mac: hmacSha256, key: CLUSTER_KEY });
      const input = hostileInput(rand, CLUSTER_KEY);
      let fatalSeen = false;
      for (let at = 0; at < input.length;) {
        const size = 1 + rand(input.length - at);
        for (const result of decoder.push(input.subarray(at, at + size))) {
          if (fatalSeen) throw new Error('a result came after a fatal error');
          checkResult(result);
          if (result.kind === 'frame') {
            frames++;
            if (result.message.kind === undefined) throw new Error('a frame without a message kind');
          } else {
            errors++;
            fatalSeen ||= result.error.fatal;
          }
        }
        if (decoder.bufferedBytes > MAX_FRAME + HEADER_BYTES) throw new Error(`decoder holds ${decoder.bufferedBytes} bytes`);
        at += size;
      }
      for (const result of decoder.end()) { checkResult(result); errors++; }
    }
    // Both outcomes must occur, or the mutations are not reaching the payload readers.
    expect(frames).toBeGreaterThan(1000);
    expect(errors).toBeGreaterThan(50_000);
  });

  it('decodes only canonical payloads: whatever a mutated payload decodes to re-encodes to the same bytes', () => {
    const rand = random(0xc0de);
    let decoded = 0;
    for (let round = 0; round < 20_000; round++) {
      const message = corpus[rand(corpus.length)];
      const body = encodeBody(message);
      for (let i = rand(3) + 1; i > 0 && body.length > 0; i--) body[rand(body.length)] = rand(256);
      let value: PeerMessage | undefined;
      try {
        value = decodeBody(message.kind, body);
      } catch (err) {
        if (!(err instanceof PayloadFieldError)) throw err;
        continue;
      }
      decoded++;
      if (!sameBytes(encodeBody(value), body)) throw new Error(`${message.kind} decoded from bytes it does not re-encode to`);
    }
    expect(decoded).toBeGreaterThan(1000);
  });
});

describe('handshake fuzz', () => {
  it('never establishes from 20,000 mutated handshakes and never throws', () => {
    const rand = random(0xbeef);
    const genuine = handshake();
    const [hello, proof] = genuine.fromInitiator;
    let established = 0;
    for (let round = 0; round < 20_000; round++) {
      // A fresh nonce per connection, as the adapter draws it: the genuine PROOF was made for another one.
      const responder = session({ role: 'responder', localPnn: 1, nonce: nonce(1000 + round) });
      responder.start();
      const stream = concat([hello, proof]);
      for (let i = rand(3) + 1; i > 0; i--) stream[rand(stream.length)] ^= 1 + rand(255);
      // Half the time re-checksum the HELLO, so the mutation gets past the public HELLO MAC.
      if (rand(2) === 0) refreshMac(stream.subarray(0, hello.length), HELLO_MAC_KEY);
      for (let at = 0; at < stream.length;) {
        const size = 1 + rand(stream.length - at);
        const out = responder.receive(stream.subarray(at, at + size));
        for (const event of out.events) {
          if (event.kind === 'established') established++;
          if (event.kind === 'error' && !KNOWN_CODES.has(event.error.code)) throw new Error(event.error.code);
        }
        at += size;
      }
      responder.end();
      if (responder.bufferedBytes > (1 << 20) + HEADER_BYTES) throw new Error('session buffers more than a frame');
    }
    // The genuine HELLO+PROOF belong to another responder's nonce: no mutation of them can be accepted.
    expect(established).toBe(0);
  });

  it('would accept the unmutated handshake replayed to a responder reusing the old nonce: nonces must be fresh', () => {
    // Documents why the adapter must draw a new random nonce per connection (docs/protocol.md, Handshake).
    const genuine = handshake();
    const reused = session({ role: 'responder', localPnn: 1 });
    reused.start();
    const events = reused.receive(concat(genuine.fromInitiator)).events;
    expect(events.map((e) => e.kind)).toEqual(['established']);
  });
});

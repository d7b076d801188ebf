// The frame decoder as a state machine: any split of the stream, and every way a frame can be wrong.

import fc from 'fast-check';
import { ip } from '../../../../src/core/ip';
import { encodeFrame, HEADER_BYTES, MAC_BYTES, MIN_FRAME_BYTES } from '../../../../src/protocol/frame';
import { DecodeResult, FrameDecoder } from '../../../../src/protocol/frame-decoder';
import { HeartbeatMessage, PeerMessage } from '../../../../src/protocol/frame-messages';
import { anyMessageArb } from './arbitraries';
import { CLUSTER_KEY, concat, hmacSha256, OTHER_KEY } from './helpers';

const MAX = 64 * 1024;

const beat = (n: number): HeartbeatMessage => ({
  kind: 'heartbeat', pnn: 2, beat: n, flags: 0, monitor: 'healthy', epoch: 7, leader: 0,
  links: [{ iface: 'eth0', state: 'up' }], hosted: [ip('198.51.100.7'), ip('2001:db8::7')], partition: [0, 1, 2],
  heard: [{ pnn: 0, agoMs: 12 }, { pnn: 1, agoMs: 0 }], voters: [],
});

const frameOf = (message: PeerMessage, seq: number, key = CLUSTER_KEY): Uint8Array => encodeFrame(message, seq, key, hmacSha256, MAX);
const decoder = (maxFrameBytes = MAX): FrameDecoder => new FrameDecoder({ maxFrameBytes, mac: hmacSha256, key: CLUSTER_KEY });
const codes = (results: readonly DecodeResult[]): string[] => results.map((r) => (r.kind === 'error' ? r.error.code : `frame:${r.seq}`));

/** Feeds the stream cut at the given offsets and collects everything. */
function feedSplit(d: FrameDecoder, stream: Uint8Array, cuts: readonly number[]): DecodeResult[] {
  const points = [0, ...[...new Set(cuts)].filter((c) => c > 0 && c < stream.length).sort((a, b) => a - b), stream.length];
  const out: DecodeResult[] = [];
  for (let i = 0; i + 1 < points.length; i++) out.push(...d.push(stream.subarray(points[i], points[i + 1])));
  return out;
}

describe('FrameDecoder splitting', () => {
  const stream = concat([frameOf(beat(0), 0), frameOf(beat(1), 1), frameOf(beat(2), 2)]);
  const whole = decoder().push(stream);

  it('decodes three frames from one chunk', () => {
    expect(codes(whole)).toEqual(['frame:0', 'frame:1', 'frame:2']);
    expect(whole[2]).toEqual({ kind: 'frame', seq: 2, message: beat(2) });
  });

  it('gives the same frames fed one byte at a time', () => {
    const d = decoder();
    const out: DecodeResult[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...d.push(stream.subarray(i, i + 1)));
    expect(out).toEqual(whole);
  });

  it.each([
    ['inside the length field', [2]],
    ['between header and payload', [HEADER_BYTES]],
    ['in the middle of the payload', [40]],
    ['inside the MAC', [stream.length / 3 - 5]],
    ['exactly between frames', [stream.length / 3, (2 * stream.length) / 3]],
    ['at the start, middle and end', [1, stream.length / 2, stream.length - 1]],
  ])('gives the same frames when the stream is cut %s', (_name, cuts) => {
    expect(feedSplit(decoder(), stream, cuts)).toEqual(whole);
  });

  it('gives the same frames for any set of cuts', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 12 }), (cuts) => {
      expect(feedSplit(decoder(), stream, cuts)).toEqual(whole);
    }));
  });

  it('gives the same frames for any messages and any cuts', () => {
    fc.assert(fc.property(fc.array(anyMessageArb, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 8 }), (messages, rawCuts) => {
      const frames = messages.map((m, i) => frameOf(m, i));
      const all = concat(frames);
      const cuts = rawCuts.map((c) => c % (all.length + 1));
      expect(feedSplit(decoder(), all, cuts)).toEqual(messages.map((message, seq) => ({ kind: 'frame', seq, message })));
    }), { numRuns: 200 });
  });

  it('refuses a second chunk before the first is consumed', () => {
    const d = decoder();
    d.feed(stream);
    expect(d.next()?.kind).toBe('frame');
    expect(() => d.feed(stream)).toThrow(expect.objectContaining({ code: 'E_FRAME_SETUP' }));
  });
});

describe('FrameDecoder errors', () => {
  const good = frameOf(beat(0), 0);

  const patched = (at: number, bytes: number[]): Uint8Array => {
    const copy = good.slice();
    copy.set(bytes, at);
    return copy;
  };

  it('rejects a frame longer than the limit from its header alone, buffering none of its payload', () => {
    const d = decoder(1024);
    const results = d.push(concat([patched(0, [0, 0, 0x10, 0]), new Uint8Array(100)]));
    expect(codes(results)).toEqual(['E_FRAME_TOO_LARGE']);
    expect(d.bufferedBytes).toBe(0);
  });

  it('rejects a length too small for header and MAC', () => {
    expect(codes(decoder().push(patched(0, [0, 0, 0, MIN_FRAME_BYTES - 1])))).toEqual(['E_FRAME_TOO_SMALL']);
  });

  it('rejects another frame version, naming both versions', () => {
    const [result] = decoder().push(patched(6, [2]));
    expect(result.kind === 'error' && result.error).toMatchObject({ code: 'E_BAD_VERSION', fatal: true });
    expect(result.kind === 'error' && result.error.message).toMatch(/version 2, this node speaks 1/);
  });

  it('rejects bytes that are not a floatip frame (here an HTTP request)', () => {
    const http = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(codes(decoder().push(http))).toEqual(['E_BAD_MAGIC']);
  });

  it.each([
    ['the length', 3],
    ['the type', 7],
    ['the sequence number', 15],
    ['the payload', HEADER_BYTES + 3],
    ['the MAC', good.length - 1],
  ])('rejects a frame with one bit of %s flipped', (_name, at) => {
    const copy = good.slice();
    copy[at] ^= 0x01;
    // A flipped length bit moves the frame's end by one byte; the trailing zeros complete the longer frame.
    const results = decoder().push(concat([copy, new Uint8Array(300)]));
    expect(codes(results)[0]).toBe('E_BAD_MAC');
  });

  it('rejects a frame MAC\'d under another key', () => {
    expect(codes(decoder().push(frameOf(beat(0), 0, OTHER_KEY)))).toEqual(['E_BAD_MAC']);
  });

  it('rejects a replayed frame', () => {
    expect(codes(decoder().push(concat([good, good])))).toEqual(['frame:0', 'E_REPLAY']);
  });

  it('rejects frames out of order', () => {
    const stream = concat([frameOf(beat(0), 0), frameOf(beat(2), 2), frameOf(beat(1), 1)]);
    expect(codes(decoder().push(stream))).toEqual(['frame:0', 'E_SEQ_GAP']);
  });

  it('reports a stream that ends inside a frame, in the header or after it', () => {
    const inHeader = decoder();
    inHeader.push(good.subarray(0, 5));
    expect(codes(inHeader.end())).toEqual(['E_TRUNCATED']);
    const inPayload = decoder();
    inPayload.push(good.subarray(0, good.length - MAC_BYTES));
    expect(codes(inPayload.end())).toEqual(['E_TRUNCATED']);
    const clean = decoder();
    clean.push(good);
    expect(clean.end()).toEqual([]);
  });

  it('drops a well-framed frame of an unknown type but keeps the stream', () => {
    const unknown = good.slice();
    unknown[7] = 0x7f;
    unknown.set(hmacSha256(CLUSTER_KEY, unknown.subarray(0, unknown.length - MAC_BYTES)), unknown.length - MAC_BYTES);
    const results = decoder().push(concat([unknown, frameOf(beat(1), 1)]));
    expect(codes(results)).toEqual(['E_UNKNOWN_TYPE', 'frame:1']);
    expect(results[0].kind === 'error' && results[0].error.fatal).toBe(false);
  });

  it('drops an authenticated frame with a bad field, naming the field, and keeps the stream', () => {
    const bad = good.slice();
    // links[0].state sits after pnn(4) beat(8) flags(4) ban?(1) monitor(1) epoch(8) leader(4) count(2) name(1+4).
    const stateAt = HEADER_BYTES + 4 + 8 + 4 + 1 + 1 + 8 + 4 + 2 + 5;
    bad[stateAt] = 9;
    bad.set(hmacSha256(CLUSTER_KEY, bad.subarray(0, bad.length - MAC_BYTES)), bad.length - MAC_BYTES);
    const results = decoder().push(concat([bad, frameOf(beat(1), 1)]));
    expect(codes(results)).toEqual(['E_BAD_PAYLOAD', 'frame:1']);
    expect(results[0].kind === 'error' && results[0].error.field).toBe('heartbeat.links[0].state');
  });

  it('ignores everything after a fatal error and holds no bytes', () => {
    const d = decoder();
    expect(codes(d.push(concat([frameOf(beat(0), 0, OTHER_KEY), good])))).toEqual(['E_BAD_MAC']);
    expect(d.push(good)).toEqual([]);
    expect(d.end()).toEqual([]);
    expect(d.poisonedBy?.code).toBe('E_BAD_MAC');
    expect(d.bufferedBytes).toBe(0);
  });

  it('refuses a limit below the header and MAC size', () => {
    expect(() => decoder(MIN_FRAME_BYTES - 1)).toThrow(/maxFrameBytes/);
  });
});

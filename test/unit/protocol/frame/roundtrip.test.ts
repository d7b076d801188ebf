// One generic round trip for every peer message kind: encode -> decode gives back the same value.

import fc from 'fast-check';
import { decodeBody, encodeBody, encodeFrame, DEFAULT_MAX_FRAME_BYTES } from '../../../../src/protocol/frame';
import { FrameDecoder } from '../../../../src/protocol/frame-decoder';
import { MESSAGE_TYPES } from '../../../../src/protocol/frame-message-codecs';
import { PeerMessageKind } from '../../../../src/protocol/frame-messages';
import { MESSAGE_ARBITRARIES } from './arbitraries';
import { CLUSTER_KEY, hmacSha256 } from './helpers';

const kinds = Object.keys(MESSAGE_TYPES) as PeerMessageKind[];

describe('every peer message kind', () => {
  it('has a generator, so none is left out of the round trip', () => {
    expect(Object.keys(MESSAGE_ARBITRARIES).sort()).toEqual([...kinds].sort());
  });

  it('has its own wire type code', () => {
    expect(new Set(Object.values(MESSAGE_TYPES)).size).toBe(kinds.length);
  });

  describe.each(kinds)('%s', (kind) => {
    it('decodes its encoded payload to an equal value, with len() equal to the bytes written', () => {
      fc.assert(fc.property(MESSAGE_ARBITRARIES[kind], (message) => {
        const body = encodeBody(message);
        expect(decodeBody(kind, body)).toEqual(message);
      }), { numRuns: 300 });
    });

    it('survives a whole frame through the decoder with its sequence number', () => {
      fc.assert(fc.property(MESSAGE_ARBITRARIES[kind], fc.integer({ min: 0, max: 5 }), (message, seq) => {
        const decoder = new FrameDecoder({ maxFrameBytes: DEFAULT_MAX_FRAME_BYTES, mac: hmacSha256, key: CLUSTER_KEY });
        const frames = Array.from({ length: seq + 1 }, (_, i) => encodeFrame(message, i, CLUSTER_KEY, hmacSha256, DEFAULT_MAX_FRAME_BYTES));
        const results = frames.flatMap((frame) => decoder.push(frame));
        expect(results).toEqual(frames.map((_, i) => ({ kind: 'frame', seq: i, message })));
      }), { numRuns: 100 });
    });
  });
});

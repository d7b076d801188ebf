import fc from 'fast-check';
import { ip, ipBytes } from '../../../../src/core/ip';
import { addWords, finishChecksum, internetChecksum, upperLayerChecksum } from '../../../../src/protocol/packets';
import { checksumVerifies, hex } from './golden';

describe('internetChecksum', () => {
  it('matches the worked example of RFC 1071 section 3', () => {
    // 0001 f203 f4f5 f6f7 sums to 0x2ddf0, folds to 0xddf2; the checksum is its complement.
    expect(internetChecksum(hex('0001 f203 f4f5 f6f7'))).toBe(~0xddf2 & 0xffff);
  });

  it('pads an odd last byte with zero', () => {
    expect(internetChecksum(hex('ab'))).toBe(internetChecksum(hex('ab00')));
  });

  it('gives the same result when the input is summed in even-length parts', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(100), (bytes, cut) => {
      const at = Math.min(bytes.length, cut * 2);
      const split = finishChecksum(addWords(addWords(0, bytes.subarray(0, at)), bytes.subarray(at)));
      expect(split).toBe(internetChecksum(bytes));
    }));
  });

  it('survives very long inputs without losing carries', () => {
    const ones = Buffer.alloc(1 << 20, 0xff);
    expect(internetChecksum(ones)).toBe(0);
  });
});

describe('upperLayerChecksum', () => {
  it('agrees with the independent verifier for random TCP-sized segments', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 20, maxLength: 64 }), fc.boolean(), (bytes, v6) => {
      const segment = Buffer.from(bytes);
      segment.writeUInt16BE(0, 16);
      const [src, dst] = v6 ? [ip('2001:db8::1'), ip('2001:db8::2')] : [ip('192.0.2.1'), ip('203.0.113.9')];
      segment.writeUInt16BE(upperLayerChecksum(src, dst, 6, segment), 16);
      expect(checksumVerifies(Buffer.from(ipBytes(src)), Buffer.from(ipBytes(dst)), 6, segment)).toBe(true);
    }));
  });
});

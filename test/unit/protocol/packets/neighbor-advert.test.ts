import { ip } from '../../../../src/core/ip';
import { buildUnsolicitedNeighborAdvert, mac, PacketBuildError } from '../../../../src/protocol/packets';
import { checksumVerifies, hex } from './golden';

// RFC 2464 multicast MAC, RFC 8200 header (payload 32, next header 58, hop limit 255),
// RFC 4861 4.4 NA (type 136, flags R=0 S=0 O=1) and option 2 (target link-layer, length 1).
const NODE_MAC = mac('02:00:00:00:00:0a');
const PUBLIC = ip('2001:db8::a');

describe('buildUnsolicitedNeighborAdvert', () => {
  const frame = buildUnsolicitedNeighborAdvert(NODE_MAC, PUBLIC);

  it('matches the golden frame byte for byte', () => {
    expect(frame.toString('hex')).toBe(hex(`
      333300000001 | 02000000000a | 86dd
      60000000 | 0020 | 3a | ff
      20010db8 00000000 00000000 0000000a
      ff020000 00000000 00000000 00000001
      88 | 00 | f90f | 20000000
      20010db8 00000000 00000000 0000000a
      02 | 01 | 02000000000a`).toString('hex'));
  });

  it('carries an ICMPv6 checksum that an independent computation accepts', () => {
    const ipv6 = frame.subarray(14, 54);
    expect(checksumVerifies(ipv6.subarray(8, 24), ipv6.subarray(24, 40), 58, frame.subarray(54))).toBe(true);
  });

  it('changes the checksum with the address (it is computed, not fixed)', () => {
    const other = buildUnsolicitedNeighborAdvert(NODE_MAC, ip('2001:db8::b'));
    expect(other.readUInt16BE(56)).not.toBe(frame.readUInt16BE(56));
    expect(checksumVerifies(other.subarray(22, 38), other.subarray(38, 54), 58, other.subarray(54))).toBe(true);
  });

  it('refuses an IPv4 address', () => {
    expect(() => buildUnsolicitedNeighborAdvert(NODE_MAC, ip('192.0.2.1'))).toThrow(PacketBuildError);
  });
});

import { ip } from '../../../../src/core/ip';
import { buildNeighborSolicitProbe, mac, solicitedNode } from '../../../../src/protocol/packets';
import { checksumVerifies, hex } from './golden';

// RFC 4862 5.4.2 DAD probe: source ::, destination the solicited-node group ff02::1:ff00:a
// (RFC 4291 2.7.1), its MAC 33:33:ff:00:00:0a (RFC 2464 7), hop limit 255, payload 24:
// NS type 135, code 0, checksum (computed apart with Python's struct), reserved, target,
// and no source link-layer option (RFC 4861 7.1.1 forbids it with an unspecified source).
const NODE_MAC = mac('02:00:00:00:00:0a');
const PUBLIC = ip('2001:db8::a');

describe('buildNeighborSolicitProbe', () => {
  const frame = buildNeighborSolicitProbe(NODE_MAC, PUBLIC);

  it('matches the golden frame byte for byte', () => {
    expect(frame.toString('hex')).toBe(hex(`
      3333ff00000a | 02000000000a | 86dd
      60000000 | 0018 | 3a | ff
      00000000 00000000 00000000 00000000
      ff020000 00000000 00000001 ff00000a
      87 | 00 | 4cdb | 00000000
      20010db8 00000000 00000000 0000000a`).toString('hex'));
  });

  it('carries an ICMPv6 checksum that an independent computation accepts', () => {
    expect(checksumVerifies(frame.subarray(22, 38), frame.subarray(38, 54), 58, frame.subarray(54))).toBe(true);
    const other = buildNeighborSolicitProbe(NODE_MAC, ip('2001:db8::1:2:3'));
    expect(checksumVerifies(other.subarray(22, 38), other.subarray(38, 54), 58, other.subarray(54))).toBe(true);
  });

  it('sends to the solicited-node group of the low 24 bits', () => {
    expect(solicitedNode(ip('2001:db8::12:3456')).text).toBe('ff02::1:ff12:3456');
    expect(buildNeighborSolicitProbe(NODE_MAC, ip('2001:db8::12:3456')).subarray(0, 6).toString('hex')).toBe('3333ff123456');
  });

  it('refuses an IPv4 address with a typed error', () => {
    expect(() => buildNeighborSolicitProbe(NODE_MAC, ip('192.0.2.1'))).toThrow(expect.objectContaining({ code: 'E_PACKET_FAMILY' }));
  });
});

import { ip } from '../../../../src/core/ip';
import { buildArpProbe, buildGratuitousArp, mac, PacketBuildError } from '../../../../src/protocol/packets';
import { hex } from './golden';

// RFC 826 / RFC 5227 layout: Ethernet header, then htype ptype hlen plen op sha spa tha tpa,
// padded with zeros to the 60-byte Ethernet minimum.
const NODE_MAC = mac('02:00:00:00:00:0a');
const PUBLIC = ip('192.0.2.10');
const PADDING = '00'.repeat(18);

describe('buildGratuitousArp', () => {
  it('builds the broadcast request: sender = target = the address, target MAC zero', () => {
    expect(buildGratuitousArp('request', NODE_MAC, PUBLIC).toString('hex')).toBe(hex(`
      ffffffffffff | 02000000000a | 0806
      0001 | 0800 | 06 | 04 | 0001
      02000000000a | c000020a | 000000000000 | c000020a
      ${PADDING}`).toString('hex'));
  });

  it('builds the unsolicited reply: target MAC is our own', () => {
    expect(buildGratuitousArp('reply', NODE_MAC, PUBLIC).toString('hex')).toBe(hex(`
      ffffffffffff | 02000000000a | 0806
      0001 | 0800 | 06 | 04 | 0002
      02000000000a | c000020a | 02000000000a | c000020a
      ${PADDING}`).toString('hex'));
  });

  it('refuses an IPv6 address with a typed error', () => {
    expect(() => buildGratuitousArp('request', NODE_MAC, ip('2001:db8::1'))).toThrow(PacketBuildError);
    try {
      buildGratuitousArp('request', NODE_MAC, ip('2001:db8::1'));
    } catch (error) {
      expect((error as PacketBuildError).code).toBe('E_PACKET_FAMILY');
      expect((error as Error).message).toMatch(/neighbour advertisement/);
    }
  });
});

describe('buildArpProbe', () => {
  it('builds the RFC 5227 probe: sender address 0.0.0.0, target MAC zero, target = the address', () => {
    expect(buildArpProbe(NODE_MAC, PUBLIC).toString('hex')).toBe(hex(`
      ffffffffffff | 02000000000a | 0806
      0001 | 0800 | 06 | 04 | 0001
      02000000000a | 00000000 | 000000000000 | c000020a
      ${PADDING}`).toString('hex'));
  });

  it('refuses an IPv6 address with a typed error', () => {
    expect(() => buildArpProbe(NODE_MAC, ip('2001:db8::1'))).toThrow(expect.objectContaining({ code: 'E_PACKET_FAMILY' }));
  });
});

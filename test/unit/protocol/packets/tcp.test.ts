import { ip } from '../../../../src/core/ip';
import { buildTcpReset, buildTickle, PacketBuildError, TcpConnection } from '../../../../src/protocol/packets';
import { checksumVerifies, hex, ipv4HeaderVerifies } from './golden';

// RFC 791 IPv4 header (version 4, IHL 5, total 40, id 0, no fragment flags, TTL 64, protocol 6),
// RFC 8200 IPv6 header (payload 20, next header 6, hop limit 64), RFC 9293 TCP header (data
// offset 5, no options). Tickle: ACK, seq 0, ack 0, window 1234 (0x04d2), as CTDB sends it.
const V4: TcpConnection = {
  server: { address: ip('198.51.100.7'), port: 445 },
  client: { address: ip('203.0.113.5'), port: 50000 },
};
const V6: TcpConnection = {
  server: { address: ip('2001:db8::7'), port: 445 },
  client: { address: ip('2001:db8:1::5'), port: 50000 },
};
const V6_HEADER = `
  60000000 | 0014 | 06 | 40
  20010db8 00000000 00000000 00000007
  20010db8 00010000 00000000 00000005`;

describe('buildTickle', () => {
  it('builds the IPv4 tickle byte for byte', () => {
    expect(buildTickle(V4).toString('hex')).toBe(hex(`
      45 | 00 | 0028 | 0000 | 0000 | 40 | 06 | 1490 | c6336407 | cb007105
      01bd | c350 | 00000000 | 00000000 | 50 | 10 | 04d2 | 7fb4 | 0000`).toString('hex'));
  });

  it('builds the IPv6 tickle byte for byte', () => {
    expect(buildTickle(V6).toString('hex')).toBe(hex(`${V6_HEADER}
      01bd | c350 | 00000000 | 00000000 | 50 | 10 | 04d2 | 8a76 | 0000`).toString('hex'));
  });

  it('has checksums that an independent computation accepts', () => {
    const v4 = buildTickle(V4);
    expect(ipv4HeaderVerifies(v4.subarray(0, 20))).toBe(true);
    expect(checksumVerifies(v4.subarray(12, 16), v4.subarray(16, 20), 6, v4.subarray(20))).toBe(true);
    const v6 = buildTickle(V6);
    expect(checksumVerifies(v6.subarray(8, 24), v6.subarray(24, 40), 6, v6.subarray(40))).toBe(true);
  });
});

describe('buildTcpReset', () => {
  it('builds a bare RST with the given sequence number (IPv4)', () => {
    expect(buildTcpReset(V4, 0x12345678).toString('hex')).toBe(hex(`
      45 | 00 | 0028 | 0000 | 0000 | 40 | 06 | 1490 | c6336407 | cb007105
      01bd | c350 | 12345678 | 00000000 | 50 | 04 | 04d2 | 1714 | 0000`).toString('hex'));
  });

  it('builds RST+ACK when an acknowledgement number is given (IPv6)', () => {
    expect(buildTcpReset(V6, 0x12345678, 0x9abcdef0).toString('hex')).toBe(hex(`${V6_HEADER}
      01bd | c350 | 12345678 | 9abcdef0 | 50 | 14 | 04d2 | a818 | 0000`).toString('hex'));
  });

  it('keeps checksums right over the whole sequence space', () => {
    for (const seq of [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]) {
      const v4 = buildTcpReset(V4, seq, 0xffffffff - seq);
      expect(checksumVerifies(v4.subarray(12, 16), v4.subarray(16, 20), 6, v4.subarray(20))).toBe(true);
      const v6 = buildTcpReset(V6, seq);
      expect(checksumVerifies(v6.subarray(8, 24), v6.subarray(24, 40), 6, v6.subarray(40))).toBe(true);
    }
  });

  it.each([
    ['a sequence number out of range', () => buildTcpReset(V4, 2 ** 32), 'E_PACKET_FIELD', /not a 32-bit/],
    ['a negative acknowledgement', () => buildTcpReset(V4, 1, -1), 'E_PACKET_FIELD', /acknowledgement number -1/],
    ['port 0', () => buildTickle({ ...V4, client: { ...V4.client, port: 0 } }), 'E_PACKET_FIELD', /port 0 of 203\.0\.113\.5/],
    ['mixed families', () => buildTickle({ server: V4.server, client: V6.client }), 'E_PACKET_FAMILY', /mixes IPv4 and IPv6/],
  ])('refuses %s', (_name, build, code, message) => {
    expect(build).toThrow(PacketBuildError);
    expect(build).toThrow(message);
    try { build(); } catch (error) { expect((error as PacketBuildError).code).toBe(code); }
  });
});

// Byte-exact tests of the sock_diag codec against layouts written out by hand from linux/inet_diag.h.

import { ip } from '../../../src/core/ip';
import {
  decodeDiagMessage, encodeDestroyRequest, encodeDumpRequest, mapIpv4, stateMask, unmapIpv4,
} from '../../../src/protocol/sockdiag';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('sock_diag requests', () => {
  it('dumps TCP sockets of one family in the given states, any cookie', () => {
    expect(hex(encodeDumpRequest(4, stateMask(['ESTABLISHED'])))).toBe(
      '02060000' + '02000000' + '0'.repeat(80) + 'ffffffff' + 'ffffffff');
    expect(encodeDumpRequest(6, stateMask(['ESTABLISHED', 'LISTEN']))[0]).toBe(10);
    expect(stateMask(['ESTABLISHED', 'LISTEN'])).toBe((1 << 1) | (1 << 10));
  });

  it('destroys one IPv4 socket by its full identity and cookie', () => {
    const request = encodeDestroyRequest(4, {
      localAddress: ip('192.0.2.10'), localPort: 445, remoteAddress: ip('198.51.100.20'), remotePort: 50000,
      interfaceIndex: 3, cookie: [0x11223344, 0x55],
    });
    expect(hex(request)).toBe(
      '02060000' + 'ffffffff' +
      '01bd' + 'c350' +
      'c000020a' + '0'.repeat(24) +
      'c6336414' + '0'.repeat(24) +
      '03000000' + '44332211' + '55000000');
  });

  it('writes IPv4 clients of an IPv6 socket as mapped addresses', () => {
    const request = encodeDestroyRequest(6, {
      localAddress: ip('192.0.2.10'), localPort: 80, remoteAddress: ip('2001:db8::1'), remotePort: 1,
      interfaceIndex: 0,
    });
    expect(hex(request.subarray(12, 28))).toBe('00000000000000000000ffffc000020a');
    expect(hex(request.subarray(28, 44))).toBe('20010db8000000000000000000000001');
    expect(hex(request.subarray(48, 56))).toBe('ffffffffffffffff');
  });

  it('refuses an IPv6 address on an IPv4 socket, naming both addresses', () => {
    expect(() => encodeDestroyRequest(4, {
      localAddress: ip('2001:db8::1'), localPort: 1, remoteAddress: ip('192.0.2.1'), remotePort: 2, interfaceIndex: 0,
    })).toThrow(/2001:db8::1 and 192\.0\.2\.1/);
  });
});

describe('sock_diag replies', () => {
  const message = (family: number, src: string, dst: string): Uint8Array => Buffer.from(
    family.toString(16).padStart(2, '0') + '01' + '0000' +
    '01bd' + 'c350' + src + dst + '02000000' + '07000000' + '08000000' +
    '00000000' + '00000000' + '00000000' + 'e8030000' + '39300000', 'hex');

  it('decodes an IPv4 inet_diag_msg', () => {
    const info = decodeDiagMessage(message(2, 'c000020a' + '0'.repeat(24), 'c6336414' + '0'.repeat(24)));
    expect(info).toEqual({
      family: 4, state: 1, uid: 1000, inode: 12345,
      id: {
        localAddress: ip('192.0.2.10'), localPort: 445, remoteAddress: ip('198.51.100.20'), remotePort: 50000,
        interfaceIndex: 2, cookie: [7, 8],
      },
    });
  });

  it('decodes an IPv6 inet_diag_msg, at an offset inside a larger buffer', () => {
    const body = message(10, '20010db8000000000000000000000010', '00000000000000000000ffffc6336414');
    const framed = new Uint8Array(body.length + 5);
    framed.set(body, 5);
    const info = decodeDiagMessage(framed.subarray(5));
    expect(info.id.localAddress.text).toBe('2001:db8::10');
    expect(unmapIpv4(info.id.remoteAddress).text).toBe('198.51.100.20');
  });

  it('rejects short or foreign messages', () => {
    expect(() => decodeDiagMessage(new Uint8Array(71))).toThrow(/71 bytes/);
    const foreign = message(2, '0'.repeat(32), '0'.repeat(32));
    foreign[0] = 1;
    expect(() => decodeDiagMessage(foreign)).toThrow(/family 1/);
  });

  it('maps and unmaps IPv4 inside IPv6, leaving other addresses alone', () => {
    expect(mapIpv4(ip('192.0.2.1')).text).toBe('::ffff:c000:201');
    expect(unmapIpv4(mapIpv4(ip('192.0.2.1'))).text).toBe('192.0.2.1');
    expect(unmapIpv4(ip('2001:db8::ffff:c000:201')).text).toBe('2001:db8::ffff:c000:201');
    expect(mapIpv4(ip('2001:db8::1')).text).toBe('2001:db8::1');
  });
});

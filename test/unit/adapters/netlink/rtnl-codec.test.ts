// rtnetlink address/link encoding and decoding against bytes written out from linux/if_addr.h and linux/rtnetlink.h.

import { NetlinkMessage } from 'netlink';
import { ip } from '../../../../src/core/ip';
import { decodeAddress, decodeLink, encodeAddress, RTM_NEWADDR, RTM_NEWLINK } from '../../../../src/adapters/netlink/rtnl-codec';
import { requireIfaProto } from '../../../../src/adapters/netlink/rtnetlink';

const hex = (parts: Uint8Array[]): string => Buffer.concat(parts).toString('hex');
const message = (type: number, data: string): NetlinkMessage => ({ type, flags: 0, seq: 0, port: 0, data: Buffer.from(data, 'hex') });

describe('encodeAddress', () => {
  it('writes an IPv4 add with IFA_LOCAL, IFA_ADDRESS and the IFA_PROTO tag', () => {
    expect(hex(encodeAddress({ index: 3, address: ip('192.0.2.9'), bits: 24, proto: 0xf1 }))).toBe(
      '02' + '18' + '00' + '00' + '03000000' + // ifaddrmsg: AF_INET, /24, no flags, scope 0, ifindex 3
      '0800' + '0200' + 'c0000209' + // IFA_LOCAL
      '0800' + '0100' + 'c0000209' + // IFA_ADDRESS
      '0500' + '0b00' + 'f1'); // IFA_PROTO (the last attribute needs no padding)
  });

  it('writes an IPv6 add with NODAD in the header and in IFA_FLAGS, no IFA_LOCAL', () => {
    expect(hex(encodeAddress({ index: 3, address: ip('2001:db8::9'), bits: 64, proto: 0xf1 }))).toBe(
      '0a' + '40' + '02' + '00' + '03000000' +
      '1400' + '0100' + '20010db8000000000000000000000009' +
      '0800' + '0800' + '02000000' +
      '0500' + '0b00' + 'f1');
  });

  it('writes a delete without the tag', () => {
    expect(hex(encodeAddress({ index: 3, address: ip('192.0.2.9'), bits: 24 }))).not.toContain('0b00f1');
  });
});

describe('decodeAddress', () => {
  it('reads address, prefix, tag, label and the 32-bit IFA_FLAGS', () => {
    const decoded = decodeAddress(message(RTM_NEWADDR,
      '02' + '18' + '80' + '00' + '03000000' +
      '0800' + '0100' + 'c6336401' + // IFA_ADDRESS (peer on point-to-point) differs from ...
      '0800' + '0200' + 'c0000209' + // ... IFA_LOCAL, which is the interface's own address
      '0a00' + '0300' + '666e6c3000000000' + // IFA_LABEL "fnl0"
      '0500' + '0b00' + 'f1000000' +
      '0800' + '0800' + '40000000')); // IFA_FLAGS: tentative
    expect(decoded).toEqual({ index: 3, address: ip('192.0.2.9'), bits: 24, proto: 0xf1, label: 'fnl0', tentative: true, dadFailed: false, secondary: false });
  });

  it('reads the secondary flag of IPv4 only', () => {
    const v4 = decodeAddress(message(RTM_NEWADDR, '02' + '18' + '81' + '00' + '03000000' + '0800' + '0200' + 'c0000209'));
    expect(v4).toMatchObject({ address: ip('192.0.2.9'), secondary: true });
    // 0x01 is IFA_F_TEMPORARY for IPv6, which has no primaries.
    const v6 = decodeAddress(message(RTM_NEWADDR, '0a' + '40' + '01' + '00' + '05000000' + '1400' + '0100' + '20010db8000000000000000000000009'));
    expect(v6).toMatchObject({ address: ip('2001:db8::9'), secondary: false });
  });

  it('reads dadfailed IPv6 and ignores other families', () => {
    const decoded = decodeAddress(message(RTM_NEWADDR,
      '0a' + '40' + '08' + '00' + '05000000' + '1400' + '0100' + '20010db8000000000000000000000009'));
    expect(decoded).toMatchObject({ address: ip('2001:db8::9'), bits: 64, proto: 0, tentative: false, dadFailed: true });
    expect(decodeAddress(message(RTM_NEWADDR, '11' + '00' + '00' + '00' + '05000000'))).toBeUndefined();
  });

  it('rejects truncated or address-less messages', () => {
    expect(() => decodeAddress(message(RTM_NEWADDR, '0218'))).toThrow(/shorter than ifaddrmsg/);
    expect(() => decodeAddress(message(RTM_NEWADDR, '02180000' + '03000000'))).toThrow(/without a valid address/);
  });
});

describe('decodeLink', () => {
  const link = (flags: string, operstate: string): NetlinkMessage => message(RTM_NEWLINK,
    '00' + '00' + '0100' + '07000000' + flags + '00000000' + // ifinfomsg: ARPHRD_ETHER, index 7, flags, change
    '0b00' + '0300' + '666e6c306100' + '0000' + // IFLA_IFNAME "fnl0a"
    '0a00' + '0100' + '02fc00000001' + '0000' + // IFLA_ADDRESS
    '0500' + '1000' + operstate + '000000'); // IFLA_OPERSTATE

  it('reads name, index, MAC and operstate; up means IFF_UP and IFF_RUNNING', () => {
    expect(decodeLink(link('43100100', '06'))).toEqual({ index: 7, name: 'fnl0a', mac: '02:fc:00:00:00:01', operState: 'up', state: 'up' });
    expect(decodeLink(link('03100000', '03'))).toMatchObject({ operState: 'lowerlayerdown', state: 'down' });
    expect(decodeLink(link('02100000', '02'))).toMatchObject({ operState: 'down', state: 'down' });
  });
});

describe('requireIfaProto', () => {
  it('accepts Linux 6.1 and later, and refuses older kernels with what to do', () => {
    expect(() => requireIfaProto('6.1.0-13-amd64')).not.toThrow();
    expect(() => requireIfaProto('6.18.44-fc')).not.toThrow();
    expect(() => requireIfaProto('7.0.1')).not.toThrow();
    expect(() => requireIfaProto('5.14.0-362.el9.x86_64')).toThrow(/needs 6\.1 or later.*upgrade the kernel/);
    expect(() => requireIfaProto('6.0.9')).toThrow(expect.objectContaining({ code: 'E_NETLINK_KERNEL' }));
  });
});

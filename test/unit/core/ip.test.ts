import { compareIp, ip, ipBytes, ipFromBytes, parseIp, parsePrefix } from '../../../src/core/ip';

describe('parseIp', () => {
  it.each([
    ['192.0.2.1', 4, '192.0.2.1', [0, 0, 0, 0xc0000201]],
    ['0.0.0.0', 4, '0.0.0.0', [0, 0, 0, 0]],
    ['255.255.255.255', 4, '255.255.255.255', [0, 0, 0, 0xffffffff]],
    ['2001:DB8::1', 6, '2001:db8::1', [0x20010db8, 0, 0, 1]],
    ['2001:db8:0:0:1:0:0:1', 6, '2001:db8::1:0:0:1', [0x20010db8, 0, 0x00010000, 1]],
    ['2001:db8:0:1:1:1:1:1', 6, '2001:db8:0:1:1:1:1:1', [0x20010db8, 1, 0x00010001, 0x00010001]],
    ['::', 6, '::', [0, 0, 0, 0]],
    ['::ffff:192.0.2.1', 6, '::ffff:c000:201', [0, 0, 0xffff, 0xc0000201]],
    ['fe80::', 6, 'fe80::', [0xfe800000, 0, 0, 0]],
  ])('%s', (text, family, canonical, words) => {
    const parsed = parseIp(text);
    expect(parsed).toEqual({ ok: true, value: { family, text: canonical, words } });
  });

  it.each([
    ['198.51.100.300', '198.51.100.300 is not an IPv4 address'],
    ['198.51.100', '198.51.100 is not an IPv4 address'],
    ['01.2.3.4', '01.2.3.4 is not an IPv4 address'],
    ['', ' is not an IPv4 address'],
    ['2001:db8::1::2', '2001:db8::1::2 is not an IPv6 address'],
    ['2001:db8:1:2:3:4:5:6:7', '2001:db8:1:2:3:4:5:6:7 is not an IPv6 address'],
    ['2001:db8::g', '2001:db8::g is not an IPv6 address'],
    ['1:2:3:4:5:6:7::8', '1:2:3:4:5:6:7::8 is not an IPv6 address'],
  ])('rejects %s', (text, error) => {
    expect(parseIp(text)).toEqual({ ok: false, error });
  });
});

describe('parsePrefix', () => {
  it('reads ADDR/BITS', () => {
    expect(parsePrefix('203.0.113.9/24')).toEqual({ ok: true, value: { address: ip('203.0.113.9'), bits: 24 } });
    expect(parsePrefix('2001:db8::9/64')).toEqual({ ok: true, value: { address: ip('2001:db8::9'), bits: 64 } });
  });
  it.each([
    ['203.0.113.9', 'has no prefix length'],
    ['203.0.113.9/33', 'prefix length must be 0..32'],
    ['2001:db8::9/129', 'prefix length must be 0..128'],
    ['203.0.113.9/x', 'prefix length must be 0..32'],
    ['203.0.113.999/24', 'is not an IPv4 address'],
  ])('rejects %s', (text, error) => {
    const parsed = parsePrefix(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(error);
  });
});

describe('ordering and bytes', () => {
  it('sorts by the 128-bit key, IPv4 in the low word as in CTDB', () => {
    const sorted = ['2001:db8::1', '192.0.2.10', '192.0.2.9', '::1'].map(ip).sort(compareIp).map((a) => a.text);
    expect(sorted).toEqual(['::1', '192.0.2.9', '192.0.2.10', '2001:db8::1']);
  });
  it('round-trips through bytes', () => {
    for (const text of ['192.0.2.77', '2001:db8::abcd:1']) {
      expect(ipFromBytes(ipBytes(ip(text)))).toEqual(ip(text));
    }
    expect(Array.from(ipBytes(ip('192.0.2.1')))).toEqual([192, 0, 2, 1]);
  });
});

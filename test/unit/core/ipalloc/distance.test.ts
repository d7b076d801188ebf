// LCP2's distance metric and node imbalance, against values worked out from CTDB's definition.

import { ip } from '../../../../src/core/ip';
import { ipDistance, layoutImbalances, nodeImbalance } from '../../../../src/core/ipalloc';

describe('ipDistance (CTDB ip_distance)', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1', 128],
    ['192.0.2.1', '192.0.2.2', 126], // last octets 1^2 = 3: 30 leading zeros in word 3, plus 96
    ['192.0.2.2', '192.0.2.3', 127],
    ['192.0.2.1', '192.0.2.4', 125],
    ['192.0.2.1', '198.51.100.1', 101], // 192^198 = 6: 5 leading zeros
    ['192.0.2.1', '203.0.113.1', 100], // 192^203 = 11: 4 leading zeros
    ['0.0.0.0', '255.255.255.255', 96],
    ['2001:db8::1', '2001:db8::2', 126],
    // Not a plain common prefix: word 1 differs (15 zeros) but words 2 and 3 still add 32 + 32.
    ['2001:db8:1::1', '2001:db8::1', 111],
    ['2001:db8:1::1', '2001:db8::2', 109],
    // IPv4 against IPv6: word 0 is 0 vs 0x20010db8 (2 zeros), words 1-2 zero, word 3 top bit differs.
    ['192.0.2.1', '2001:db8::1', 66],
  ])('%s to %s is %d', (a, b, d) => {
    expect(ipDistance(ip(a), ip(b))).toBe(d);
    expect(ipDistance(ip(b), ip(a))).toBe(d);
  });
});

describe('nodeImbalance (CTDB lcp2_imbalance)', () => {
  it('is 0 for zero or one address and the sum of squared pair distances otherwise', () => {
    expect(nodeImbalance([])).toBe(0);
    expect(nodeImbalance([ip('192.0.2.1')])).toBe(0);
    expect(nodeImbalance([ip('192.0.2.1'), ip('192.0.2.2'), ip('198.51.100.1')])).toBe(126 ** 2 + 101 ** 2 + 101 ** 2);
  });

  it('wraps at 2^32 like CTDB\'s uint32_t', () => {
    const addrs = Array.from({ length: 800 }, (_, k) => ip(`198.18.${k >> 8}.${k & 255}`));
    let exact = 0n;
    for (let i = 0; i < addrs.length; i++) {
      for (let j = i + 1; j < addrs.length; j++) exact += BigInt(ipDistance(addrs[i], addrs[j]) ** 2);
    }
    expect(exact).toBeGreaterThan(2n ** 32n);
    expect(nodeImbalance(addrs)).toBe(Number(exact % 2n ** 32n));
  });

  it('layoutImbalances groups by holder and ignores unhosted addresses', () => {
    const a = ip('192.0.2.1');
    const b = ip('192.0.2.2');
    const c = ip('192.0.2.3');
    expect(layoutImbalances(3, [[a, 0], [b, 0], [c, -1]])).toEqual([126 ** 2, 0, 0]);
  });
});

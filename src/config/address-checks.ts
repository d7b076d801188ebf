// Address sanity shared by nodes and public_addresses: IPv4-mapped forms, and addresses no node can use.

import { IpAddress, ipBytes, ipFromBytes } from '../core/ip';

/** `::ffff:a.b.c.d` as the IPv4 address `a.b.c.d`, as CTDB's parser does; other addresses unchanged. */
export function unmapIpv4(addr: IpAddress): IpAddress {
  const [w0, w1, w2] = addr.words;
  if (addr.family === 6 && w0 === 0 && w1 === 0 && w2 === 0xffff) return ipFromBytes(ipBytes(addr).slice(12));
  return addr;
}

export function isIpv4Mapped(addr: IpAddress): boolean {
  return unmapIpv4(addr) !== addr;
}

/**
 * Why no node could own this address, or undefined when it is usable:
 * unspecified, loopback, multicast, IPv4 broadcast, IPv6 link-local.
 */
export function unusableReason(addr: IpAddress): string | undefined {
  const [w0, , , w3] = addr.words;
  if (addr.family === 4) {
    if (w3 === 0) return 'the unspecified address';
    if (w3 >>> 24 === 127) return 'a loopback address';
    if (w3 >>> 28 === 0xe) return 'a multicast address';
    if (w3 === 0xffffffff) return 'the broadcast address';
    return undefined;
  }
  if (addr.words.every((w) => w === 0)) return 'the unspecified address';
  if (addr.text === '::1') return 'the loopback address';
  if (w0 >>> 24 === 0xff) return 'a multicast address';
  if (w0 >>> 22 === 0x3fa) return 'a link-local address (it needs a zone, and only one link can reach it)';
  return undefined;
}

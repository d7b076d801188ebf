// The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-headers that TCP and ICMPv6 sum over.

import { IpAddress, ipBytes } from '../../core/ip';

/**
 * Adds `bytes` as big-endian 16-bit words to a running 32-bit sum; an odd last
 * byte counts as its high half. Sums of several parts may be chained only when
 * every part but the last has even length, which holds for all headers here.
 */
export function addWords(sum: number, bytes: Uint8Array): number {
  let total = sum;
  const even = bytes.length & ~1;
  for (let i = 0; i < even; i += 2) total += (bytes[i] << 8) | bytes[i + 1];
  if (bytes.length !== even) total += bytes[even] << 8;
  // Fold now and then so the sum never leaves the safe integer range.
  return total > 0x7fffffff ? (total & 0xffff) + Math.floor(total / 0x10000) : total;
}

/** One's complement of the folded sum: the value to store in a checksum field. */
export function finishChecksum(sum: number): number {
  let folded = sum;
  while (folded > 0xffff) folded = (folded & 0xffff) + Math.floor(folded / 0x10000);
  return ~folded & 0xffff;
}

/** The checksum of one run of bytes (an IPv4 header, say) whose checksum field is zero. */
export function internetChecksum(bytes: Uint8Array): number {
  return finishChecksum(addWords(0, bytes));
}

/**
 * The sum of the pseudo-header that TCP (RFC 9293) and ICMPv6 (RFC 8200 section 8.1)
 * put in front of their checksum: source, destination, upper-layer length and protocol.
 * The layout differs between IPv4 and IPv6 but the one's complement sum does not care
 * where the length and protocol sit, only that both are added.
 */
export function pseudoHeaderSum(source: IpAddress, destination: IpAddress, protocol: number, length: number): number {
  let sum = addWords(0, ipBytes(source));
  sum = addWords(sum, ipBytes(destination));
  return sum + protocol + (length & 0xffff) + Math.floor(length / 0x10000);
}

/**
 * The checksum of an upper-layer segment (checksum field zero) with its pseudo-header.
 * A result of zero is sent as 0xffff, as UDP requires and TCP and ICMPv6 accept,
 * because both mean "sum is zero" in one's complement.
 */
export function upperLayerChecksum(source: IpAddress, destination: IpAddress, protocol: number, segment: Uint8Array): number {
  const value = finishChecksum(addWords(pseudoHeaderSum(source, destination, protocol, segment.length), segment));
  return value === 0 ? 0xffff : value;
}

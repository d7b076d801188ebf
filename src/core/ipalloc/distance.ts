// LCP2's metric: the distance between two addresses and a node's imbalance, over CTDB's 128-bit keys.

import { IpAddress } from '../ip';
import { Pnn } from '../flags';

/**
 * CTDB's `ip_distance`: for each of the four 32-bit key words, the number of leading zero bits
 * of the XOR of the two words (32 when they are equal), summed. It is not the plain common-prefix
 * length: the words after the first difference still add their own leading zeros. IPv4 keys carry
 * 96 zero bits, so two IPv4 addresses are always at least 96 apart.
 */
export function ipDistance(a: IpAddress, b: IpAddress): number {
  return (
    Math.clz32(a.words[0] ^ b.words[0]) +
    Math.clz32(a.words[1] ^ b.words[1]) +
    Math.clz32(a.words[2] ^ b.words[2]) +
    Math.clz32(a.words[3] ^ b.words[3])
  );
}

/** The same distance over keys packed four words per address in one array (the allocator's fast path). */
export function keyDistance(keys: Uint32Array, i: number, j: number): number {
  const a = 4 * i;
  const b = 4 * j;
  return (
    Math.clz32(keys[a] ^ keys[b]) +
    Math.clz32(keys[a + 1] ^ keys[b + 1]) +
    Math.clz32(keys[a + 2] ^ keys[b + 2]) +
    Math.clz32(keys[a + 3] ^ keys[b + 3])
  );
}

/**
 * CTDB's `lcp2_imbalance` of one node: the sum over every pair of addresses it holds of the squared
 * distance. CTDB keeps it in a uint32_t, so it wraps at 2^32; so does this.
 */
export function nodeImbalance(addresses: readonly IpAddress[]): number {
  let sum = 0;
  for (let i = 0; i < addresses.length; i++) {
    for (let j = i + 1; j < addresses.length; j++) {
      const d = ipDistance(addresses[i], addresses[j]);
      sum = (sum + d * d) >>> 0;
    }
  }
  return sum;
}

/** Per-node LCP2 imbalance of a layout (address -> holder); unhosted addresses count for nobody. */
export function layoutImbalances(
  nodeCount: number,
  layout: Iterable<readonly [IpAddress, Pnn]>,
): number[] {
  const byNode: IpAddress[][] = Array.from({ length: nodeCount }, () => []);
  for (const [addr, pnn] of layout) if (pnn >= 0 && pnn < nodeCount) byNode[pnn].push(addr);
  return byNode.map(nodeImbalance);
}

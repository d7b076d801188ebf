// Public addresses and interface link state: what the cluster serves, and where it can go.

import { IpAddress } from './ip';
import { Pnn } from './flags';

/** One line of `public_addresses`: an address, its prefix length, and the interfaces it may use. */
export interface PublicAddress {
  readonly address: IpAddress;
  /** Prefix length for the kernel address (`198.51.100.7/24` -> 24). */
  readonly bits: number;
  /** Interfaces in the order given in `public_addresses`; the first one with link is preferred. */
  readonly interfaces: readonly string[];
}

/** Link state of a network interface as the kernel reports it. */
export type LinkState = 'up' | 'down';

/** Interface name -> link state, for one node. */
export type InterfaceLinks = ReadonlyMap<string, LinkState>;

/** Who hosts an address: a node number, or NO_NODE (-1). Keyed by the address's canonical text. */
export type Assignment = ReadonlyMap<string, Pnn>;

/** The interfaces of `addr` that have link on a node, in configured order. */
export function usableInterfaces(addr: PublicAddress, links: InterfaceLinks): string[] {
  return addr.interfaces.filter((name) => links.get(name) === 'up');
}

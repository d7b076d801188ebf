// The netlink ports: kernel addresses and links as the daemon sees them, and the events that change them.

import { IpAddress } from '../../core/ip';
import { LinkState } from '../../core/address';

/** An address as the kernel holds it on one interface. */
export interface InterfaceAddress {
  readonly interface: string;
  readonly index: number;
  readonly address: IpAddress;
  readonly bits: number;
  /** True when floatip added it (it carries floatip's IFA_PROTO tag), so floatip may remove it. */
  readonly owned: boolean;
  /** IPv6 duplicate address detection still running: the address does not answer yet. */
  readonly tentative: boolean;
  /** IPv6 duplicate address detection failed: the address will never answer. */
  readonly dadFailed: boolean;
  /**
   * IPv4 only: the kernel keeps it behind another address of its subnet (DecodedAddress.secondary).
   * An address floatip just added says false until the kernel's notification of it arrives.
   */
  readonly secondary: boolean;
}

/** What to add or delete: an address with its prefix length on a named interface. */
export interface AddressRequest {
  readonly interface: string;
  readonly address: IpAddress;
  readonly bits: number;
}

/** `added`/`deleted` when the kernel changed; `present`/`absent` when it already was so. */
export type AddOutcome = 'added' | 'present';
export type DeleteOutcome = 'deleted' | 'absent';

/**
 * Addresses on the node's interfaces. Only addresses floatip added are ever
 * deleted: deleting an address someone else configured is refused.
 */
export interface AddressPort {
  /** Every IPv4/IPv6 address on every interface (or on one interface). */
  listAddresses(interfaceName?: string): Promise<InterfaceAddress[]>;
  /** Adds and tags an address; IPv6 with NODAD. Adding one floatip already added is not an error. */
  addAddress(request: AddressRequest): Promise<AddOutcome>;
  /** Deletes an address floatip added; an address that is not there is not an error. */
  deleteAddress(request: AddressRequest): Promise<DeleteOutcome>;
  /** Deletes every address floatip added (leftovers after a crash); returns what it deleted. */
  removeOwnedAddresses(): Promise<InterfaceAddress[]>;
}

/** An interface as the kernel reports it. */
export interface LinkInfo {
  readonly name: string;
  readonly index: number;
  /** MAC address as `aa:bb:cc:dd:ee:ff`, or '' for interfaces without one. */
  readonly mac: string;
  /** RFC 2863 operational state in lower case: up, down, lowerlayerdown, unknown, dormant ... */
  readonly operState: string;
  /** 'up' when the interface is administratively up and running (carrier present). */
  readonly state: LinkState;
}

export interface LinkPort {
  listLinks(): Promise<LinkInfo[]>;
  /** The interface with this name, or undefined when there is none. */
  lookupLink(name: string): Promise<LinkInfo | undefined>;
}

/**
 * What the watcher reports. `byUs` says whether this adapter made the change,
 * so "someone deleted our address" is `address-removed` with `owned && !byUs`.
 * `resync` follows lost notifications: the adapter re-read the kernel and has
 * already reported every difference it found as ordinary events.
 */
export type NetlinkEvent =
  | { readonly kind: 'link-changed'; readonly link: LinkInfo; readonly previous: LinkState | undefined }
  | { readonly kind: 'link-removed'; readonly link: LinkInfo }
  | { readonly kind: 'address-added'; readonly address: InterfaceAddress; readonly byUs: boolean }
  | { readonly kind: 'address-removed'; readonly address: InterfaceAddress; readonly byUs: boolean }
  | { readonly kind: 'resync'; readonly reason: string };

export type NetlinkListener = (event: NetlinkEvent) => void;

export interface NetlinkWatchPort {
  /** Registers a listener; returns the function that removes it. */
  subscribe(listener: NetlinkListener): () => void;
}

/** start() opens sockets and reads the kernel's state; stop() closes everything. */
export interface Startable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Everything the daemon needs from netlink, as the real adapter and the fake both provide it. */
export type NetlinkPort = AddressPort & LinkPort & NetlinkWatchPort & Startable;

/** The key under which an address on an interface is unique: `index/address/bits`. */
export function addressKey(index: number, address: IpAddress, bits: number): string {
  return `${index}/${address.text}/${bits}`;
}

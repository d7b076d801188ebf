// Ethernet II framing: the 14-byte header and the minimum frame length.

import { MacAddress } from './mac';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;

export const ETHERNET_HEADER_LENGTH = 14;

/**
 * Shortest frame on the wire without the FCS. Frames we build are padded to it
 * because a NIC pads short frames itself but a veth or bridge in between may not,
 * and some switches drop runts.
 */
export const ETHERNET_MIN_FRAME = 60;

/** Writes destination, source and EtherType at the start of `frame`. */
export function writeEthernetHeader(frame: Buffer, destination: MacAddress, source: MacAddress, etherType: number): void {
  frame.set(destination.bytes, 0);
  frame.set(source.bytes, 6);
  frame.writeUInt16BE(etherType, 12);
}

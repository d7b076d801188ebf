// Unsolicited IPv6 Neighbour Advertisement (RFC 4861 section 7.2.6): the IPv6 counterpart of gratuitous ARP; the ND IPv6 header.

import { IpAddress, ip, ipBytes } from '../../core/ip';
import { ALL_NODES_MAC, MacAddress } from './mac';
import { ETHERNET_HEADER_LENGTH, ETHERTYPE_IPV6, writeEthernetHeader } from './ethernet';
import { upperLayerChecksum } from './checksum';
import { PacketBuildError } from './errors';

export const IPPROTO_ICMPV6 = 58;
export const ICMPV6_NEIGHBOR_ADVERT = 136;
/** Override: the receiver replaces the link-layer address it has cached for the target. */
export const NA_FLAG_OVERRIDE = 0x20000000;
const OPTION_TARGET_LINK_LAYER = 2;
/** RFC 4861 makes receivers drop ND messages whose hop limit is not 255 (proof they are on-link). */
const ND_HOP_LIMIT = 255;
const ALL_NODES = ip('ff02::1');

const IPV6_HEADER_LENGTH = 40;
/** Type, code, checksum, flags, target (24) and one target link-layer option (8). */
const NA_LENGTH = 32;
export const NEIGHBOR_ADVERT_FRAME_LENGTH = ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH + NA_LENGTH;

/** The IPv6 header of a neighbour discovery message, after the Ethernet header: ICMPv6, hop limit 255. */
export function writeNeighborDiscoveryHeader(frame: Buffer, source: IpAddress, destination: IpAddress, payloadLength: number): void {
  const ip6 = ETHERNET_HEADER_LENGTH;
  frame.writeUInt32BE(0x60000000, ip6);
  frame.writeUInt16BE(payloadLength, ip6 + 4);
  frame[ip6 + 6] = IPPROTO_ICMPV6;
  frame[ip6 + 7] = ND_HOP_LIMIT;
  frame.set(ipBytes(source), ip6 + 8);
  frame.set(ipBytes(destination), ip6 + 24);
}

/**
 * An Ethernet frame carrying an unsolicited NA for `address` at `hardware`, sent from
 * the address itself to all nodes. Solicited is clear (nobody asked) and Override is
 * set so neighbours overwrite the old owner's MAC. The ICMPv6 checksum is ours to fill:
 * on an AF_PACKET socket the kernel passes the frame through untouched.
 */
export function buildUnsolicitedNeighborAdvert(hardware: MacAddress, address: IpAddress): Buffer {
  if (address.family !== 6) throw new PacketBuildError('E_PACKET_FAMILY', `neighbour advertisements announce IPv6 addresses; ${address.text} needs gratuitous ARP`);
  const frame = Buffer.alloc(NEIGHBOR_ADVERT_FRAME_LENGTH);
  writeEthernetHeader(frame, ALL_NODES_MAC, hardware, ETHERTYPE_IPV6);

  writeNeighborDiscoveryHeader(frame, address, ALL_NODES, NA_LENGTH);

  const na = ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH;
  frame[na] = ICMPV6_NEIGHBOR_ADVERT;
  frame.writeUInt32BE(NA_FLAG_OVERRIDE, na + 4);
  frame.set(ipBytes(address), na + 8);
  frame[na + 24] = OPTION_TARGET_LINK_LAYER;
  frame[na + 25] = 1; // option length in units of 8 bytes
  frame.set(hardware.bytes, na + 26);
  frame.writeUInt16BE(upperLayerChecksum(address, ALL_NODES, IPPROTO_ICMPV6, frame.subarray(na)), na + 2);
  return frame;
}

// Builds the client's questions "who has this address?": an ARP request (IPv4) and a neighbour solicitation (IPv6).
//
// The daemon only ever sends announcements (protocol/packets), so these two builders
// live with the soak, which asks; the failover bench's client probe asks with the ARP one
// too. Pure: values in, frames out.

import { IpAddress, ip, ipBytes } from '../core/ip';
import {
  ARP_OP_REQUEST, BROADCAST_MAC, ETHERNET_HEADER_LENGTH, ETHERNET_MIN_FRAME, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6,
  IPPROTO_ICMPV6, MacAddress, macFromBytes, upperLayerChecksum, writeEthernetHeader,
} from '../protocol/packets';

const ICMPV6_NEIGHBOR_SOLICIT = 135;
const OPTION_SOURCE_LINK_LAYER = 1;
const ND_HOP_LIMIT = 255;
/** Type, code, checksum, reserved (8), target (16), one source link-layer option (8). */
const NS_LENGTH = 32;

/** A broadcast ARP request from `sender` (MAC and IPv4) for `target`. */
export function buildArpRequest(senderMac: MacAddress, senderIp: IpAddress, target: IpAddress): Buffer {
  const frame = Buffer.alloc(ETHERNET_MIN_FRAME);
  writeEthernetHeader(frame, BROADCAST_MAC, senderMac, ETHERTYPE_ARP);
  const arp = ETHERNET_HEADER_LENGTH;
  frame.writeUInt16BE(1, arp);
  frame.writeUInt16BE(ETHERTYPE_IPV4, arp + 2);
  frame[arp + 4] = 6;
  frame[arp + 5] = 4;
  frame.writeUInt16BE(ARP_OP_REQUEST, arp + 6);
  frame.set(senderMac.bytes, arp + 8);
  frame.set(ipBytes(senderIp), arp + 14);
  frame.set(ipBytes(target), arp + 24);
  return frame;
}

/** The solicited-node multicast address of `target` (RFC 4291 2.7.1): ff02::1:ffXX:XXXX from its last 24 bits. */
export function solicitedNode(target: IpAddress): IpAddress {
  const b = ipBytes(target);
  const hex = (k: number): string => b[k].toString(16).padStart(2, '0');
  return ip(`ff02::1:ff${hex(13)}:${hex(14)}${hex(15)}`);
}

/** A neighbour solicitation from `sender` (MAC and IPv6) for `target`, to the target's solicited-node group. */
export function buildNeighborSolicit(senderMac: MacAddress, senderIp: IpAddress, target: IpAddress): Buffer {
  const group = solicitedNode(target);
  const groupBytes = ipBytes(group);
  const frame = Buffer.alloc(ETHERNET_HEADER_LENGTH + 40 + NS_LENGTH);
  writeEthernetHeader(frame, macFromBytes(Uint8Array.from([0x33, 0x33, ...groupBytes.subarray(12)])), senderMac, ETHERTYPE_IPV6);
  const ip6 = ETHERNET_HEADER_LENGTH;
  frame.writeUInt32BE(0x60000000, ip6);
  frame.writeUInt16BE(NS_LENGTH, ip6 + 4);
  frame[ip6 + 6] = IPPROTO_ICMPV6;
  frame[ip6 + 7] = ND_HOP_LIMIT;
  frame.set(ipBytes(senderIp), ip6 + 8);
  frame.set(groupBytes, ip6 + 24);
  const ns = ip6 + 40;
  frame[ns] = ICMPV6_NEIGHBOR_SOLICIT;
  frame.set(ipBytes(target), ns + 8);
  frame[ns + 24] = OPTION_SOURCE_LINK_LAYER;
  frame[ns + 25] = 1;
  frame.set(senderMac.bytes, ns + 26);
  frame.writeUInt16BE(upperLayerChecksum(senderIp, group, IPPROTO_ICMPV6, frame.subarray(ns)), ns + 2);
  return frame;
}

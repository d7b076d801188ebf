// Gratuitous ARP frames (RFC 5227 section 3): the request and the unsolicited reply that move an IPv4 address.

import { IpAddress, ipBytes } from '../../core/ip';
import { BROADCAST_MAC, MacAddress } from './mac';
import { ETHERNET_HEADER_LENGTH, ETHERNET_MIN_FRAME, ETHERTYPE_ARP, ETHERTYPE_IPV4, writeEthernetHeader } from './ethernet';
import { PacketBuildError } from './errors';

export const ARP_OP_REQUEST = 1;
export const ARP_OP_REPLY = 2;
const ARP_HARDWARE_ETHERNET = 1;

export type GratuitousArpKind = 'request' | 'reply';

/**
 * A broadcast gratuitous ARP for `address` now at `hardware`. Both kinds carry the
 * address as sender and target protocol address. The request leaves the target
 * hardware address zero (RFC 5227); the reply repeats our own MAC there, as CTDB
 * does, because Linux only treats a reply as gratuitous when that field is ours or
 * zero. Hosts differ in which kind they honour, so the announcer sends both.
 */
export function buildGratuitousArp(kind: GratuitousArpKind, hardware: MacAddress, address: IpAddress): Buffer {
  if (address.family !== 4) throw new PacketBuildError('E_PACKET_FAMILY', `ARP announces IPv4 addresses; ${address.text} needs an IPv6 neighbour advertisement`);
  const frame = Buffer.alloc(ETHERNET_MIN_FRAME);
  writeEthernetHeader(frame, BROADCAST_MAC, hardware, ETHERTYPE_ARP);
  const arp = ETHERNET_HEADER_LENGTH;
  const protocolAddress = ipBytes(address);
  frame.writeUInt16BE(ARP_HARDWARE_ETHERNET, arp);
  frame.writeUInt16BE(ETHERTYPE_IPV4, arp + 2);
  frame[arp + 4] = 6;
  frame[arp + 5] = 4;
  frame.writeUInt16BE(kind === 'request' ? ARP_OP_REQUEST : ARP_OP_REPLY, arp + 6);
  frame.set(hardware.bytes, arp + 8);
  frame.set(protocolAddress, arp + 14);
  if (kind === 'reply') frame.set(hardware.bytes, arp + 18);
  frame.set(protocolAddress, arp + 24);
  return frame;
}

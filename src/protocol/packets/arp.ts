// ARP frames we send: gratuitous ARP (RFC 5227 section 3) that moves an IPv4 address, and the probe that finds who else holds it.

import { IpAddress, ip, ipBytes } from '../../core/ip';
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

/** A broadcast ARP request from `senderMac` / `senderIp` asking who has `target`. */
export function buildArpRequest(senderMac: MacAddress, senderIp: IpAddress, target: IpAddress): Buffer {
  if (senderIp.family !== 4 || target.family !== 4) {
    throw new PacketBuildError('E_PACKET_FAMILY', `ARP asks for IPv4 addresses; ${target.family === 4 ? senderIp.text : target.text} needs a neighbour solicitation`);
  }
  const frame = Buffer.alloc(ETHERNET_MIN_FRAME);
  writeEthernetHeader(frame, BROADCAST_MAC, senderMac, ETHERTYPE_ARP);
  const arp = ETHERNET_HEADER_LENGTH;
  frame.writeUInt16BE(ARP_HARDWARE_ETHERNET, arp);
  frame.writeUInt16BE(ETHERTYPE_IPV4, arp + 2);
  frame[arp + 4] = 6;
  frame[arp + 5] = 4;
  frame.writeUInt16BE(ARP_OP_REQUEST, arp + 6);
  frame.set(senderMac.bytes, arp + 8);
  frame.set(ipBytes(senderIp), arp + 14);
  // The target hardware address (arp + 18) stays zero: it is what we ask for.
  frame.set(ipBytes(target), arp + 24);
  return frame;
}

const NO_ADDRESS_V4 = ip('0.0.0.0');

/**
 * An ARP probe (RFC 5227 section 2.1.1) asking who holds `address`: a request from
 * `hardware` with sender protocol address 0.0.0.0.
 *
 * The sender address is 0.0.0.0 and not the address itself, on purpose:
 * - Linux answers a probe for an address it holds (arp_process, the `sip == 0` case)
 *   with a reply unicast to our MAC; a request whose sender is the address itself has
 *   a source that is local to the other holder, a martian its route check drops, so
 *   the one host we look for would stay silent.
 * - A probe changes no neighbour's ARP cache; a request from the address would be a
 *   gratuitous ARP, which moves clients and makes some hosts report an address conflict.
 *   Moving clients is the announcer's job, done only when a duplicate is found.
 */
export function buildArpProbe(hardware: MacAddress, address: IpAddress): Buffer {
  return buildArpRequest(hardware, NO_ADDRESS_V4, address);
}

// IPv6 Neighbour Solicitations (RFC 4861 section 4.3): a client's "who has", and the DAD probe (RFC 4862 section 5.4.2).

import { IpAddress, ip, ipBytes, ipFromBytes } from '../../core/ip';
import { MacAddress, macFromBytes } from './mac';
import { ETHERNET_HEADER_LENGTH, ETHERTYPE_IPV6, writeEthernetHeader } from './ethernet';
import { upperLayerChecksum } from './checksum';
import { PacketBuildError } from './errors';
import { IPPROTO_ICMPV6, writeNeighborDiscoveryHeader } from './neighbor-advert';

export const ICMPV6_NEIGHBOR_SOLICIT = 135;
const OPTION_SOURCE_LINK_LAYER = 1;
const UNSPECIFIED = ip('::');
const IPV6_HEADER_LENGTH = 40;
/** Type, code, checksum, reserved and target. */
const NS_LENGTH = 24;
/** The source link-layer option: type, length (one 8-byte unit), MAC. */
const SOURCE_LINK_LAYER_LENGTH = 8;

/** ff02::1:ffXX:XXXX, the group every holder of `address` listens on (RFC 4291 section 2.7.1). */
export function solicitedNode(address: IpAddress): IpAddress {
  const group = ipBytes(ip('ff02::1:ff00:0'));
  group.set(ipBytes(address).subarray(13, 16), 13);
  return ipFromBytes(group);
}

/** A multicast group's Ethernet address: 33:33 and its low 32 bits (RFC 2464 section 7). */
export function multicastMac(group: IpAddress): MacAddress {
  const bytes = ipBytes(group);
  return macFromBytes(Uint8Array.from([0x33, 0x33, bytes[12], bytes[13], bytes[14], bytes[15]]));
}

/**
 * A Neighbour Solicitation from `senderMac` / `senderIp` for `target`, to the target's
 * solicited-node group. It carries our MAC in a source link-layer option unless the
 * source is unspecified (::), where RFC 4861 section 7.1.1 forbids the option.
 */
export function buildNeighborSolicit(senderMac: MacAddress, senderIp: IpAddress, target: IpAddress): Buffer {
  if (senderIp.family !== 6 || target.family !== 6) {
    throw new PacketBuildError('E_PACKET_FAMILY', `neighbour solicitations ask for IPv6 addresses; ${target.family === 6 ? senderIp.text : target.text} needs ARP`);
  }
  const withOption = senderIp.text !== UNSPECIFIED.text;
  const length = NS_LENGTH + (withOption ? SOURCE_LINK_LAYER_LENGTH : 0);
  const group = solicitedNode(target);
  const frame = Buffer.alloc(ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH + length);
  writeEthernetHeader(frame, multicastMac(group), senderMac, ETHERTYPE_IPV6);

  writeNeighborDiscoveryHeader(frame, senderIp, group, length);

  const ns = ETHERNET_HEADER_LENGTH + IPV6_HEADER_LENGTH;
  frame[ns] = ICMPV6_NEIGHBOR_SOLICIT;
  frame.set(ipBytes(target), ns + 8);
  if (withOption) {
    frame[ns + 24] = OPTION_SOURCE_LINK_LAYER;
    frame[ns + 25] = 1;
    frame.set(senderMac.bytes, ns + 26);
  }
  frame.writeUInt16BE(upperLayerChecksum(senderIp, group, IPPROTO_ICMPV6, frame.subarray(ns)), ns + 2);
  return frame;
}

/**
 * A DAD probe for `address` from `hardware`: a solicitation from the unspecified address.
 * A node that holds the address answers with a Neighbour Advertisement to all nodes
 * carrying its MAC (Linux: ndisc_recv_ns, the `dad` case). The source is :: and not the
 * address itself, for the reasons buildArpProbe gives: the other holder would answer a
 * solicitation from its own address to that address, i.e. to itself, and a solicitation
 * carrying our MAC would rewrite neighbours' caches, which only the announcer should do.
 */
export function buildNeighborSolicitProbe(hardware: MacAddress, address: IpAddress): Buffer {
  return buildNeighborSolicit(hardware, UNSPECIFIED, address);
}

// Reads received frames back into values: ARP and neighbour advertisements, and TCP segments (killtcp's capture).

import { IpAddress, ipBytes, ipFromBytes } from '../../core/ip';
import { MacAddress, macFromBytes } from './mac';
import { ETHERNET_HEADER_LENGTH, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from './ethernet';
import { ARP_OP_REPLY, ARP_OP_REQUEST } from './arp';
import { ICMPV6_NEIGHBOR_ADVERT, IPPROTO_ICMPV6, NA_FLAG_OVERRIDE } from './neighbor-advert';
import { IPPROTO_TCP, TcpEndpoint } from './tcp';

export interface ArpFrame {
  readonly kind: 'arp';
  readonly op: 'request' | 'reply';
  readonly destinationMac: MacAddress;
  readonly sourceMac: MacAddress;
  readonly senderMac: MacAddress;
  readonly senderIp: IpAddress;
  readonly targetMac: MacAddress;
  readonly targetIp: IpAddress;
}

export interface NeighborAdvertFrame {
  readonly kind: 'neighbor-advert';
  readonly destinationMac: MacAddress;
  readonly sourceMac: MacAddress;
  readonly sourceIp: IpAddress;
  readonly destinationIp: IpAddress;
  readonly hopLimit: number;
  readonly solicited: boolean;
  readonly override: boolean;
  readonly target: IpAddress;
  /** The target link-layer address option, when present. */
  readonly targetMac?: MacAddress;
}

export type AnnouncementFrame = ArpFrame | NeighborAdvertFrame;

/**
 * The bytes, as hex, of the address an ARP frame's sender or a neighbour advertisement's target
 * names (what a claim is about), read in place; undefined for other frames. A filter before
 * decodeAnnouncement: a prober listening during a failover hears thousands of ARP frames a
 * second, nearly all about addresses it does not ask after, and decoding each one built four
 * objects and two address texts. Compare with `addressHex`; decode what passes.
 */
export function announcedAddressHex(frame: Uint8Array): string | undefined {
  if (frame.length < ETHERNET_HEADER_LENGTH) return undefined;
  const bytes = Buffer.from(frame.buffer, frame.byteOffset, frame.length);
  const etherType = bytes.readUInt16BE(12);
  // ARP: the sender protocol address, 14 bytes into the ARP body.
  if (etherType === ETHERTYPE_ARP) return bytes.length >= ETHERNET_HEADER_LENGTH + 28 ? bytes.toString('hex', 28, 32) : undefined;
  // ICMPv6 NA: the target, 8 bytes into the ICMPv6 body after the 40-byte IPv6 header.
  if (etherType === ETHERTYPE_IPV6) return bytes.length >= ETHERNET_HEADER_LENGTH + 40 + 24 ? bytes.toString('hex', 62, 78) : undefined;
  return undefined;
}

/** An address's bytes as hex, as announcedAddressHex reads them from a frame. */
export function addressHex(address: IpAddress): string {
  return Buffer.from(ipBytes(address)).toString('hex');
}

/**
 * The ARP (Ethernet/IPv4) or ICMPv6 neighbour advertisement in `frame`, or undefined
 * for anything else or anything truncated. Checksums are not verified here: this
 * reader serves captures, and tcpdump is the independent judge of our checksums.
 */
export function decodeAnnouncement(frame: Uint8Array): AnnouncementFrame | undefined {
  if (frame.length < ETHERNET_HEADER_LENGTH) return undefined;
  const bytes = Buffer.from(frame.buffer, frame.byteOffset, frame.length);
  const destinationMac = macFromBytes(bytes.subarray(0, 6));
  const sourceMac = macFromBytes(bytes.subarray(6, 12));
  const etherType = bytes.readUInt16BE(12);
  const body = bytes.subarray(ETHERNET_HEADER_LENGTH);

  if (etherType === ETHERTYPE_ARP) {
    if (body.length < 28 || body.readUInt16BE(0) !== 1 || body.readUInt16BE(2) !== 0x0800 || body[4] !== 6 || body[5] !== 4) return undefined;
    const op = body.readUInt16BE(6);
    if (op !== ARP_OP_REQUEST && op !== ARP_OP_REPLY) return undefined;
    return {
      kind: 'arp',
      op: op === ARP_OP_REQUEST ? 'request' : 'reply',
      destinationMac,
      sourceMac,
      senderMac: macFromBytes(body.subarray(8, 14)),
      senderIp: ipFromBytes(body.subarray(14, 18)),
      targetMac: macFromBytes(body.subarray(18, 24)),
      targetIp: ipFromBytes(body.subarray(24, 28)),
    };
  }

  if (etherType === ETHERTYPE_IPV6) {
    if (body.length < 40 + 24 || body[0] >> 4 !== 6 || body[6] !== IPPROTO_ICMPV6) return undefined;
    const payloadLength = body.readUInt16BE(4);
    const na = body.subarray(40, 40 + payloadLength);
    if (na.length < 24 || na.length !== payloadLength || na[0] !== ICMPV6_NEIGHBOR_ADVERT) return undefined;
    const flags = na.readUInt32BE(4);
    let targetMac: MacAddress | undefined;
    // Walk the options; each states its length in 8-byte units and zero is invalid.
    for (let at = 24; at + 8 <= na.length && na[at + 1] > 0; at += na[at + 1] * 8) {
      if (na[at] === 2 && na[at + 1] === 1) targetMac = macFromBytes(na.subarray(at + 2, at + 8));
    }
    return {
      kind: 'neighbor-advert',
      destinationMac,
      sourceMac,
      sourceIp: ipFromBytes(body.subarray(8, 24)),
      destinationIp: ipFromBytes(body.subarray(24, 40)),
      hopLimit: body[7],
      solicited: (flags & 0x40000000) !== 0,
      override: (flags & NA_FLAG_OVERRIDE) !== 0,
      target: ipFromBytes(na.subarray(8, 24)),
      ...(targetMac ? { targetMac } : {}),
    };
  }
  return undefined;
}

/** A TCP segment's header as received: who sent it to whom, and its numbers. */
export interface TcpSegmentFrame {
  readonly kind: 'tcp';
  readonly source: TcpEndpoint;
  readonly destination: TcpEndpoint;
  readonly seq: number;
  readonly ack: number;
  /** The flag byte (TCP_FLAG_ACK, TCP_FLAG_RST ...). */
  readonly flags: number;
  readonly window: number;
  /** The data after the TCP header (empty for a bare ACK), a view into the frame. */
  readonly payload: Uint8Array;
}

const TCP_MIN_HEADER = 20;

/**
 * The TCP header in an Ethernet frame carrying IPv4 or IPv6, or undefined for anything
 * else, truncated, a later IPv4 fragment, or IPv6 with extension headers before TCP
 * (a client's bare ACK never carries any). Checksums are not verified: the capture
 * only needs the client's numbers, and a corrupt segment merely misleads one reset.
 */
export function decodeTcpSegment(frame: Uint8Array): TcpSegmentFrame | undefined {
  if (frame.length < ETHERNET_HEADER_LENGTH) return undefined;
  const bytes = Buffer.from(frame.buffer, frame.byteOffset, frame.length);
  const etherType = bytes.readUInt16BE(12);
  const packet = bytes.subarray(ETHERNET_HEADER_LENGTH);
  let source: IpAddress;
  let destination: IpAddress;
  let tcp: Buffer;

  if (etherType === ETHERTYPE_IPV4) {
    if (packet.length < 20 || packet[0] >> 4 !== 4 || packet[9] !== IPPROTO_TCP) return undefined;
    const headerLength = (packet[0] & 0x0f) * 4;
    const totalLength = packet.readUInt16BE(2);
    const fragmentOffset = packet.readUInt16BE(6) & 0x1fff;
    if (headerLength < 20 || fragmentOffset !== 0 || totalLength > packet.length || totalLength < headerLength + TCP_MIN_HEADER) return undefined;
    source = ipFromBytes(packet.subarray(12, 16));
    destination = ipFromBytes(packet.subarray(16, 20));
    tcp = packet.subarray(headerLength, totalLength);
  } else if (etherType === ETHERTYPE_IPV6) {
    if (packet.length < 40 || packet[0] >> 4 !== 6 || packet[6] !== IPPROTO_TCP) return undefined;
    const payloadLength = packet.readUInt16BE(4);
    if (payloadLength < TCP_MIN_HEADER || 40 + payloadLength > packet.length) return undefined;
    source = ipFromBytes(packet.subarray(8, 24));
    destination = ipFromBytes(packet.subarray(24, 40));
    tcp = packet.subarray(40, 40 + payloadLength);
  } else {
    return undefined;
  }
  const dataOffset = (tcp[12] >> 4) * 4;
  if (dataOffset < TCP_MIN_HEADER || dataOffset > tcp.length) return undefined;
  return {
    kind: 'tcp',
    source: { address: source, port: tcp.readUInt16BE(0) },
    destination: { address: destination, port: tcp.readUInt16BE(2) },
    seq: tcp.readUInt32BE(4),
    ack: tcp.readUInt32BE(8),
    flags: tcp[13],
    window: tcp.readUInt16BE(14),
    payload: new Uint8Array(tcp.buffer, tcp.byteOffset + dataOffset, tcp.length - dataOffset),
  };
}

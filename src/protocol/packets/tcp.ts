// TCP tickle ACKs and resets as complete IPv4/IPv6 packets (our own IP header, for an IPPROTO_RAW socket).

import { IpAddress, ipBytes } from '../../core/ip';
import { internetChecksum, upperLayerChecksum } from './checksum';
import { PacketBuildError } from './errors';

/** One end of a TCP connection. */
export interface TcpEndpoint {
  readonly address: IpAddress;
  readonly port: number;
}

/**
 * A client's TCP connection to a public address, as recorded by connection tracking
 * and replicated to the next owner (CTDB's ctdb_connection: src = client, dst = server).
 */
export interface TcpConnection {
  /** The public address and service port (our side). */
  readonly server: TcpEndpoint;
  /** The remote peer. */
  readonly client: TcpEndpoint;
}

export const IPPROTO_TCP = 6;
export const TCP_FLAG_SYN = 0x02;
export const TCP_FLAG_RST = 0x04;
export const TCP_FLAG_ACK = 0x10;
/** CTDB's window value: it makes tickles easy to spot in a capture. */
export const TICKLE_WINDOW = 1234;
/** Tickles and resets may cross routers to reach remote clients, so an ordinary TTL. */
const HOP_LIMIT = 64;
const IPV4_HEADER_LENGTH = 20;
const IPV6_HEADER_LENGTH = 40;
const TCP_HEADER_LENGTH = 20;

export interface TcpSegmentFields {
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly window: number;
}

function checkConnection(conn: TcpConnection): void {
  if (conn.server.address.family !== conn.client.address.family) {
    throw new PacketBuildError('E_PACKET_FAMILY', `connection ${conn.server.address.text} <-> ${conn.client.address.text} mixes IPv4 and IPv6`);
  }
  for (const end of [conn.server, conn.client]) {
    if (!Number.isInteger(end.port) || end.port < 1 || end.port > 0xffff) {
      throw new PacketBuildError('E_PACKET_FIELD', `TCP port ${end.port} of ${end.address.text} is not in 1..65535`);
    }
  }
}

function checkWord(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new PacketBuildError('E_PACKET_FIELD', `TCP ${name} ${value} is not a 32-bit unsigned number`);
  }
}

/**
 * A packet from the server end of `conn` to its client: IP header, then a TCP header
 * without options or payload. Checksums are filled in although the kernel rewrites
 * the IPv4 one, so the bytes are right whatever socket carries them.
 */
export function buildTcpPacket(conn: TcpConnection, fields: TcpSegmentFields): Buffer {
  checkConnection(conn);
  checkWord('sequence number', fields.seq);
  checkWord('acknowledgement number', fields.ack);
  const source = conn.server.address;
  const destination = conn.client.address;
  const ipLength = source.family === 4 ? IPV4_HEADER_LENGTH : IPV6_HEADER_LENGTH;
  const packet = Buffer.alloc(ipLength + TCP_HEADER_LENGTH);

  if (source.family === 4) {
    packet[0] = 0x45; // version 4, five 32-bit words of header
    packet.writeUInt16BE(packet.length, 2);
    packet[8] = HOP_LIMIT;
    packet[9] = IPPROTO_TCP;
    packet.set(ipBytes(source), 12);
    packet.set(ipBytes(destination), 16);
    packet.writeUInt16BE(internetChecksum(packet.subarray(0, IPV4_HEADER_LENGTH)), 10);
  } else {
    packet.writeUInt32BE(0x60000000, 0);
    packet.writeUInt16BE(TCP_HEADER_LENGTH, 4);
    packet[6] = IPPROTO_TCP;
    packet[7] = HOP_LIMIT;
    packet.set(ipBytes(source), 8);
    packet.set(ipBytes(destination), 24);
  }

  const tcp = packet.subarray(ipLength);
  tcp.writeUInt16BE(conn.server.port, 0);
  tcp.writeUInt16BE(conn.client.port, 2);
  tcp.writeUInt32BE(fields.seq, 4);
  tcp.writeUInt32BE(fields.ack, 8);
  tcp[12] = (TCP_HEADER_LENGTH / 4) << 4;
  tcp[13] = fields.flags;
  tcp.writeUInt16BE(fields.window, 14);
  tcp.writeUInt16BE(upperLayerChecksum(source, destination, IPPROTO_TCP, tcp), 16);
  return packet;
}

/**
 * The tickle: a bare ACK with sequence and acknowledgement zero, almost surely outside
 * the client's window. The client answers with an ACK carrying its real numbers; that
 * reaches the new owner, whose kernel has no such socket and resets the connection,
 * so the client learns at once instead of after its retransmission timeout.
 */
export function buildTickle(conn: TcpConnection): Buffer {
  return buildTcpPacket(conn, { seq: 0, ack: 0, flags: TCP_FLAG_ACK, window: TICKLE_WINDOW });
}

/**
 * A reset that the client accepts when `seq` is the next sequence number it expects
 * (the acknowledgement number of its answer to a tickle: ctdb_killtcp's method). With
 * `ack` the segment also carries ACK, as CTDB sends it.
 */
export function buildTcpReset(conn: TcpConnection, seq: number, ack?: number): Buffer {
  const flags = ack === undefined ? TCP_FLAG_RST : TCP_FLAG_RST | TCP_FLAG_ACK;
  return buildTcpPacket(conn, { seq, ack: ack ?? 0, flags, window: TICKLE_WINDOW });
}

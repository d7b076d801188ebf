// Reads a pcap file (Ethernet, IPv4) and reassembles the bytes one side sent on a TCP connection.
//
// Enough of pcap for `tcpdump -w` on a veth: the classic file header (micro- or nanosecond,
// either byte order), Ethernet II, IPv4 with options, TCP with options. Segments are placed
// by sequence number relative to the SYN, so retransmissions and reordering do not matter.

import { readFileSync } from 'node:fs';

const LINKTYPE_ETHERNET = 1;
const ETHERTYPE_IPV4 = 0x0800;
const IPPROTO_TCP = 6;
const TCP_SYN = 0x02;

export interface TcpSegment {
  readonly source: string;
  readonly sourcePort: number;
  readonly destination: string;
  readonly destinationPort: number;
  readonly seq: number;
  readonly syn: boolean;
  readonly payload: Buffer;
}

export function readTcpSegments(path: string): TcpSegment[] {
  const file = readFileSync(path);
  if (file.length < 24) throw new Error(`${path}: ${file.length} bytes, too short for a pcap header`);
  const magic = file.readUInt32LE(0);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!little && file.readUInt32BE(0) !== 0xa1b2c3d4 && file.readUInt32BE(0) !== 0xa1b23c4d) {
    throw new Error(`${path}: not a pcap file (magic ${magic.toString(16)})`);
  }
  const u32 = (at: number): number => (little ? file.readUInt32LE(at) : file.readUInt32BE(at));
  if (u32(20) !== LINKTYPE_ETHERNET) throw new Error(`${path}: link type ${u32(20)}, only Ethernet (1) is read`);
  const segments: TcpSegment[] = [];
  for (let at = 24; at + 16 <= file.length;) {
    const length = u32(at + 8);
    const frame = file.subarray(at + 16, at + 16 + length);
    at += 16 + length;
    if (frame.length < 14 + 20 || frame.readUInt16BE(12) !== ETHERTYPE_IPV4) continue;
    const ip = frame.subarray(14);
    if (ip[9] !== IPPROTO_TCP) continue;
    const ipHeader = (ip[0] & 0x0f) * 4;
    const tcp = ip.subarray(ipHeader, ip.readUInt16BE(2));
    const tcpHeader = (tcp[12] >> 4) * 4;
    segments.push({
      source: ip.subarray(12, 16).join('.'),
      destination: ip.subarray(16, 20).join('.'),
      sourcePort: tcp.readUInt16BE(0),
      destinationPort: tcp.readUInt16BE(2),
      seq: tcp.readUInt32BE(4),
      syn: (tcp[13] & TCP_SYN) !== 0,
      payload: Buffer.from(tcp.subarray(tcpHeader)),
    });
  }
  return segments;
}

/**
 * The bytes `source` sent to `destination:port` on the first connection whose SYN the
 * capture holds, in order; throws if there is none or a piece of it is missing.
 */
export function firstStreamFrom(segments: readonly TcpSegment[], source: string, destination: string, port: number): Buffer {
  const ours = segments.filter((s) => s.source === source && s.destination === destination && s.destinationPort === port);
  const syn = ours.find((s) => s.syn);
  if (!syn) throw new Error(`no SYN from ${source} to ${destination}:${port} in the capture`);
  const start = (syn.seq + 1) >>> 0;
  const pieces = new Map<number, Buffer>();
  for (const s of ours) {
    if (s.sourcePort !== syn.sourcePort || s.payload.length === 0) continue;
    pieces.set((s.seq - start) >>> 0, s.payload);
  }
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [at, payload] of [...pieces].sort((a, b) => a[0] - b[0])) {
    if (at > offset) throw new Error(`the capture misses bytes ${offset}..${at} of the stream`);
    if (at + payload.length > offset) chunks.push(payload.subarray(offset - at));
    offset = Math.max(offset, at + payload.length);
  }
  return Buffer.concat(chunks);
}

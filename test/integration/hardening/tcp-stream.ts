// Reads a pcap file (Ethernet) and reassembles the bytes one side sent on a TCP connection.
//
// Enough of pcap for `tcpdump -w` on a veth: the classic file header (micro- or nanosecond,
// either byte order) and its records; each frame is decoded by the project's own
// decodeTcpSegment. Segments are placed by sequence number relative to the SYN, so
// retransmissions and reordering do not matter.

import { readFileSync } from 'node:fs';
import { decodeTcpSegment, TCP_FLAG_SYN, TcpSegmentFrame } from '../../../src/protocol/packets';

const LINKTYPE_ETHERNET = 1;

/** The TCP segments of an Ethernet capture, in file order. */
export function readTcpSegments(path: string): TcpSegmentFrame[] {
  const file = readFileSync(path);
  if (file.length < 24) throw new Error(`${path}: ${file.length} bytes, too short for a pcap header`);
  const magic = file.readUInt32LE(0);
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!little && file.readUInt32BE(0) !== 0xa1b2c3d4 && file.readUInt32BE(0) !== 0xa1b23c4d) {
    throw new Error(`${path}: not a pcap file (magic ${magic.toString(16)})`);
  }
  const u32 = (at: number): number => (little ? file.readUInt32LE(at) : file.readUInt32BE(at));
  if (u32(20) !== LINKTYPE_ETHERNET) throw new Error(`${path}: link type ${u32(20)}, only Ethernet (1) is read`);
  const segments: TcpSegmentFrame[] = [];
  for (let at = 24; at + 16 <= file.length;) {
    const length = u32(at + 8);
    const segment = decodeTcpSegment(file.subarray(at + 16, at + 16 + length));
    if (segment) segments.push(segment);
    at += 16 + length;
  }
  return segments;
}

/**
 * The bytes `source` sent to `destination:port` on the first connection whose SYN the
 * capture holds, in order; throws if there is none or a piece of it is missing.
 */
export function firstStreamFrom(segments: readonly TcpSegmentFrame[], source: string, destination: string, port: number): Buffer {
  const ours = segments.filter((s) => s.source.address.text === source && s.destination.address.text === destination && s.destination.port === port);
  const syn = ours.find((s) => (s.flags & TCP_FLAG_SYN) !== 0);
  if (!syn) throw new Error(`no SYN from ${source} to ${destination}:${port} in the capture`);
  const start = (syn.seq + 1) >>> 0;
  const pieces = new Map<number, Buffer>();
  for (const s of ours) {
    if (s.source.port !== syn.source.port || s.payload.length === 0) continue;
    pieces.set((s.seq - start) >>> 0, Buffer.from(s.payload));
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

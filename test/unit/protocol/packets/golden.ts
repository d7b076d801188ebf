// Test helpers: hex golden frames written out by hand, and a checksum verifier independent of src/.

/** Bytes from hex written with spaces, `|` field separators and line breaks for reading. */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/[\s|]/g, ''), 'hex');
}

/**
 * True when `segment` (checksum field filled in) sums to all ones together with the
 * pseudo-header laid out byte by byte as in RFC 9293 (IPv4) or RFC 8200 section 8.1
 * (IPv6). Written apart from src/protocol/packets/checksum.ts on purpose.
 */
export function checksumVerifies(source: Buffer, destination: Buffer, protocol: number, segment: Buffer): boolean {
  const pseudo = source.length === 4
    ? Buffer.concat([source, destination, Buffer.from([0, protocol, segment.length >> 8, segment.length & 0xff])])
    : Buffer.concat([source, destination, Buffer.from([0, 0, segment.length >> 8, segment.length & 0xff, 0, 0, 0, protocol])]);
  return onesComplementSum(Buffer.concat([pseudo, segment])) === 0xffff;
}

/** True when an IPv4 header (checksum filled in) sums to all ones. */
export function ipv4HeaderVerifies(header: Buffer): boolean {
  return onesComplementSum(header) === 0xffff;
}

function onesComplementSum(data: Buffer): number {
  const padded = data.length % 2 === 0 ? data : Buffer.concat([data, Buffer.alloc(1)]);
  let sum = 0;
  for (let i = 0; i < padded.length; i += 2) {
    sum += padded.readUInt16BE(i);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return sum;
}

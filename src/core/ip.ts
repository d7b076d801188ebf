// IP address values: parse and print IPv4/IPv6 text, the 128-bit key CTDB sorts and measures by.

export type Family = 4 | 6;

/**
 * An IP address as a value. `words` is the address as four 32-bit words,
 * most significant first, with IPv4 in the last word and the rest zero —
 * CTDB's `ip_key()` layout, which LCP2's distance metric is defined over.
 */
export interface IpAddress {
  readonly family: Family;
  /** Canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as `::`). */
  readonly text: string;
  readonly words: readonly [number, number, number, number];
}

/** A result without exceptions: parsers in the pure core return this. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const V4_OCTET = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

function parseV4Words(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!V4_OCTET.test(part)) return undefined;
    value = value * 256 + Number(part);
  }
  return value >>> 0;
}

function v4Text(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

/** Parses an IPv6 address into eight 16-bit groups (embedded IPv4 tail allowed). */
function parseV6Groups(text: string): number[] | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const readSide = (side: string): number[] | undefined => {
    if (side === '') return [];
    const out: number[] = [];
    const pieces = side.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseV4Words(piece);
        if (v4 === undefined) return undefined;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = readSide(halves[0]);
  if (head === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const tail = readSide(halves[1]);
  if (tail === undefined) return undefined;
  const fill = 8 - head.length - tail.length;
  if (fill < 1) return undefined;
  return [...head, ...new Array<number>(fill).fill(0), ...tail];
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (>= 2) of zero groups as `::`. */
function v6Text(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

function fromV4(value: number): IpAddress {
  return { family: 4, text: v4Text(value), words: [0, 0, 0, value >>> 0] };
}

function fromV6Groups(groups: readonly number[]): IpAddress {
  const word = (i: number): number => ((groups[2 * i] << 16) | groups[2 * i + 1]) >>> 0;
  return { family: 6, text: v6Text(groups), words: [word(0), word(1), word(2), word(3)] };
}

/** Parses IPv4 or IPv6 text (no prefix length, no zone). */
export function parseIp(text: string): Parsed<IpAddress> {
  if (text.includes(':')) {
    const groups = parseV6Groups(text);
    return groups ? { ok: true, value: fromV6Groups(groups) } : { ok: false, error: `${text} is not an IPv6 address` };
  }
  const v4 = parseV4Words(text);
  return v4 !== undefined ? { ok: true, value: fromV4(v4) } : { ok: false, error: `${text} is not an IPv4 address` };
}

/** Parses `ADDR`, throwing on bad input: for literals in code and tests, never for user input. */
export function ip(text: string): IpAddress {
  const parsed = parseIp(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

/** An address with its prefix length, as in `198.51.100.7/24`. */
export interface IpPrefix {
  readonly address: IpAddress;
  readonly bits: number;
}

/** Parses `ADDR/BITS`; the message names what is wrong, for the caller to prefix with file:line. */
export function parsePrefix(text: string): Parsed<IpPrefix> {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, error: `${text} has no prefix length (write ADDR/BITS, e.g. 198.51.100.7/24)` };
  const addr = parseIp(text.slice(0, slash));
  if (!addr.ok) return addr;
  const bitsText = text.slice(slash + 1);
  const max = addr.value.family === 4 ? 32 : 128;
  if (!/^[0-9]{1,3}$/.test(bitsText) || Number(bitsText) > max) {
    return { ok: false, error: `${text}: prefix length must be 0..${max}` };
  }
  return { ok: true, value: { address: addr.value, bits: Number(bitsText) } };
}

/**
 * Orders addresses by their 128-bit key, ascending (IPv4 below IPv6, as in CTDB).
 * CTDB prints and walks its IP tree in descending key order: use `-compareIp`.
 */
export function compareIp(a: IpAddress, b: IpAddress): number {
  for (let i = 0; i < 4; i++) {
    if (a.words[i] !== b.words[i]) return a.words[i] < b.words[i] ? -1 : 1;
  }
  return 0;
}

/** The 16 (IPv6) or 4 (IPv4) bytes of the address, network order. */
export function ipBytes(addr: IpAddress): Uint8Array {
  const out = new Uint8Array(addr.family === 4 ? 4 : 16);
  const words = addr.family === 4 ? [addr.words[3]] : addr.words;
  words.forEach((w, i) => {
    out[4 * i] = w >>> 24;
    out[4 * i + 1] = (w >>> 16) & 0xff;
    out[4 * i + 2] = (w >>> 8) & 0xff;
    out[4 * i + 3] = w & 0xff;
  });
  return out;
}

/** The address whose network-order bytes are given (4 or 16 of them). */
export function ipFromBytes(bytes: Uint8Array): IpAddress {
  const word = (i: number): number =>
    ((bytes[4 * i] << 24) | (bytes[4 * i + 1] << 16) | (bytes[4 * i + 2] << 8) | bytes[4 * i + 3]) >>> 0;
  if (bytes.length === 4) return fromV4(word(0));
  if (bytes.length !== 16) throw new Error(`an IP address has 4 or 16 bytes, not ${bytes.length}`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  return fromV6Groups(groups);
}

// Field codecs for peer payloads in CTDB's len/push/pull style: the single-value field types (numbers, addresses, text, names).
//
// A message is a struct of fields; each field knows its encoded length (`len`),
// how to write itself into an exactly sized buffer (`push`) and how to read and
// validate itself (`pull`). The fields built from other fields (lists, structs,
// tagged unions) are in frame-field-combinators.ts.

import { IpAddress, ipBytes, ipFromBytes } from '../core/ip';
import { LinkState } from '../core/address';
import { NO_NODE, Pnn } from '../core/flags';
import { FrameBuildError, PayloadFieldError } from './frame-errors';
import { ByteReader, ByteWriter } from './frame-bytes';

/**
 * What a codec puts on the wire, as data: tools that read frames without this code (the
 * Wireshark dissector's generated table, src/protocol/wireshark-table.ts) are built from it,
 * so they cannot drift from the codecs. Cross-field checks (`checked`) are not described.
 */
export type WireShape =
  | { readonly type: 'u8' | 'u16' | 'u32' | 'u64' | 'pnn' | 'pnn-or-none' | 'bool' | 'ip' | 'ifname' }
  | { readonly type: 'bytes'; readonly length: number }
  | { readonly type: 'enum'; readonly names: readonly string[] }
  | { readonly type: 'text'; readonly maxBytes: number }
  | { readonly type: 'optional'; readonly inner: WireShape }
  | { readonly type: 'list'; readonly countBytes: 2 | 4; readonly item: WireShape }
  | { readonly type: 'struct'; readonly fields: readonly (readonly [string, WireShape])[] }
  | { readonly type: 'tagged'; readonly key: string; readonly variants: readonly (readonly [string, WireShape])[] };

/** One field type: `min` is the fewest bytes any value takes (bounds list counts before allocating). */
export interface FieldCodec<T> {
  readonly min: number;
  readonly wire: WireShape;
  len(value: T): number;
  push(w: ByteWriter, value: T, field: string): void;
  pull(r: ByteReader, field: string): T;
}

/** Refuses to encode a value the field cannot carry (a caller's bug, never a peer's). */
export function badValue(field: string, detail: string): never {
  throw new FrameBuildError('E_BAD_MESSAGE', `cannot encode ${field}: ${detail}`, field);
}

function checkInteger(value: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) badValue(field, `${value} is not a whole number 0..${max}`);
}

export const u8: FieldCodec<number> = {
  min: 1,
  wire: { type: 'u8' },
  len: () => 1,
  push(w, v, field) { checkInteger(v, 0xff, field); w.u8(v); },
  pull: (r, field) => r.u8(field),
};

export const u16: FieldCodec<number> = {
  min: 2,
  wire: { type: 'u16' },
  len: () => 2,
  push(w, v, field) { checkInteger(v, 0xffff, field); w.u16(v); },
  pull: (r, field) => r.u16(field),
};

export const u32: FieldCodec<number> = {
  min: 4,
  wire: { type: 'u32' },
  len: () => 4,
  push(w, v, field) { checkInteger(v, 0xffffffff, field); w.u32(v); },
  pull: (r, field) => r.u32(field),
};

const TWO_32 = 0x100000000;

/** A 64-bit counter (epochs, sequence numbers), limited to what a JS number holds exactly. */
export const u64: FieldCodec<number> = {
  min: 8,
  wire: { type: 'u64' },
  len: () => 8,
  push(w, v, field) {
    checkInteger(v, Number.MAX_SAFE_INTEGER, field);
    w.u32(Math.floor(v / TWO_32));
    w.u32(v % TWO_32);
  },
  pull(r, field) {
    const high = r.u32(field);
    const low = r.u32(field);
    if (high > 0x1fffff) throw new PayloadFieldError(field, 'exceeds 2^53-1: a counter this large is not a real value');
    return high * TWO_32 + low;
  },
};

/** A node number; 0xffffffff is reserved for "no node". */
export const pnn: FieldCodec<Pnn> = {
  min: 4,
  wire: { type: 'pnn' },
  len: () => 4,
  push(w, v, field) { checkInteger(v, 0xfffffffe, field); w.u32(v); },
  pull(r, field) {
    const v = r.u32(field);
    if (v === 0xffffffff) throw new PayloadFieldError(field, 'is "no node" where a node number is required');
    return v;
  },
};

/** A node number or NO_NODE (-1, sent as 0xffffffff). */
export const pnnOrNone: FieldCodec<Pnn> = {
  min: 4,
  wire: { type: 'pnn-or-none' },
  len: () => 4,
  push(w, v, field) {
    if (v === NO_NODE) w.u32(0xffffffff);
    else { checkInteger(v, 0xfffffffe, field); w.u32(v); }
  },
  pull(r, field) {
    const v = r.u32(field);
    return v === 0xffffffff ? NO_NODE : v;
  },
};

export const bool: FieldCodec<boolean> = {
  min: 1,
  wire: { type: 'bool' },
  len: () => 1,
  push(w, v) { w.u8(v ? 1 : 0); },
  pull(r, field) {
    const v = r.u8(field);
    if (v > 1) throw new PayloadFieldError(field, `is ${v}, not 0 or 1`);
    return v === 1;
  },
};

/** Fixed-length opaque bytes (nonces, fingerprints). */
export function bytes(length: number): FieldCodec<Uint8Array> {
  return {
    min: length,
    wire: { type: 'bytes', length },
    len: () => length,
    push(w, v, field) {
      if (!(v instanceof Uint8Array) || v.length !== length) badValue(field, `must be ${length} bytes`);
      w.raw(v);
    },
    pull: (r, field) => r.raw(length, field),
  };
}

/** A named value sent as one byte: `names[i]` is sent as `i`. */
export function enumeration<T extends string>(names: readonly T[]): FieldCodec<T> {
  return {
    min: 1,
    wire: { type: 'enum', names },
    len: () => 1,
    push(w, v, field) {
      const index = names.indexOf(v);
      if (index < 0) badValue(field, `'${String(v)}' is not one of ${names.join(', ')}`);
      w.u8(index);
    },
    pull(r, field) {
      const index = r.u8(field);
      if (index >= names.length) throw new PayloadFieldError(field, `is ${index}: known values are 0..${names.length - 1} (${names.join(', ')})`);
      return names[index];
    },
  };
}

export const linkState: FieldCodec<LinkState> = enumeration<LinkState>(['down', 'up']);

/** An IP address: family byte (4 or 6), then 4 or 16 bytes in network order. */
export const ipAddress: FieldCodec<IpAddress> = {
  min: 5,
  wire: { type: 'ip' },
  len: (v) => (v.family === 4 ? 5 : 17),
  push(w, v, field) {
    if (v === null || typeof v !== 'object' || (v.family !== 4 && v.family !== 6)) badValue(field, 'is not an IpAddress');
    w.u8(v.family);
    w.raw(ipBytes(v));
  },
  pull(r, field) {
    const family = r.u8(field);
    if (family !== 4 && family !== 6) throw new PayloadFieldError(field, `has address family ${family}, not 4 or 6`);
    return ipFromBytes(r.raw(family === 4 ? 4 : 16, field));
  },
};

const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF as text, so that decoding then encoding gives back the same bytes.
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 text with a u16 byte length, at most `maxBytes` bytes. */
export function text(maxBytes: number): FieldCodec<string> {
  return {
    min: 2,
    wire: { type: 'text', maxBytes },
    len: (v) => 2 + encoder.encode(v).length,
    push(w, v, field) {
      if (typeof v !== 'string') badValue(field, 'is not a string');
      const encoded = encoder.encode(v);
      if (encoded.length > maxBytes) badValue(field, `is ${encoded.length} bytes long, more than ${maxBytes}`);
      w.u16(encoded.length);
      w.raw(encoded);
    },
    pull(r, field) {
      const length = r.u16(field);
      if (length > maxBytes) throw new PayloadFieldError(field, `is ${length} bytes long, more than ${maxBytes}`);
      r.need(length, field);
      const slice = r.bytes.subarray(r.at, r.at + length);
      r.at += length;
      try {
        return strictDecoder.decode(slice);
      } catch {
        throw new PayloadFieldError(field, 'is not valid UTF-8');
      }
    },
  };
}

/** Linux interface names: 1..15 bytes, no slash, colon or whitespace, not `.` or `..` (dev_valid_name). */
export function isInterfaceName(name: string): boolean {
  return /^[\x21-\x7e]{1,15}$/.test(name) && !/[/:]/.test(name) && name !== '.' && name !== '..';
}

/** An interface name: u8 length then ASCII. */
export const interfaceName: FieldCodec<string> = {
  min: 1,
  wire: { type: 'ifname' },
  len: (v) => 1 + v.length,
  push(w, v, field) {
    if (typeof v !== 'string' || !isInterfaceName(v)) badValue(field, `${JSON.stringify(v)} is not an interface name`);
    w.u8(v.length);
    for (let i = 0; i < v.length; i++) w.u8(v.charCodeAt(i));
  },
  pull(r, field) {
    const length = r.u8(field);
    const raw = r.raw(length, field);
    const name = String.fromCharCode(...raw);
    if (!isInterfaceName(name)) throw new PayloadFieldError(field, `${JSON.stringify(name)} is not an interface name (1..15 printable bytes, no / or :)`);
    return name;
  },
};

// Field codecs for peer payloads in CTDB's len/push/pull style: size a value, write it, read it back checked.
//
// A message is a struct of fields; each field knows its encoded length (`len`),
// how to write itself into an exactly sized buffer (`push`) and how to read and
// validate itself (`pull`). Readers never allocate from a count before checking
// that the remaining bytes can hold that many items, so a hostile count cannot
// make the decoder allocate more than the frame it already holds.

import { IpAddress, ipBytes, ipFromBytes } from '../core/ip';
import { LinkState } from '../core/address';
import { NO_NODE, Pnn } from '../core/flags';
import { FrameBuildError, PayloadFieldError } from './frame-errors';

export class ByteWriter {
  private readonly view: DataView;
  at = 0;

  constructor(readonly bytes: Uint8Array, start = 0) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.at = start;
  }

  u8(value: number): void { this.view.setUint8(this.at, value); this.at += 1; }
  u16(value: number): void { this.view.setUint16(this.at, value); this.at += 2; }
  u32(value: number): void { this.view.setUint32(this.at, value); this.at += 4; }
  raw(value: Uint8Array): void { this.bytes.set(value, this.at); this.at += value.length; }
}

export class ByteReader {
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array, public at = 0, readonly end = bytes.length) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number { return this.end - this.at; }

  need(count: number, field: string): void {
    if (this.remaining < count) throw new PayloadFieldError(field, `is cut short: needs ${count} byte(s), ${this.remaining} left`);
  }

  u8(field: string): number { this.need(1, field); const v = this.view.getUint8(this.at); this.at += 1; return v; }
  u16(field: string): number { this.need(2, field); const v = this.view.getUint16(this.at); this.at += 2; return v; }
  u32(field: string): number { this.need(4, field); const v = this.view.getUint32(this.at); this.at += 4; return v; }
  raw(count: number, field: string): Uint8Array {
    this.need(count, field);
    const v = this.bytes.slice(this.at, this.at + count);
    this.at += count;
    return v;
  }
}

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

function badValue(field: string, detail: string): never {
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

/** A list with a count of `countBytes` (2 or 4) bytes, then the items. */
export function list<T>(item: FieldCodec<T>, countBytes: 2 | 4 = 2): FieldCodec<readonly T[]> {
  const maxCount = countBytes === 2 ? 0xffff : 0xffffffff;
  return {
    min: countBytes,
    wire: { type: 'list', countBytes, item: item.wire },
    len(v) {
      let total = countBytes;
      for (const x of v) total += item.len(x);
      return total;
    },
    push(w, v, field) {
      if (!Array.isArray(v)) badValue(field, 'is not a list');
      if (v.length > maxCount) badValue(field, `has ${v.length} items, more than ${maxCount}`);
      if (countBytes === 2) w.u16(v.length); else w.u32(v.length);
      v.forEach((x, i) => item.push(w, x, `${field}[${i}]`));
    },
    pull(r, field) {
      const count = countBytes === 2 ? r.u16(field) : r.u32(field);
      // Checked before allocating: a forged count cannot reserve memory the frame does not hold.
      if (count * item.min > r.remaining) {
        throw new PayloadFieldError(field, `claims ${count} items, but only ${r.remaining} bytes remain`);
      }
      const out: T[] = [];
      for (let i = 0; i < count; i++) out.push(item.pull(r, `${field}[${i}]`));
      return out;
    },
  };
}

type Shape = Readonly<Record<string, FieldCodec<unknown>>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalCodec<unknown> ? K : never }[keyof S];
type ValueOf<C> = C extends FieldCodec<infer V> ? V : never;
/** The value a struct of fields reads: optional fields become optional properties. */
export type StructValue<S extends Shape> =
  { readonly [K in Exclude<keyof S, OptionalKeys<S>>]: ValueOf<S[K]> }
  & { readonly [K in OptionalKeys<S>]?: ValueOf<S[K]> };

interface OptionalCodec<T> extends FieldCodec<T> { readonly optional: true }

/** A field that may be absent: a presence byte, then the value. Absent fields are left out when read. */
export function optional<T>(inner: FieldCodec<T>): OptionalCodec<T> {
  return {
    optional: true,
    min: 1,
    wire: { type: 'optional', inner: inner.wire },
    len: (v) => (v === undefined ? 1 : 1 + inner.len(v)),
    push(w, v, field) {
      if (v === undefined) { w.u8(0); return; }
      w.u8(1);
      inner.push(w, v, field);
    },
    pull(r, field) {
      const present = bool.pull(r, field);
      return (present ? inner.pull(r, field) : undefined) as T;
    },
  };
}

/** Fields in declaration order, named `prefix.key` in errors. */
export function struct<S extends Shape>(shape: S): FieldCodec<StructValue<S>> {
  const entries = Object.entries(shape) as Array<[string, FieldCodec<unknown>]>;
  return {
    min: entries.reduce((sum, [, codec]) => sum + codec.min, 0),
    wire: { type: 'struct', fields: entries.map(([key, codec]) => [key, codec.wire] as const) },
    len(v) {
      const record = v as Record<string, unknown>;
      let total = 0;
      for (const [key, codec] of entries) total += codec.len(record[key]);
      return total;
    },
    push(w, v, field) {
      if (v === null || typeof v !== 'object') badValue(field, 'is not an object');
      const record = v as Record<string, unknown>;
      for (const [key, codec] of entries) codec.push(w, record[key], `${field}.${key}`);
    },
    pull(r, field) {
      const out: Record<string, unknown> = {};
      for (const [key, codec] of entries) {
        const value = codec.pull(r, `${field}.${key}`);
        if (value !== undefined) out[key] = value;
      }
      return out as StructValue<S>;
    },
  };
}

/** A codec with an extra check on the read value (a cross-field rule such as prefix bits vs family). */
export function checked<T>(inner: FieldCodec<T>, check: (value: T) => string | undefined): FieldCodec<T> {
  return {
    min: inner.min,
    wire: inner.wire,
    len: (v) => inner.len(v),
    push(w, v, field) {
      const problem = check(v);
      if (problem !== undefined) badValue(field, problem);
      inner.push(w, v, field);
    },
    pull(r, field) {
      const value = inner.pull(r, field);
      const problem = check(value);
      if (problem !== undefined) throw new PayloadFieldError(field, problem);
      return value;
    },
  };
}

/**
 * A tagged union: a one-byte tag naming the variant (its `key` property), then
 * that variant's fields. `T` is the union type the caller declares; each
 * variant's struct must read exactly that variant without its tag.
 */
export function tagged<T extends { readonly [key: string]: unknown }>(
  key: string,
  variants: Readonly<Record<string, FieldCodec<unknown>>>,
): FieldCodec<T> {
  const names = Object.keys(variants);
  const tag = enumeration(names);
  const variantOf = (v: T, field: string): FieldCodec<unknown> => {
    if (v === null || typeof v !== 'object' || !names.includes(String(v[key]))) {
      badValue(`${field}.${key}`, `must be one of ${names.join(', ')}`);
    }
    return variants[String(v[key])];
  };
  return {
    min: 1 + Math.min(...names.map((name) => variants[name].min)),
    wire: { type: 'tagged', key, variants: names.map((name) => [name, variants[name].wire] as const) },
    len: (v) => 1 + variantOf(v, 'value').len(v),
    push(w, v, field) {
      variantOf(v, field);
      const name = String(v[key]);
      tag.push(w, name, `${field}.${key}`);
      variants[name].push(w, v, field);
    },
    pull(r, field) {
      const name = tag.pull(r, `${field}.${key}`);
      return { [key]: name, ...(variants[name].pull(r, field) as object) } as unknown as T;
    },
  };
}

// Field codecs built from other fields: lists, optional fields, structs, checked values and tagged unions.
//
// Readers never allocate from a count before checking that the remaining bytes can
// hold that many items, so a hostile count cannot make the decoder allocate more
// than the frame it already holds.

import { PayloadFieldError } from './frame-errors';
import { badValue, bool, enumeration, FieldCodec } from './frame-fields';

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

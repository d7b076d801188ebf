// Option kinds for the schema: how one TOML value is checked, converted, defaulted and documented.

import { IpAddress, parseIp } from '../core/ip';
import { formatDuration, Milliseconds, parseDuration } from './duration';

export const TIMING_PROFILES = ['default', 'fast', 'ultra'] as const;
export type TimingProfileName = (typeof TIMING_PROFILES)[number];

export type ValueProblem = 'E_CONFIG_TYPE' | 'E_CONFIG_RANGE' | 'E_CONFIG_VALUE';

/** A converted value, or why not: wrong TOML type, out of range, or a badly formed value. */
export type OptionParsed<T> = { ok: true; value: T } | { ok: false; code: ValueProblem; error: string };

/** What kind of value an option holds: its check, its conversion and its TOML spelling. */
export interface ValueKind<T> {
  /** For the docs: "integer", "duration", `"lcp2" | "deterministic"`, ... */
  readonly type: string;
  /** For the docs: the allowed values, e.g. "1..65535". */
  readonly constraint?: string;
  parse(raw: unknown): OptionParsed<T>;
  /** The value as TOML text, for the docs and examples. */
  format(value: T): string;
}

/**
 * Where an option's value comes from when floatip.toml does not set it: a fixed
 * value, the chosen timing profile, or nothing (the option stays undefined and
 * `meaning` says what floatip does then).
 */
export type OptionDefault<T> =
  | { readonly kind: 'value'; readonly value: T }
  | { readonly kind: 'profile'; readonly values: Readonly<Record<TimingProfileName, T>> }
  | { readonly kind: 'unset'; readonly meaning: string };

/** One option: everything the loader checks and everything docs/configuration.md says about it. */
export interface OptionSpec<T> extends ValueKind<T> {
  readonly kind: 'option';
  readonly doc: string;
  readonly unit?: string;
  readonly default: OptionDefault<T>;
}

/** An option with a default, fixed or taken from the timing profile (`{ byProfile: {...} }`). */
export function option<T>(kind: ValueKind<T>, spec: {
  default: T | { byProfile: Record<TimingProfileName, T> }; doc: string; unit?: string;
}): OptionSpec<T> {
  const fromProfile = typeof spec.default === 'object' && spec.default !== null && 'byProfile' in spec.default;
  const dflt: OptionDefault<T> = fromProfile
    ? { kind: 'profile', values: (spec.default as { byProfile: Record<TimingProfileName, T> }).byProfile }
    : { kind: 'value', value: spec.default as T };
  return { ...kind, kind: 'option', doc: spec.doc, unit: spec.unit, default: dflt };
}

/** An option without a default: left out, it is undefined and `meaning` says what floatip does. */
export function optional<T>(kind: ValueKind<T>, spec: { meaning: string; doc: string; unit?: string }): OptionSpec<T | undefined> {
  return {
    type: kind.type,
    constraint: kind.constraint,
    parse: (raw) => kind.parse(raw),
    format: (value) => (value === undefined ? '' : kind.format(value)),
    kind: 'option',
    doc: spec.doc,
    unit: spec.unit,
    default: { kind: 'unset', meaning: spec.meaning },
  };
}

/** How a TOML value reads in an error message: `the string "4390"`, `an array`. */
export function describeRaw(raw: unknown): string {
  if (typeof raw === 'string') return `the string ${JSON.stringify(raw)}`;
  if (typeof raw === 'number') {
    // TOML spells them nan and inf; JavaScript's NaN/Infinity would read like a hole in the message.
    if (Number.isNaN(raw)) return 'the float nan';
    if (!Number.isFinite(raw)) return `the float ${raw > 0 ? 'inf' : '-inf'}`;
    return Number.isInteger(raw) ? `the integer ${raw}` : `the number ${raw}`;
  }
  if (typeof raw === 'bigint') return `the integer ${raw}`;
  if (typeof raw === 'boolean') return `the boolean ${raw}`;
  if (Array.isArray(raw)) return 'an array';
  if (raw instanceof Date) return 'a date';
  return 'a table';
}

function wrongType<T>(expected: string, raw: unknown): OptionParsed<T> {
  return { ok: false, code: 'E_CONFIG_TYPE', error: `expected ${expected}, got ${describeRaw(raw)}` };
}

export function integer(min: number, max: number): ValueKind<number> {
  const range = `${min}..${max}`;
  return {
    type: 'integer', constraint: range,
    parse(raw) {
      if (typeof raw !== 'number' || !Number.isInteger(raw)) return wrongType(`an integer ${range}`, raw);
      if (raw < min || raw > max) return { ok: false, code: 'E_CONFIG_RANGE', error: `${raw} is out of range: use ${range}` };
      return { ok: true, value: raw };
    },
    format: (value) => String(value),
  };
}

export function boolean(): ValueKind<boolean> {
  return {
    type: 'boolean',
    parse: (raw) => (typeof raw === 'boolean' ? { ok: true, value: raw } : wrongType('true or false', raw)),
    format: (value) => String(value),
  };
}

export function choice<const V extends string>(values: readonly V[]): ValueKind<V> {
  const listed = values.map((v) => JSON.stringify(v)).join(' | ');
  return {
    type: listed,
    parse(raw) {
      if (typeof raw !== 'string') return wrongType(`one of ${listed}`, raw);
      if (!(values as readonly string[]).includes(raw)) {
        return { ok: false, code: 'E_CONFIG_VALUE', error: `${JSON.stringify(raw)} is not allowed: use one of ${listed}` };
      }
      return { ok: true, value: raw as V };
    },
    format: (value) => JSON.stringify(value),
  };
}

/** A duration string bounded by `min`..`max`; `zeroMeans` also allows "0s" and says what it switches off. */
export function duration(min: Milliseconds, max: Milliseconds, zeroMeans?: string): ValueKind<Milliseconds> {
  const range = `${formatDuration(min)}..${formatDuration(max)}`;
  const constraint = zeroMeans !== undefined ? `"0s" (${zeroMeans}) or ${range}` : range;
  return {
    type: 'duration', constraint,
    parse(raw) {
      if (typeof raw !== 'string') {
        const hint = typeof raw === 'number' && Number.isFinite(raw) ? ` (durations need a unit: write "${raw}ms" or "${raw}s")` : '';
        return { ok: false, code: 'E_CONFIG_TYPE', error: `expected a duration string like "200ms", got ${describeRaw(raw)}${hint}` };
      }
      const parsed = parseDuration(raw);
      if (!parsed.ok) return { ok: false, code: 'E_CONFIG_VALUE', error: parsed.error };
      const ms = parsed.value;
      if (ms === 0 && zeroMeans !== undefined) return { ok: true, value: 0 };
      if (ms < min || ms > max) return { ok: false, code: 'E_CONFIG_RANGE', error: `"${raw}" is out of range: use ${constraint}` };
      return { ok: true, value: ms };
    },
    format: (value) => JSON.stringify(formatDuration(value)),
  };
}

/** A file or directory path: non-empty, one line. Relative paths are resolved by the loader. */
export function path(): ValueKind<string> {
  return {
    type: 'path',
    parse(raw) {
      if (typeof raw !== 'string') return wrongType('a path string', raw);
      if (raw.trim() === '' || /[\0\r\n]/.test(raw)) {
        return { ok: false, code: 'E_CONFIG_VALUE', error: `${JSON.stringify(raw)} is not a usable path: give one non-empty line` };
      }
      return { ok: true, value: raw };
    },
    format: (value) => JSON.stringify(value),
  };
}

/** An IPv4 or IPv6 address without prefix length. */
export function address(): ValueKind<IpAddress> {
  return {
    type: 'IP address',
    parse(raw) {
      if (typeof raw !== 'string') return wrongType('an IP address string', raw);
      const parsed = parseIp(raw);
      return parsed.ok ? parsed : { ok: false, code: 'E_CONFIG_VALUE', error: parsed.error };
    },
    format: (value) => JSON.stringify(value.text),
  };
}

/** A string with its own grammar (cluster lock, listen address, schedule). */
export function textWith<T>(type: string, parseText: (text: string) => { ok: true; value: T } | { ok: false; error: string },
  formatText: (value: T) => string): ValueKind<T> {
  return {
    type,
    parse(raw) {
      if (typeof raw !== 'string') return wrongType(`a string (${type})`, raw);
      const parsed = parseText(raw);
      return parsed.ok ? parsed : { ok: false, code: 'E_CONFIG_VALUE', error: parsed.error };
    },
    format: (value) => JSON.stringify(formatText(value)),
  };
}

// The kinds of argument a control command takes: how each is read from JSON, checked, and written back.

import { IpAddress, IpPrefix, Parsed, parseIp, parsePrefix } from '../core/ip';
import { isInterfaceName } from './frame-fields';

/** What a control message carries: a request's arguments once printed, a reply's result. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** How one kind of argument is read from JSON and written back. */
export interface ArgKind<T> {
  /** What the user must give, for error messages. */
  readonly expects: string;
  parse(value: unknown): Parsed<T>;
  print(value: T): JsonValue;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const no = (error: string): { ok: false; error: string } => ({ ok: false, error });

export function wholeNumber(min: number, max: number, expects = `a whole number ${min}..${max}`): ArgKind<number> {
  return {
    expects,
    parse: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? ok(v) : no(`must be ${expects}`)),
    print: (v) => v,
  };
}

export function textMatching(expects: string, test: (v: string) => boolean): ArgKind<string> {
  return { expects, parse: (v) => (typeof v === 'string' && test(v) ? ok(v) : no(`must be ${expects}`)), print: (v) => v };
}

export function choice<T extends string>(values: readonly T[]): ArgKind<T> {
  const expects = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  return {
    expects,
    parse: (v) => ((values as readonly unknown[]).includes(v) ? ok(v as T) : no(`must be ${expects}`)),
    print: (v) => v,
  };
}

export const boolean: ArgKind<boolean> = {
  expects: 'true or false',
  parse: (v) => (typeof v === 'boolean' ? ok(v) : no('must be true or false')),
  print: (v) => v,
};

export const pnn = wholeNumber(0, 0xfffffffe, 'a node number (0 or more)');

export const address: ArgKind<IpAddress> = {
  expects: 'an IPv4 or IPv6 address',
  parse(v) {
    if (typeof v !== 'string') return no('must be an IPv4 or IPv6 address as a string');
    const parsed = parseIp(v);
    return parsed.ok ? parsed : no(`must be an IPv4 or IPv6 address: ${parsed.error}`);
  },
  print: (v) => v.text,
};

export const prefix: ArgKind<IpPrefix> = {
  expects: 'ADDR/BITS',
  parse(v) {
    if (typeof v !== 'string') return no('must be ADDR/BITS as a string, e.g. "198.51.100.7/24"');
    const parsed = parsePrefix(v);
    return parsed.ok ? parsed : no(`must be ADDR/BITS: ${parsed.error}`);
  },
  print: (v) => `${v.address.text}/${v.bits}`,
};

export const iface = textMatching('an interface name (1..15 characters, no / : or spaces)', isInterfaceName);

/** A list of 1..max items of one kind; `unique` refuses repeats (same printed value). */
export function listOf<T>(item: ArgKind<T>, min: number, max: number, unique: boolean): ArgKind<readonly T[]> {
  const expects = `a list of ${min}..${max} items, each ${item.expects}`;
  return {
    expects,
    parse(v) {
      if (!Array.isArray(v) || v.length < min || v.length > max) return no(`must be ${expects}`);
      const out: T[] = [];
      const seen = new Set<string>();
      for (let i = 0; i < v.length; i++) {
        const parsed = item.parse(v[i]);
        if (!parsed.ok) return no(`[${i}] ${parsed.error}`);
        const key = JSON.stringify(item.print(parsed.value));
        if (unique && seen.has(key)) return no(`[${i}] repeats ${key}`);
        seen.add(key);
        out.push(parsed.value);
      }
      return ok(out);
    },
    print: (v) => v.map((x) => item.print(x)),
  };
}

/** Event names are checked for shape here; the daemon's event runner checks that the event exists. */
export const eventName = textMatching('an event name such as "monitor" or "takeip"', (v) => /^[a-z]{1,32}$/.test(v));
export const eventArgument = textMatching('a string of at most 1024 characters without NUL', (v) => v.length <= 1024 && !v.includes('\0'));
/** `NN.name` or CTDB's `NN.name.script`, as the event runner accepts (two digits, a dot, a name without dots, not a `~` backup). */
export const scriptName = textMatching('a script name NN.name or NN.name.script (two digits, a dot, a name without dots)',
  (v) => /^[0-9]{2}\.[^.\s/]+(\.script)?$/.test(v) && !v.endsWith('~') && v.length <= 255);

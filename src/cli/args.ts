// Reads a command's argv against a small table of its options: flags, options with a value, positionals.

import { IpAddress, IpPrefix, parseIp, parsePrefix } from '../core/ip';
import { isInterfaceName } from '../protocol/frame-fields';
import { UsageError } from '../client/usage-error';

export interface OptionSpec {
  /** Long name with dashes, e.g. `--json`. */
  readonly name: string;
  /** Short alias, e.g. `-v`. */
  readonly alias?: string;
  /** True when the option takes a value (`--socket PATH` or `--socket=PATH`). */
  readonly takesValue: boolean;
  /** What the value is, for error messages (`PATH`, `PNN`). */
  readonly valueName?: string;
}

export interface ParsedArgs {
  /** Flags that were given, by long name. */
  readonly flags: ReadonlySet<string>;
  /** Values of options, by long name; a repeated option keeps its last value. */
  readonly values: ReadonlyMap<string, string>;
  readonly positionals: readonly string[];
}

/**
 * Splits argv. `--` ends the options, so an event argument such as `-x` can
 * still be passed; a lone `-` or a negative number is a positional, so
 * `ban -n 1 30` and arguments like `-1` read naturally.
 */
export function parseArgs(args: readonly string[], options: readonly OptionSpec[]): ParsedArgs {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const positionals: string[] = [];
  const find = (name: string): OptionSpec | undefined => options.find((o) => o.name === name || o.alias === name);
  let optionsEnded = false;
  for (let k = 0; k < args.length; k++) {
    const arg = args[k];
    if (optionsEnded || !arg.startsWith('-') || arg === '-' || /^-[0-9]/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      optionsEnded = true;
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = find(name);
    if (spec === undefined) {
      const known = options.map((o) => (o.alias ? `${o.alias}|${o.name}` : o.name)).join(', ');
      throw new UsageError(`unknown option '${name}'${known ? ` (this command takes ${known})` : ' (this command takes none)'}`);
    }
    if (!spec.takesValue) {
      if (eq > 0) throw new UsageError(`${spec.name} takes no value`);
      flags.add(spec.name);
      continue;
    }
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else value = args[++k];
    if (value === undefined || value === '') {
      throw new UsageError(`${spec.name} needs a value: ${spec.valueName ?? 'VALUE'}`);
    }
    values.set(spec.name, value);
  }
  return { flags, values, positionals };
}

/** A whole number within bounds, or a UsageError naming `what`. */
export function parseWholeNumber(text: string, what: string, min: number, max: number): number {
  if (!/^[0-9]+$/.test(text)) throw new UsageError(`${what} must be a whole number ${min}..${max}, not '${text}'`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${what} must be a whole number ${min}..${max}, not '${text}'`);
  }
  return value;
}

/** Checks the number of positionals; `names` describes them for the message. */
export function expectPositionals(parsed: ParsedArgs, min: number, max: number, names: string): readonly string[] {
  const given = parsed.positionals;
  if (given.length < min) {
    const missing = names.split(' ').slice(given.length, min).join(' ');
    throw new UsageError(`missing ${missing}`);
  }
  if (given.length > max) {
    throw new UsageError(max === 0
      ? `takes no arguments, but got '${given.join(' ')}'`
      : `takes at most ${max} argument${max === 1 ? '' : 's'} (${names}), but got '${given.join(' ')}'`);
  }
  return given;
}

/** An IPv4/IPv6 address argument, or a UsageError naming `what`. */
export function parseIpArg(text: string, what: string): IpAddress {
  const parsed = parseIp(text);
  if (!parsed.ok) throw new UsageError(`${what} must be an IPv4 or IPv6 address: ${parsed.error}`);
  return parsed.value;
}

/** An ADDR/BITS argument, or a UsageError naming `what`. */
export function parsePrefixArg(text: string, what: string): IpPrefix {
  const parsed = parsePrefix(text);
  if (!parsed.ok) throw new UsageError(`${what} must be ADDR/BITS, e.g. 198.51.100.7/24: ${parsed.error}`);
  return parsed.value;
}

/** An interface name as the kernel accepts it, or a UsageError naming `what`. */
export function parseIfaceArg(text: string, what: string): string {
  if (!isInterfaceName(text)) throw new UsageError(`${what} must be an interface name (1..15 characters, no / : or spaces), not '${text}'`);
  return text;
}

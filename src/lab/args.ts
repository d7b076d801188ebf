// Reads `floatip lab VERB ...` into a typed LabCommand; every mistake is a UsageError saying what to write.

import { resolve } from 'node:path';
import { TIMING_PROFILES, TimingProfileName } from '../config/option-kinds';
import { UsageError } from '../client/usage-error';
import { DEFAULT_PREFIX, MAX_NODES, prefixProblem } from './names';
import { MAX_IPV4_ADDRESSES, MAX_IPV6_ADDRESSES } from './plan';

/** Which lab a command acts on. */
export interface LabTarget {
  readonly prefix: string;
  readonly dir: string;
}

export const FAULT_MODES = ['kill', 'link', 'freeze', 'stop', 'monitor'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];
export const LINK_SETS = ['all', 'public', 'private'] as const;
/** Which of a node's links `--mode link` cuts. */
export type LinkSet = (typeof LINK_SETS)[number];

/** Where `exec` runs: a node, the client or the switch namespace. */
export type LabPlace = { readonly kind: 'node'; readonly pnn: number } | { readonly kind: 'client' } | { readonly kind: 'switch' };

export interface UpRequest {
  readonly nodes: number;
  readonly ipv4Addresses: number;
  readonly ipv6Addresses: number;
  readonly profile: TimingProfileName;
  readonly daemons: boolean;
  /** Another floatipd to run (a path), instead of this package's. */
  readonly floatipd: string | undefined;
  readonly startTimeoutMs: number;
  /** `--cluster-lock SPEC`: every node gets `cluster_lock = SPEC` and `quorum = "lock"` (see LabOptions). */
  readonly clusterLock?: string;
}

export type LabCommand =
  | { readonly verb: 'up'; readonly target: LabTarget; readonly up: UpRequest }
  | { readonly verb: 'down'; readonly target: LabTarget }
  | { readonly verb: 'status'; readonly target: LabTarget; readonly json: boolean }
  | { readonly verb: 'fail'; readonly target: LabTarget; readonly pnn: number; readonly mode: FaultMode; readonly links: LinkSet }
  | { readonly verb: 'heal'; readonly target: LabTarget; readonly pnn: number | undefined }
  | { readonly verb: 'partition'; readonly target: LabTarget; readonly groups: readonly (readonly number[])[] }
  | { readonly verb: 'exec'; readonly target: LabTarget; readonly place: LabPlace; readonly command: readonly string[] }
  | { readonly verb: 'demo'; readonly target: LabTarget; readonly demo: DemoRequest }
  | { readonly verb: 'add-node'; readonly target: LabTarget; readonly startTimeoutMs: number };

/** `floatip lab demo`: the lab to build, the fault to show, and on which node (undefined: the one holding the most addresses). */
export interface DemoRequest {
  readonly up: UpRequest;
  readonly mode: FaultMode;
  readonly victim: number | undefined;
}

export type LabVerb = LabCommand['verb'];

/** A failover needs a quorate majority left after one node fails: 3 nodes at least (no cluster lock in the lab). */
export const DEMO_MIN_NODES = 3;
/** The client probes every address every few ms: a few dozen is plenty to watch and light on a small machine. */
export const DEMO_MAX_ADDRESSES = 64;

export const DEFAULT_LAB_ROOT = '/run/floatip-lab';
const DEFAULT_START_TIMEOUT_SECONDS = 15;

interface OptionSpec {
  readonly name: string;
  /** What the value is, for messages; absent for a flag. */
  readonly value?: string;
}

const TARGET_OPTIONS: readonly OptionSpec[] = [{ name: '--prefix', value: 'PREFIX' }, { name: '--dir', value: 'DIR' }];

const VERB_OPTIONS: Readonly<Record<LabVerb, readonly OptionSpec[]>> = {
  up: [
    { name: '--nodes', value: 'N' }, { name: '--ips', value: 'M' }, { name: '--ips6', value: 'K' }, { name: '--ipv6' },
    { name: '--profile', value: TIMING_PROFILES.join('|') }, { name: '--no-daemons' }, { name: '--floatipd', value: 'PATH' },
    { name: '--start-timeout', value: 'SECONDS' }, { name: '--cluster-lock', value: 'SPEC' },
  ],
  down: [],
  status: [{ name: '--json' }],
  fail: [{ name: '--mode', value: FAULT_MODES.join('|') }, { name: '--links', value: LINK_SETS.join('|') }],
  heal: [],
  partition: [],
  exec: [],
  'add-node': [{ name: '--start-timeout', value: 'SECONDS' }],
  demo: [
    { name: '--nodes', value: 'N' }, { name: '--ips', value: 'M' }, { name: '--ipv6' }, { name: '--profile', value: TIMING_PROFILES.join('|') },
    { name: '--mode', value: FAULT_MODES.join('|') }, { name: '--node', value: 'NODE' }, { name: '--floatipd', value: 'PATH' },
    { name: '--start-timeout', value: 'SECONDS' },
  ],
};

interface Reading {
  readonly flags: Set<string>;
  readonly values: Map<string, string>;
  readonly positionals: string[];
}

/**
 * Splits argv by the verb's option table. For `exec`, everything after the
 * place (and an optional `--`) is the command, so its own options pass through.
 */
function readOptions(verb: LabVerb, args: readonly string[]): Reading {
  const table = [...TARGET_OPTIONS, ...VERB_OPTIONS[verb]];
  const reading: Reading = { flags: new Set(), values: new Map(), positionals: [] };
  for (let k = 0; k < args.length; k++) {
    const arg = args[k];
    if (verb === 'exec' && reading.positionals.length === 1) {
      reading.positionals.push(...args.slice(arg === '--' ? k + 1 : k));
      break;
    }
    if (arg === '--') {
      reading.positionals.push(...args.slice(k + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      reading.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = table.find((o) => o.name === name);
    if (spec === undefined) {
      const known = table.map((o) => (o.value ? `${o.name} ${o.value}` : o.name)).join(', ');
      throw new UsageError(`lab ${verb}: unknown option '${name}' (it takes ${known})`);
    }
    if (spec.value === undefined) {
      if (eq > 0) throw new UsageError(`lab ${verb}: ${name} takes no value`);
      reading.flags.add(name);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++k];
    if (value === undefined || value === '') throw new UsageError(`lab ${verb}: ${name} needs a value: ${spec.value}`);
    reading.values.set(name, value);
  }
  return reading;
}

function wholeNumber(text: string, what: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || value < min || value > max) {
    throw new UsageError(`${what} must be a whole number ${min}..${max}, not '${text}'`);
  }
  return value;
}

function oneOf<T extends string>(text: string, what: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`${what} must be one of ${allowed.join(', ')}, not '${text}'`);
  return text as T;
}

function positionalCount(verb: LabVerb, reading: Reading, min: number, max: number, names: string): void {
  const count = reading.positionals.length;
  if (count < min || count > max) {
    const extra = count > max ? `unexpected '${reading.positionals[max]}'` : `missing ${names}`;
    throw new UsageError(`lab ${verb}: ${extra} (usage: floatip lab ${verb}${names ? ` ${names}` : ''})`);
  }
}

function nodeNumber(text: string): number {
  return wholeNumber(text, 'NODE', 0, MAX_NODES - 1);
}

function targetOf(reading: Reading, cwd: string): LabTarget {
  const prefix = reading.values.get('--prefix') ?? DEFAULT_PREFIX;
  const problem = prefixProblem(prefix);
  if (problem !== undefined) throw new UsageError(`--prefix: ${problem}`);
  const dirText = reading.values.get('--dir');
  return { prefix, dir: dirText === undefined ? `${DEFAULT_LAB_ROOT}/${prefix}` : resolve(cwd, dirText) };
}

/** `0,1 2` -> [[0, 1], [2]]. Whether they cover the lab's nodes is checked against the lab itself. */
export function parseGroups(texts: readonly string[]): number[][] {
  if (texts.length < 1) throw new UsageError('lab partition: give the groups of nodes, e.g. `floatip lab partition 0,1 2`');
  return texts.map((text) => text.split(',').map((part) => {
    if (part === '') throw new UsageError(`lab partition: group '${text}' has an empty entry: write node numbers separated by commas, e.g. 0,1`);
    return nodeNumber(part);
  }));
}

function parsePlace(text: string): LabPlace {
  if (text === 'client') return { kind: 'client' };
  if (text === 'switch') return { kind: 'switch' };
  if (!/^[0-9]+$/.test(text)) throw new UsageError(`lab exec: '${text}' is not a place: give a node number, 'client' or 'switch'`);
  return { kind: 'node', pnn: nodeNumber(text) };
}

function parseUp(reading: Reading): UpRequest {
  const { values, flags } = reading;
  const ipv4Addresses = wholeNumber(values.get('--ips') ?? '3', '--ips', 0, MAX_IPV4_ADDRESSES);
  const ips6 = values.get('--ips6');
  const ipv6Addresses = ips6 !== undefined ? wholeNumber(ips6, '--ips6', 0, MAX_IPV6_ADDRESSES)
    : flags.has('--ipv6') ? Math.max(1, ipv4Addresses) : 0;
  if (ipv4Addresses + ipv6Addresses === 0) throw new UsageError('lab up: a lab needs at least one public address: give --ips 1 or more, or --ips6');
  const noDaemons = flags.has('--no-daemons');
  const floatipd = values.get('--floatipd');
  if (noDaemons && floatipd !== undefined) throw new UsageError('lab up: --floatipd and --no-daemons contradict each other: give one of them');
  return {
    nodes: wholeNumber(values.get('--nodes') ?? '3', '--nodes', 1, MAX_NODES),
    ipv4Addresses,
    ipv6Addresses,
    profile: oneOf(values.get('--profile') ?? 'default', '--profile', TIMING_PROFILES),
    daemons: !noDaemons,
    floatipd,
    startTimeoutMs: 1000 * wholeNumber(values.get('--start-timeout') ?? String(DEFAULT_START_TIMEOUT_SECONDS), '--start-timeout', 1, 600),
    ...(values.has('--cluster-lock') ? { clusterLock: values.get('--cluster-lock') } : {}),
  };
}

/** Six addresses on three nodes: two per node, so the failed node's addresses visibly spread over the survivors. */
const DEMO_DEFAULT_ADDRESSES = '6';

function parseDemo(reading: Reading): DemoRequest {
  if (!reading.values.has('--ips')) reading.values.set('--ips', DEMO_DEFAULT_ADDRESSES);
  const up = parseUp(reading);
  if (up.nodes < DEMO_MIN_NODES) {
    throw new UsageError(`lab demo: --nodes must be ${DEMO_MIN_NODES} or more: after one node fails, the others must still be a majority`);
  }
  if (up.ipv4Addresses + up.ipv6Addresses > DEMO_MAX_ADDRESSES) {
    throw new UsageError(`lab demo: at most ${DEMO_MAX_ADDRESSES} public addresses (with --ipv6 they count twice); `
      + 'for more, use `floatip lab up` and `floatip lab fail`');
  }
  const victimText = reading.values.get('--node');
  const victim = victimText === undefined ? undefined : nodeNumber(victimText);
  if (victim !== undefined && victim >= up.nodes) throw new UsageError(`lab demo: --node ${victim} is not in a lab of ${up.nodes} nodes (0..${up.nodes - 1})`);
  return { up, mode: oneOf(reading.values.get('--mode') ?? 'kill', '--mode', FAULT_MODES), victim };
}

const VERBS = Object.keys(VERB_OPTIONS) as LabVerb[];

/** Parses `lab` argv (without `lab`). `cwd` resolves a relative --dir. */
export function parseLabArgs(args: readonly string[], cwd: string): LabCommand {
  const [verbText, ...rest] = args;
  if (verbText === undefined) throw new UsageError(`lab: give a verb: ${VERBS.join(', ')}`);
  if (!(VERBS as string[]).includes(verbText)) throw new UsageError(`lab: unknown verb '${verbText}': use one of ${VERBS.join(', ')}`);
  const verb = verbText as LabVerb;
  const reading = readOptions(verb, rest);
  const target = targetOf(reading, cwd);
  switch (verb) {
    case 'up':
      positionalCount(verb, reading, 0, 0, '');
      return { verb, target, up: parseUp(reading) };
    case 'down':
      positionalCount(verb, reading, 0, 0, '');
      return { verb, target };
    case 'demo':
      positionalCount(verb, reading, 0, 0, '');
      return { verb, target, demo: parseDemo(reading) };
    case 'status':
      positionalCount(verb, reading, 0, 0, '');
      return { verb, target, json: reading.flags.has('--json') };
    case 'fail': {
      positionalCount(verb, reading, 1, 1, 'NODE --mode MODE');
      const modeText = reading.values.get('--mode');
      if (modeText === undefined) throw new UsageError(`lab fail: give --mode ${FAULT_MODES.join('|')}`);
      const mode = oneOf(modeText, '--mode', FAULT_MODES);
      const linksText = reading.values.get('--links');
      if (linksText !== undefined && mode !== 'link') throw new UsageError('lab fail: --links goes with --mode link only');
      return { verb, target, pnn: nodeNumber(reading.positionals[0]), mode, links: oneOf(linksText ?? 'all', '--links', LINK_SETS) };
    }
    case 'heal':
      positionalCount(verb, reading, 0, 1, '[NODE]');
      return { verb, target, pnn: reading.positionals.length === 1 ? nodeNumber(reading.positionals[0]) : undefined };
    case 'partition':
      return { verb, target, groups: parseGroups(reading.positionals) };
    case 'add-node':
      positionalCount(verb, reading, 0, 0, '');
      return {
        verb, target,
        startTimeoutMs: 1000 * wholeNumber(reading.values.get('--start-timeout') ?? String(DEFAULT_START_TIMEOUT_SECONDS), '--start-timeout', 1, 600),
      };
    case 'exec': {
      if (reading.positionals.length < 2) throw new UsageError('lab exec: usage: floatip lab exec NODE|client|switch -- COMMAND [ARGS...]');
      const [placeText, ...command] = reading.positionals;
      return { verb, target, place: parsePlace(placeText), command };
    }
  }
}

// Reads `npm run soak -- ...` options into SoakArgs; every mistake is a UsageError saying what to write.

import { UsageError } from '../client/usage-error';
import { TIMING_PROFILES, TimingProfileName } from '../config/option-kinds';
import { prefixProblem } from '../lab/names';
import { OPERATION_KINDS } from './operation-schedule';
import { ALL_KINDS, FAULT_KINDS, FaultKind } from './schedule';

export interface SoakArgs {
  readonly help: boolean;
  readonly nodes: number;
  readonly minutes: number;
  readonly seed: number;
  readonly ipv4: number;
  readonly ipv6: number;
  readonly profile: TimingProfileName;
  readonly prefix: string;
  readonly dir: string;
  readonly maxFaulty: number | undefined;
  readonly kinds: readonly FaultKind[] | undefined;
  readonly floatipd: string | undefined;
  readonly keep: boolean;
}

export const SOAK_USAGE = `usage: npm run soak -- [--nodes N] [--minutes M] [--seed S] [--ips N] [--ips6 N]
       [--profile default|fast] [--max-faulty K] [--kinds KIND,...] [--prefix P] [--dir DIR]
       [--floatipd PATH] [--keep]

Runs real floatipds in a namespace lab (root), makes seeded random faults, samples every
node's addresses every 10 ms and asks for them from a client every 100 ms, then prints one
JSON report. The same seed gives the same schedule. Exit status 1 when an address was on
two nodes (inside the safety model), a daemon crashed, or a cluster operation (stop of
half, rolling restart, even split, one-way cut at a tie) broke its promise.
  --nodes N        nodes (default 5)
  --minutes M      length of the fault schedule (default 2; fractions allowed)
  --seed S         schedule seed, 0..4294967295 (default: a random one, printed)
  --ips N, --ips6 N  public IPv4 / IPv6 addresses (default 2 per node / 1 per node)
  --max-faulty K   nodes cut off at once (default: the largest minority); above a minority
                   the schedule leaves the safety model, and the report says when
  --kinds LIST     fault kinds to use (default all; the splits need an even --nodes): ${ALL_KINDS.join(',')};
                   'faults' names the random faults (the schedule of a seed before the cluster
                   operations came), 'operations' the operations (${OPERATION_KINDS.join(',')})
  --prefix P       lab prefix (default fsk); --dir DIR its files (default /run/floatip-soak/P)
  --floatipd PATH  another floatipd than the built one
  --keep           leave the lab up at the end (floatip lab down --prefix P removes it)

Ctrl-C (SIGINT) or SIGTERM takes the lab down and exits with 130, without a report.
`;

function whole(text: string | undefined, what: string, min: number, max: number): number {
  const value = Number(text);
  if (text === undefined || !/^[0-9]+$/.test(text) || value < min || value > max) {
    throw new UsageError(`${what} must be a whole number ${min}..${max}, not '${text ?? ''}'`);
  }
  return value;
}

/** Parses the soak's argv; `randomSeed` supplies the seed when none is given. */
export function parseSoakArgs(argv: readonly string[], randomSeed: () => number): SoakArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const valued = ['--nodes', '--minutes', '--seed', '--ips', '--ips6', '--profile', '--max-faulty', '--kinds', '--prefix', '--dir', '--floatipd'];
  for (let k = 0; k < argv.length; k++) {
    const [name, inline] = argv[k].includes('=') ? [argv[k].slice(0, argv[k].indexOf('=')), argv[k].slice(argv[k].indexOf('=') + 1)] : [argv[k], undefined];
    if (name === '--help' || name === '-h' || name === '--keep') {
      flags.add(name === '-h' ? '--help' : name);
    } else if (valued.includes(name)) {
      const value = inline ?? argv[++k];
      if (value === undefined || value === '') throw new UsageError(`${name} needs a value (see --help)`);
      values.set(name, value);
    } else {
      throw new UsageError(`unknown option '${argv[k]}': the soak takes ${valued.join(', ')}, --keep, --help`);
    }
  }
  const nodes = whole(values.get('--nodes') ?? '5', '--nodes', 2, 16);
  const minutesText = values.get('--minutes') ?? '2';
  const minutes = Number(minutesText);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(minutesText) || minutes <= 0 || minutes > 24 * 60) {
    throw new UsageError(`--minutes must be a number of minutes above 0 (e.g. 2 or 0.5), not '${minutesText}'`);
  }
  const profile = values.get('--profile') ?? 'default';
  if (!(TIMING_PROFILES as readonly string[]).includes(profile)) throw new UsageError(`--profile must be one of ${TIMING_PROFILES.join(', ')}, not '${profile}'`);
  const prefix = values.get('--prefix') ?? 'fsk';
  const problem = prefixProblem(prefix);
  if (problem !== undefined) throw new UsageError(`--prefix: ${problem}`);
  const kindsText = values.get('--kinds');
  const kinds = kindsText?.split(',').flatMap((k): FaultKind[] => {
    if (k === 'faults') return [...FAULT_KINDS];
    if (k === 'operations') return [...OPERATION_KINDS];
    if (!(ALL_KINDS as readonly string[]).includes(k)) throw new UsageError(`--kinds: unknown kind '${k}': use faults, operations or ${ALL_KINDS.join(', ')}`);
    return [k as FaultKind];
  });
  const maxFaultyText = values.get('--max-faulty');
  return {
    help: flags.has('--help'),
    nodes,
    minutes,
    seed: values.has('--seed') ? whole(values.get('--seed'), '--seed', 0, 0xffffffff) : randomSeed(),
    ipv4: whole(values.get('--ips') ?? String(2 * nodes), '--ips', 0, 239),
    ipv6: whole(values.get('--ips6') ?? String(nodes), '--ips6', 0, 1000),
    profile: profile as TimingProfileName,
    prefix,
    dir: values.get('--dir') ?? `/run/floatip-soak/${prefix}`,
    maxFaulty: maxFaultyText === undefined ? undefined : whole(maxFaultyText, '--max-faulty', 0, nodes - 1),
    kinds,
    floatipd: values.get('--floatipd'),
    keep: flags.has('--keep'),
  };
}

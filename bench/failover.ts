// Failover benchmark: real floatipds in a 3-node `floatip lab`, faults made for real, times measured from the fault; prints one JSON document.
//
// Run as root: `npm run bench:failover -- --trials N` (the script builds first: the bench
// measures the compiled daemon users run). For each timing profile, a lab with one public
// IPv4 address per node, then a lab with 1000 addresses (478 IPv4, the most the lab's
// documentation ranges hold, and 522 IPv6); in each, for every trial, every fault mode
// and both victims (the leader, a follower): fault, time the move (failover-trial.ts),
// heal, wait until the cluster settles. Trials of all cases are interleaved, so a busy
// moment of the machine spreads over every case instead of spoiling one.
//
// Options: --trials N (10), --many-trials N (as --trials; 0 skips the 1000-address lab),
// --profiles default,fast  --modes kill,link,freeze  --victims leader,follower, --svg PATH
// (failover-reach.svg: every case's reach times, bench/reach-svg.ts), --prefix P (fbf: the
// lab's namespace prefix). Every trial and lab start reports each daemon's event-loop delay
// (p99, max: bench/loop-delay-windows.ts).
// --nodes 3,8,16: instead, one lab per node count with one address per node, and a table
// against N (bench/failover-scale.ts): kill and link reach p50, RSS of floatipd + guardian,
// idle CPU per daemon, lab up to every address served; the picture is failover time against N.
// Progress goes to stderr; every lab's daemon logs stay in /tmp/floatip-bench-logs/PREFIX/PROFILE-SET-N/.

import { loadavg } from 'node:os';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { TIMING_PROFILES, TimingProfileName } from '../src/config/option-kinds';
import { labDown } from '../src/lab';
import { MAX_IPV4_ADDRESSES } from '../src/lab/plan';
import { BenchError, BenchLab } from './failover-lab';
import { LabStart, runCases } from './failover-cases';
import { measureAtRest, NodeFootprint, scaleReachRows, scaleRow, ScaleRow, scaleTable } from './failover-scale';
import { AddressSet, benchHeader, checkGoals, ComboResult } from './failover-stats';
import { FAULT_MODES, FaultMode, TrialSettings, VICTIM_ROLES, VictimRole } from './failover-trial';
import { ProbedLab } from './probed-lab';
import { reachChartSvg } from './reach-svg';

const DEFAULT_PREFIX = 'fbf';
/** How long a settled lab is left alone to measure its idle CPU. */
const AT_REST_MS = 10_000;
const MANY = 1000;
/** The lab up now, for taking it down on Ctrl-C. */
let activeLab: ProbedLab | undefined;
/** Labs started so far: each keeps its daemons' logs in a directory of its own. */
let labsStarted = 0;

interface Options {
  readonly trials: number;
  readonly manyTrials: number;
  readonly profiles: readonly TimingProfileName[];
  readonly modes: readonly FaultMode[];
  readonly victims: readonly VictimRole[];
  /** `--floatipd PATH`: run this floatipd (e.g. a wrapper that profiles it) instead of the built one. */
  readonly floatipd: string | undefined;
  /** `--svg PATH`: where the picture of every case's reach times goes. */
  readonly svg: string;
  /** `--prefix P`: the lab's namespace and link prefix. */
  readonly prefix: string;
  /** `--nodes 3,8`: the node counts of a scale run; undefined: the usual 3-node run. */
  readonly nodes: readonly number[] | undefined;
}

export function listOption<T extends string>(text: string, allowed: readonly T[], name: string): T[] {
  const values = text.split(',').filter((v) => v !== '');
  const bad = values.filter((v) => !(allowed as readonly string[]).includes(v));
  if (values.length === 0 || bad.length > 0) throw new BenchError('E_BENCH_ARGS', `${name} takes a comma-separated list of ${allowed.join(', ')}; not '${text}'`);
  return values as T[];
}

export function countOption(text: string | undefined, name: string, min: number): number {
  const value = Number(text);
  if (text === undefined || !Number.isInteger(value) || value < min) throw new BenchError('E_BENCH_ARGS', `${name} takes a whole number >= ${min}, not '${text}'`);
  return value;
}

export function parseOptions(argv: readonly string[]): Options {
  let trials = 10;
  let manyTrials: number | undefined;
  let profiles: TimingProfileName[] = [...TIMING_PROFILES];
  let modes: FaultMode[] = [...FAULT_MODES];
  let victims: VictimRole[] = [...VICTIM_ROLES];
  let floatipd: string | undefined;
  let svg: string | undefined;
  let prefix = DEFAULT_PREFIX;
  let nodes: number[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--trials': trials = countOption(value, '--trials', 1); i++; break;
      case '--many-trials': manyTrials = countOption(value, '--many-trials', 0); i++; break;
      case '--profiles': profiles = listOption(value ?? '', TIMING_PROFILES, '--profiles'); i++; break;
      case '--modes': modes = listOption(value ?? '', FAULT_MODES, '--modes'); i++; break;
      case '--victims': victims = listOption(value ?? '', VICTIM_ROLES, '--victims'); i++; break;
      case '--floatipd':
        if (!value) throw new BenchError('E_BENCH_ARGS', '--floatipd takes the path of a floatipd executable');
        floatipd = value; i++; break;
      case '--svg':
        if (!value) throw new BenchError('E_BENCH_ARGS', '--svg takes the path of the picture to write');
        svg = value; i++; break;
      case '--prefix':
        if (!value || !/^[a-z][a-z0-9]{0,5}$/.test(value)) throw new BenchError('E_BENCH_ARGS', '--prefix takes 1-6 lower-case letters and digits, a letter first');
        prefix = value; i++; break;
      case '--nodes':
        nodes = (value ?? '').split(',').map((n) => countOption(n, '--nodes', 2));
        i++; break;
      default:
        throw new BenchError('E_BENCH_ARGS', `unknown argument '${argv[i]}': use --trials N, --many-trials N, --profiles default,fast, --modes kill,link,freeze, --victims leader,follower, --floatipd PATH, --svg PATH, --prefix P, --nodes 3,8,16`);
    }
  }
  return {
    trials, manyTrials: manyTrials ?? trials, profiles, modes, victims, floatipd, prefix, nodes,
    svg: svg ?? (nodes ? 'failover-nodes.svg' : 'failover-reach.svg'),
  };
}

function log(text: string): void {
  process.stderr.write(`failover bench: ${text}\n`);
}

/** The settings a trial runs with in an address set; the ARP prober slows down with many addresses (about 2000 frames/s). */
export function settingsFor(set: AddressSet): TrialSettings {
  return { moveTimeoutMs: 15_000, tailMs: 300, arpIntervalMs: Math.max(10, Math.round(set.ipv4 / 2)), settleTimeoutMs: 90_000, quietMs: 1000 };
}

function logDir(options: Options): string {
  return join(tmpdir(), 'floatip-bench-logs', options.prefix);
}

/** Each lab start (restarts too): how long until settled, each daemon's loop delay meanwhile. */
const startups: Array<LabStart & { readonly nodes: number }> = [];

function runSet(profile: TimingProfileName, set: AddressSet, trials: number, options: Options, nodes = 3,
  atRest?: (lab: BenchLab) => Promise<void>): Promise<ComboResult[]> {
  return runCases({
    name: profile, set, trials, modes: options.modes, victims: options.victims, settings: settingsFor(set), log,
    onLab: (lab) => { activeLab = lab; },
    onStart: async (start, lab) => {
      startups.push({ nodes, ...start });
      if (atRest && lab instanceof BenchLab) await atRest(lab);
    },
    up: () => {
      labsStarted++;
      return BenchLab.up({
        prefix: options.prefix, profile, ipv4: set.ipv4, ipv6: set.ipv6, nodes,
        logDir: join(logDir(options), `${profile}-${nodes}n-${set.name}-${labsStarted}`), floatipd: options.floatipd,
      });
    },
  });
}

/** `--nodes`: per node count and profile, one address per node, the footprint at rest after the first start, then the trials. */
async function runScale(options: Options, counts: readonly number[]): Promise<{ rows: ScaleRow[]; results: Array<{ nodes: number; results: ComboResult[] }> }> {
  const rows: ScaleRow[] = [];
  const all: Array<{ nodes: number; results: ComboResult[] }> = [];
  for (const nodes of counts) {
    for (const profile of options.profiles) {
      let footprint: NodeFootprint[] = [];
      let served: number | null = null;
      const set: AddressSet = { name: 'single', ipv4: nodes, ipv6: 0 };
      const results = await runSet(profile, set, options.trials, options, nodes, async (lab) => {
        if (footprint.length > 0) return;
        served = startups[startups.length - 1]?.up_to_served_ms ?? null;
        log(`${profile}/${nodes} nodes: measuring ${AT_REST_MS} ms at rest`);
        footprint = await measureAtRest(lab, AT_REST_MS);
      });
      const row = scaleRow(nodes, profile, results, footprint, served);
      log(`${profile}/${nodes} nodes: ${JSON.stringify(row)}`);
      rows.push(row);
      all.push({ nodes, results });
    }
  }
  return { rows, results: all };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new BenchError('E_BENCH_ARGS', 'the failover bench makes network namespaces: run it as root');
  const stop = (): void => {
    const down = activeLab ? activeLab.down() : labDown({ prefix: options.prefix, dir: join(tmpdir(), `${options.prefix}-interrupted`) }).then(() => undefined);
    void down.finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  rmSync(logDir(options), { recursive: true, force: true });
  const started = new Date();
  const loadBefore = loadavg();
  if (options.nodes) {
    await mainScale(options, options.nodes, started, loadBefore);
    return;
  }
  const sets: AddressSet[] = [{ name: 'single', ipv4: 3, ipv6: 0 }];
  if (options.manyTrials > 0) sets.push({ name: 'many', ipv4: MAX_IPV4_ADDRESSES, ipv6: MANY - MAX_IPV4_ADDRESSES });
  const results: ComboResult[] = [];
  for (const set of sets) {
    for (const profile of options.profiles) {
      results.push(...await runSet(profile, set, set.name === 'many' ? options.manyTrials : options.trials, options));
    }
  }
  const command = `npm run bench:failover -- ${process.argv.slice(2).join(' ')}`.trim();
  writeFileSync(resolve(options.svg), reachChartSvg({
    title: 'floatip: fault to client reach (3 nodes)',
    subtitle: `${command}; ${started.toISOString().slice(0, 16)} UTC, load ${loadBefore[0].toFixed(1)} at the start`,
    rows: results.map((r) => ({ group: `${r.mode} / ${r.victim}, ${r.addresses} addresses`, series: r.profile, values: r.reach_trials })),
  }));
  process.stdout.write(`${JSON.stringify({
    ...benchHeader('failover', started, loadBefore, 'bench:failover'),
    svg: resolve(options.svg),
    nodes: 3,
    notes: [
      'times in ms from the fault: kill/freeze = the signal, link = the victim seeing its carrier go',
      'present: a survivor\'s kernel holds the address (netlink notification); garp: first gratuitous ARP / unsolicited NA from a survivor seen by the client; reach: first TCP connect from the client accepted by a survivor, stamped by the client kernel (its SYN-ACK arrived); reach_app: the same connect when the client probe\'s callback ran',
      'garp and reach are kernel receive stamps of the captured frames; capture_drops counts frames the capture lost',
      'each trial\'s figure is its slowest address: with 1000 addresses, the last of the victim\'s ~333 to move',
      `the 1000-address lab has ${MAX_IPV4_ADDRESSES} IPv4 addresses (all the lab's documentation ranges hold) and ${MANY - MAX_IPV4_ADDRESSES} IPv6`,
      'duplicates: an address on two nodes\' kernels at once (netlink notifications) or an ARP request of the client answered by two MACs',
    ],
    results,
    startups,
    goals: checkGoals(results),
    logs: logDir(options),
  }, null, 2)}\n`);
}

async function mainScale(options: Options, counts: readonly number[], started: Date, loadBefore: readonly number[]): Promise<void> {
  const { rows, results } = await runScale(options, counts);
  const command = `npm run bench:failover -- ${process.argv.slice(2).join(' ')}`.trim();
  writeFileSync(resolve(options.svg), reachChartSvg({
    title: 'floatip: fault to client reach against the node count',
    subtitle: `${command}; ${started.toISOString().slice(0, 16)} UTC, load ${loadBefore[0].toFixed(1)} at the start`,
    rows: scaleReachRows(results),
  }));
  const table = scaleTable(rows);
  log(`against the node count:\n${table}`);
  process.stdout.write(`${JSON.stringify({
    ...benchHeader('failover-nodes', started, loadBefore, 'bench:failover'),
    svg: resolve(options.svg),
    notes: [
      'one public IPv4 address per node; reach p50: the slower victim (leader or follower) of each fault mode',
      `RSS: VmRSS of floatipd + its guardian, the largest node; idle CPU: utime+stime over ${AT_REST_MS} ms after the first settle, % of one core`,
      'lab up to all served: from the lab\'s start until the last public address appeared on a node (netlink notification)',
    ],
    table: rows,
    table_text: table,
    startups,
    results,
    logs: logDir(options),
  }, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    log(error instanceof BenchError ? `${error.code}: ${error.message}` : String((error as Error).stack ?? error));
    process.exit(1);
  });
}

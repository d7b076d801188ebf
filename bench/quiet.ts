// Quiet-run benchmark: a settled lab left alone (or beside a soak's load) for minutes; every failover, detection, fence and exit in that time is spurious. Prints one JSON document.
//
// Run as root: `npm run bench:quiet -- --profile ultra --minutes 10` (builds first).
// Options: --profile default|fast|ultra (ultra), --minutes M (10), --addresses N (3; above the
// lab's 478 IPv4 addresses the rest are IPv6, as in the failover bench), --prefix P (fq),
// --beside-soak (runs `node dist/src/soak/main.js --nodes 3` on prefix P+"s" for the same
// minutes, so the cluster shares the machine with a soak's faults, probes and restarts).
// What counts, from the moment the lab settled: address moves and duplicates seen by the
// lab's node probes (netlink), and in the daemons' logs peers judged DISCONNECTED, fences,
// stall reports and fatal exits. Issue 17 asks for 0 spurious failovers with the ultra profile
// in a 10-minute idle run and in one beside the soak. Progress goes to stderr; the daemons'
// logs stay in /tmp/floatip-bench-logs/PREFIX/.

import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { TIMING_PROFILES, TimingProfileName } from '../src/config/option-kinds';
import { labDown } from '../src/lab';
import { MAX_IPV4_ADDRESSES } from '../src/lab/plan';
import { prefixProblem } from '../src/lab/names';
import { BenchError, BenchLab } from './failover-lab';
import { countOption, listOption } from './failover';
import { monotonicMs } from './failover-messages';
import { benchHeader } from './failover-stats';

interface Options {
  readonly profile: TimingProfileName;
  readonly minutes: number;
  readonly addresses: number;
  readonly prefix: string;
  readonly besideSoak: boolean;
  /** `--floatipd PATH`: run this floatipd (e.g. a wrapper that profiles it) instead of the built one. */
  readonly floatipd: string | undefined;
}

/** What the daemons' logs say happened after the lab settled; every count should be 0 on a quiet cluster. */
export interface LogEvents {
  /** A node judged a peer DISCONNECTED (silence or a closed stream). */
  readonly disconnected: number;
  /** A node fenced itself (released every address: no quorum, stall, stop). */
  readonly fences: number;
  /** A process stood still and said so (frozen, idle stall, main loop stalled). */
  readonly stalls: number;
  readonly fatalExits: number;
  /** The first lines of each kind, for the reader. */
  readonly examples: readonly string[];
}

const SETTLE_TIMEOUT_MS = 90_000;
const QUIET_MS = 1000;
const CHECK_EVERY_MS = 5000;

function log(text: string): void {
  process.stderr.write(`quiet bench: ${text}\n`);
}

export function parseQuietOptions(argv: readonly string[]): Options {
  let profile: TimingProfileName = 'ultra';
  let minutes = 10;
  let addresses = 3;
  let prefix = 'fq';
  let besideSoak = false;
  let floatipd: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--profile': profile = listOption(value ?? '', TIMING_PROFILES, '--profile')[0]; i++; break;
      case '--minutes': minutes = countOption(value, '--minutes', 1); i++; break;
      case '--addresses': addresses = countOption(value, '--addresses', 1); i++; break;
      case '--prefix':
        if (value === undefined || prefixProblem(value) !== undefined || value.length > 5) throw new BenchError('E_BENCH_ARGS', `--prefix: ${value === undefined ? 'needs a value' : prefixProblem(value) ?? 'at most 5 characters (the soak beside it adds one)'}`);
        prefix = value; i++; break;
      case '--beside-soak': besideSoak = true; break;
      case '--floatipd':
        if (!value) throw new BenchError('E_BENCH_ARGS', '--floatipd takes the path of a floatipd executable');
        floatipd = value; i++; break;
      default:
        throw new BenchError('E_BENCH_ARGS', `unknown argument '${argv[i]}': use --profile ${TIMING_PROFILES.join('|')}, --minutes M, --addresses N, --prefix P, --beside-soak, --floatipd PATH`);
    }
  }
  return { profile, minutes, addresses, prefix, besideSoak, floatipd };
}

/** Counts the spurious events in one daemon log's lines stamped at or after `since` (ISO time, as the logs write it). */
export function countLogEvents(text: string, since: string): LogEvents {
  let disconnected = 0;
  let fences = 0;
  let stalls = 0;
  let fatalExits = 0;
  const examples: string[] = [];
  const note = (line: string): void => { if (examples.length < 10) examples.push(line.slice(0, 300)); };
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { time?: string; msg?: string; change?: string; component?: string; fatal?: boolean };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (entry.time === undefined || entry.time < since) continue;
    const msg = entry.msg ?? '';
    const flags = entry.change === 'flags' ? /: (\S+) -> (\S+)/.exec(msg) : null;
    const counts = [
      flags !== null && flags[2].split('|').includes('DISCONNECTED') && !flags[1].split('|').includes('DISCONNECTED') && ++disconnected,
      entry.component === 'fence' && ++fences,
      /stood still/.test(msg) && ++stalls,
      entry.fatal === true && ++fatalExits,
    ];
    if (counts.some(Boolean)) note(line);
  }
  return { disconnected, fences, stalls, fatalExits, examples };
}

function sumEvents(all: readonly LogEvents[]): LogEvents {
  return {
    disconnected: all.reduce((n, e) => n + e.disconnected, 0),
    fences: all.reduce((n, e) => n + e.fences, 0),
    stalls: all.reduce((n, e) => n + e.stalls, 0),
    fatalExits: all.reduce((n, e) => n + e.fatalExits, 0),
    examples: all.flatMap((e) => e.examples).slice(0, 10),
  };
}

function startSoak(options: Options): ChildProcess {
  const script = join(__dirname, '..', 'src', 'soak', 'main.js');
  const child = spawn(process.execPath, [script, '--nodes', '3', '--minutes', String(options.minutes + 1), '--seed', '2026', '--prefix', `${options.prefix}s`], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  return child;
}

async function main(): Promise<void> {
  const options = parseQuietOptions(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new BenchError('E_BENCH_ARGS', 'the quiet bench makes network namespaces: run it as root');
  const logDir = join(tmpdir(), 'floatip-bench-logs', options.prefix);
  rmSync(logDir, { recursive: true, force: true });
  const started = new Date();
  const loadBefore = loadavg();
  let lab: BenchLab | undefined;
  let soak: ChildProcess | undefined;
  process.once('SIGINT', () => {
    soak?.kill('SIGINT');
    void (lab ? lab.down() : labDown({ prefix: options.prefix, dir: join(tmpdir(), `${options.prefix}-interrupted`) })).finally(() => process.exit(130));
  });
  const ipv4 = Math.min(options.addresses, MAX_IPV4_ADDRESSES);
  let summary: Record<string, unknown>;
  try {
    lab = await BenchLab.up({ prefix: options.prefix, profile: options.profile, ipv4, ipv6: options.addresses - ipv4, logDir, floatipd: options.floatipd });
    const settleMs = await lab.settle(SETTLE_TIMEOUT_MS, QUIET_MS);
    const t0 = monotonicMs(); // the probes' clock
    const since = new Date().toISOString();
    log(`${options.profile}, ${options.addresses} addresses: settled after ${Math.round(settleMs)} ms; watching for ${options.minutes} min${options.besideSoak ? ' beside a soak' : ''}`);
    if (options.besideSoak) soak = startSoak(options);
    const until = t0 + options.minutes * 60_000;
    let died: string | undefined;
    while (monotonicMs() < until && died === undefined) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(CHECK_EVERY_MS, until - monotonicMs())));
      for (let pnn = 0; pnn < lab.nodes; pnn++) if ((await lab.pids(pnn)).length === 0) died ??= `node ${pnn}'s floatipd is gone`;
    }
    const t1 = monotonicMs();
    const moves = lab.presences().filter((p) => p.from > t0 || (Number.isFinite(p.to) && p.to <= t1));
    const duplicates = lab.overlaps(t0, t1);
    const nodes = lab.nodes;
    await lab.down(); // copies the daemons' logs to logDir
    lab = undefined;
    const events = sumEvents([...Array(nodes).keys()].map((pnn) => countLogEvents(readFileSync(join(logDir, `node${pnn}.log`), 'utf8'), since)));
    const spurious = moves.length + duplicates.length + events.disconnected + events.fences + events.stalls + events.fatalExits + (died ? 1 : 0);
    summary = {
      profile: options.profile, addresses: options.addresses, minutes: options.minutes, beside_soak: options.besideSoak,
      watched_s: Math.round((t1 - t0) / 1000), settle_ms: Math.round(settleMs),
      address_changes: moves.length, duplicates: duplicates.length, peers_judged_disconnected: events.disconnected,
      fences: events.fences, stall_reports: events.stalls, fatal_exits: events.fatalExits, daemon_gone: died ?? null,
      spurious_events: spurious, goal: { spurious_failovers_eq: 0, met: spurious === 0 },
      examples: [...events.examples, ...moves.slice(0, 5).map((p) => `${p.address} on node ${p.node} from ${Math.round(p.from - t0)} ms`)],
    };
    log(`${spurious} spurious event(s): ${JSON.stringify(summary)}`);
  } finally {
    soak?.kill('SIGINT');
    await lab?.down();
  }
  if (soak && soak.exitCode === null) await new Promise((resolve) => soak?.once('exit', resolve));
  process.stdout.write(`${JSON.stringify({ ...benchHeader('quiet', started, loadBefore, 'bench:quiet'), ...summary, logs: logDir }, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    log(error instanceof BenchError ? `${error.code}: ${error.message}` : String((error as Error).stack ?? error));
    process.exit(1);
  });
}

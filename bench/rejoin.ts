// Rejoin benchmark: real floatipds in a 4-node `floatip lab`, a node (or half) leaves and comes back, times measured from the undo; prints one JSON document.
//
// Run as root: `npm run bench:rejoin -- --trials N` (builds first). Scenarios (rejoin-trial.ts):
// link, restart, heal, stop-half; trials of all scenarios are interleaved so that a busy
// moment of the machine spreads over every scenario. Reuses the failover bench's lab
// (probes, address timelines, settle) and its percentile figures.
//
// Options: --trials N (10), --scenarios link,restart,heal,stop-half, --profile default|fast,
// --addresses N (IPv4 addresses, 8), --prefix P (lab and namespace prefix, h7), --floatipd PATH
// (another build's floatipd, to compare two builds under the same load). Progress goes
// to stderr; the daemons' logs stay in /tmp/floatip-bench-logs/PREFIX/LAB-N/.

import { loadavg, tmpdir } from 'node:os';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { TIMING_PROFILES, TimingProfileName } from '../src/config/option-kinds';
import { labDown } from '../src/lab';
import { prefixProblem } from '../src/lab/names';
import { BenchError, BenchLab } from './failover-lab';
import { benchHeader, spread } from './failover-stats';
import { RejoinResult, RejoinSettings, runRejoinTrial, Scenario, SCENARIOS } from './rejoin-trial';

const DEFAULT_PREFIX = 'h7';
const NODES = 4;
const MAX_LAB_RESTARTS = 3;
const GOAL_MS = 2000;
const SETTINGS: RejoinSettings = { readyTimeoutMs: 20_000, apartTimeoutMs: 20_000, settleTimeoutMs: 60_000, quietMs: 1000 };

let activeLab: BenchLab | undefined;

interface Options {
  readonly trials: number;
  readonly scenarios: readonly Scenario[];
  readonly profile: TimingProfileName;
  readonly addresses: number;
  /** Lab and namespace prefix, so two runs (or a run beside other labs) do not collide. */
  readonly prefix: string;
  /** Another floatipd to run (a path), else the built one. */
  readonly floatipd: string | undefined;
}

function log(text: string): void {
  process.stderr.write(`rejoin bench: ${text}\n`);
}

export function parseRejoinOptions(argv: readonly string[]): Options {
  let trials = 10;
  let scenarios: Scenario[] = [...SCENARIOS];
  let profile: TimingProfileName = 'default';
  let addresses = 8;
  let prefix = DEFAULT_PREFIX;
  let floatipd: string | undefined;
  const count = (text: string | undefined, name: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new BenchError('E_BENCH_ARGS', `${name} takes a whole number >= 1, not '${text}'`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1] ?? '';
    switch (argv[i]) {
      case '--trials': trials = count(value, '--trials'); i++; break;
      case '--addresses': addresses = count(value, '--addresses'); i++; break;
      case '--prefix':
        if (prefixProblem(value) !== undefined) throw new BenchError('E_BENCH_ARGS', `--prefix: ${prefixProblem(value)}`);
        prefix = value; i++; break;
      case '--floatipd':
        if (value === '') throw new BenchError('E_BENCH_ARGS', '--floatipd takes the path of a floatipd');
        floatipd = value; i++; break;
      case '--scenarios': {
        const list = value.split(',').filter((v) => v !== '');
        const bad = list.filter((v) => !(SCENARIOS as readonly string[]).includes(v));
        if (list.length === 0 || bad.length > 0) throw new BenchError('E_BENCH_ARGS', `--scenarios takes a comma-separated list of ${SCENARIOS.join(', ')}; not '${value}'`);
        scenarios = list as Scenario[]; i++; break;
      }
      case '--profile':
        if (!(TIMING_PROFILES as readonly string[]).includes(value)) throw new BenchError('E_BENCH_ARGS', `--profile takes ${TIMING_PROFILES.join(' or ')}, not '${value}'`);
        profile = value as TimingProfileName; i++; break;
      default:
        throw new BenchError('E_BENCH_ARGS', `unknown argument '${argv[i]}': use --trials N, --scenarios ${SCENARIOS.join(',')}, --profile default|fast, --addresses N, --prefix P, --floatipd PATH`);
    }
  }
  return { trials, scenarios, profile, addresses, prefix, floatipd };
}

function summarizeScenario(scenario: Scenario, results: readonly RejoinResult[], errors: readonly string[]): Record<string, unknown> {
  const ready = spread(results.map((r) => r.readyMs));
  return {
    scenario,
    trials: results.length,
    complete: results.filter((r) => r.incomplete === undefined).length,
    ready,
    hosting: spread(results.map((r) => r.hostingMs)),
    ...(scenario === 'stop-half' ? { unserved: spread(results.map((r) => r.unservedMs)) } : {}),
    duplicates: results.reduce((n, r) => n + r.duplicates.length, 0),
    goal: { p50_le_ms: GOAL_MS, met: ready === null ? null : ready.p50 <= GOAL_MS && results.every((r) => r.incomplete === undefined && r.duplicates.length === 0) },
    trial_details: results.map((r) => ({ nodes: r.nodes, ready_ms: r.readyMs, hosting_ms: r.hostingMs, unserved_ms: r.unservedMs, last_wait: r.lastWhy, incomplete: r.incomplete, duplicates: r.duplicates })),
    problems: errors,
  };
}

async function main(): Promise<void> {
  const options = parseRejoinOptions(process.argv.slice(2));
  const logDir = join(tmpdir(), 'floatip-bench-logs', options.prefix);
  if (process.getuid?.() !== 0) throw new BenchError('E_BENCH_ARGS', 'the rejoin bench makes network namespaces: run it as root');
  process.once('SIGINT', () => {
    const down = activeLab ? activeLab.down() : labDown({ prefix: options.prefix, dir: join(tmpdir(), `${options.prefix}-interrupted`) }).then(() => undefined);
    void down.finally(() => process.exit(130));
  });
  rmSync(logDir, { recursive: true, force: true });
  const started = new Date();
  const loadBefore = loadavg();
  const results = new Map(options.scenarios.map((s) => [s, [] as RejoinResult[]]));
  const errors = new Map(options.scenarios.map((s) => [s, [] as string[]]));
  let lab: BenchLab | undefined;
  let labs = 0;
  let restarts = 0;
  try {
    outer: for (let trial = 0; trial < options.trials; trial++) {
      for (const scenario of options.scenarios) {
        try {
          if (lab === undefined) {
            labs++;
            lab = await BenchLab.up({ prefix: options.prefix, profile: options.profile, ipv4: options.addresses, ipv6: 0, nodes: NODES, logDir: join(logDir, `lab-${labs}`), floatipd: options.floatipd });
            activeLab = lab;
            log(`lab up, settled after ${Math.round(await lab.settle(SETTINGS.settleTimeoutMs, SETTINGS.quietMs))} ms`);
          }
          const result = await runRejoinTrial(lab, scenario, trial, SETTINGS);
          (results.get(scenario) as RejoinResult[]).push(result);
          log(`${scenario} #${trial + 1} (nodes ${result.nodes.join(',')}): ready ${result.readyMs} ms, hosting ${result.hostingMs} ms`
            + `${result.unservedMs !== null ? `, longest unserved ${result.unservedMs} ms` : ''}${result.incomplete ? `; INCOMPLETE ${result.incomplete}` : ''}`
            + `; last wait: ${result.lastWhy ?? '-'}${result.duplicates.map((d) => `\n  duplicate: ${d}`).join('')}`);
        } catch (error) {
          const message = `trial ${trial + 1}: ${(error as Error).message}`;
          (errors.get(scenario) as string[]).push(message);
          log(`${scenario} failed: ${message}; restarting the lab`);
          await lab?.down();
          lab = undefined;
          if (++restarts > MAX_LAB_RESTARTS) break outer;
        }
      }
    }
  } finally {
    await lab?.down();
  }
  process.stdout.write(`${JSON.stringify({
    ...benchHeader('rejoin', started, loadBefore, 'bench:rejoin'),
    nodes: NODES, profile: options.profile, addresses: options.addresses, floatipd: options.floatipd ?? 'built',
    notes: [
      'times in ms from the undo of the fault (link up, daemon started, partition ended); stop-half: from the SIGTERM of two daemons',
      'ready: polled every 50 ms: every node OK in every view, one leader, monitor healthy, every address held once, balanced (stop-half: the other half holds every address)',
      'hosting: the last address change before ready, from the node probes\' netlink stamps',
      'unserved (stop-half): the longest stretch one address was on no node, from the SIGTERM until ready',
    ],
    results: options.scenarios.map((s) => summarizeScenario(s, results.get(s) ?? [], errors.get(s) ?? [])),
    logs: logDir,
  }, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    log(error instanceof BenchError ? `${error.code}: ${error.message}` : String((error as Error).stack ?? error));
    process.exit(1);
  });
}

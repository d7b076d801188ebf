// Peers benchmark: floatipd, keepalived and ctdbd on the same 3-node lab, the same faults and client probe, in one run; prints one JSON document with floatip / peer ratios and writes an SVG.
//
// Run as root: `npm run bench:peers -- --trials N`. Each piece of software gets a lab of
// its own in turn (`floatip lab up --no-daemons` for the peers, which then start one
// daemon per node namespace: bench/peer-lab.ts), with one public IPv4 address per node;
// the trials are bench:failover's (bench/failover-cases.ts, failover-trial.ts): kill -9
// and link down, victim the leader and a follower (keepalived: a follower only, VRRP has
// no leader), times from the fault to the client's first answered SYN from a survivor.
// Ratios are floatip / peer p50 and p99: floatip's default profile against the peers'
// defaults, floatip's fastest profile run against the peers tuned.
//
// Options: --trials N (5), --profiles default,fast (floatip's), --peers keepalived-default,
// keepalived-tuned,ctdb-default,ctdb-tuned, --modes kill,link, --victims leader,follower,
// --prefix P (fbp; the lab's namespaces are P-*), --svg PATH (peers-reach.svg).
// Progress goes to stderr; logs stay in /tmp/floatip-bench-logs/PREFIX/.

import { loadavg, tmpdir } from 'node:os';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TIMING_PROFILES, TimingProfileName } from '../src/config/option-kinds';
import { labDown } from '../src/lab';
import { prefixProblem } from '../src/lab/names';
import { BenchLab } from './failover-lab';
import { runCases } from './failover-cases';
import { AddressSet, benchHeader, ComboResult } from './failover-stats';
import { FaultMode, TrialSettings, VICTIM_ROLES, VictimRole } from './failover-trial';
import { countOption, listOption, settingsFor } from './failover';
import { ctdb } from './peer-ctdb';
import { keepalived } from './peer-keepalived';
import { PeerLab, PeerSoftware } from './peer-lab';
import { BenchError, ProbedLab } from './probed-lab';
import { reachChartSvg, ReachRow } from './reach-svg';

const PEERS: Readonly<Record<string, () => PeerSoftware>> = {
  'keepalived-default': () => keepalived('default'),
  'keepalived-tuned': () => keepalived('tuned'),
  'ctdb-default': () => ctdb('default'),
  'ctdb-tuned': () => ctdb('tuned'),
};
const PEER_NAMES = Object.keys(PEERS);
const PEER_MODES = ['kill', 'link'] as const satisfies readonly FaultMode[];
const SET: AddressSet = { name: 'single', ipv4: 3, ipv6: 0 };

let activeLab: ProbedLab | undefined;

interface Options {
  readonly trials: number;
  readonly profiles: readonly TimingProfileName[];
  readonly peers: readonly string[];
  readonly modes: readonly FaultMode[];
  readonly victims: readonly VictimRole[];
  readonly prefix: string;
  readonly svg: string;
}

export function parsePeerOptions(argv: readonly string[]): Options {
  let trials = 5;
  let profiles: TimingProfileName[] = [...TIMING_PROFILES];
  let peers = [...PEER_NAMES];
  let modes: FaultMode[] = [...PEER_MODES];
  let victims: VictimRole[] = [...VICTIM_ROLES];
  let prefix = 'fbp';
  let svg = 'peers-reach.svg';
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--trials': trials = countOption(value, '--trials', 1); i++; break;
      case '--profiles': profiles = value === 'none' ? [] : listOption(value ?? '', TIMING_PROFILES, '--profiles'); i++; break;
      case '--peers': peers = value === 'none' ? [] : listOption(value ?? '', PEER_NAMES, '--peers'); i++; break;
      case '--modes': modes = listOption(value ?? '', PEER_MODES, '--modes'); i++; break;
      case '--victims': victims = listOption(value ?? '', VICTIM_ROLES, '--victims'); i++; break;
      case '--prefix': {
        const problem = prefixProblem(value ?? '');
        if (problem !== undefined) throw new BenchError('E_BENCH_ARGS', `--prefix: ${problem}`);
        prefix = value as string; i++; break;
      }
      case '--svg':
        if (!value) throw new BenchError('E_BENCH_ARGS', '--svg takes the path of the picture to write');
        svg = value; i++; break;
      default:
        throw new BenchError('E_BENCH_ARGS', `unknown argument '${argv[i]}': use --trials N, --profiles ${TIMING_PROFILES.join(',')}|none, `
          + `--peers ${PEER_NAMES.join(',')}|none, --modes kill,link, --victims leader,follower, --prefix P, --svg PATH`);
    }
  }
  return { trials, profiles, peers, modes, victims, prefix, svg };
}

function log(text: string): void {
  process.stderr.write(`peers bench: ${text}\n`);
}

export interface Ratio {
  readonly mode: FaultMode;
  readonly victim: VictimRole;
  readonly floatip: string;
  readonly peer: string;
  readonly floatip_p50: number;
  readonly peer_p50: number | null;
  /** floatip p50 / peer p50: below 1, floatip is faster. Null when the peer never reached the address. */
  readonly ratio_p50: number | null;
  readonly floatip_p99: number;
  readonly peer_p99: number | null;
  readonly ratio_p99: number | null;
  /** The peer's trials with the address on two nodes at once (or answered by two MACs). */
  readonly peer_duplicates: number;
  readonly peer_complete: string;
}

/** floatip / peer for each case both ran: `default` against the peers' defaults, the fastest profile run against the peers tuned. */
export function ratios(results: readonly ComboResult[], profiles: readonly string[]): Ratio[] {
  const fastest = profiles[profiles.length - 1];
  const out: Ratio[] = [];
  for (const peer of results.filter((r) => !profiles.includes(r.profile))) {
    const against = peer.profile.endsWith('-tuned') ? fastest : 'default';
    const own = results.find((r) => r.profile === against && r.mode === peer.mode && r.victim === peer.victim);
    if (own?.reach == null) continue;
    const r2 = (x: number): number => Math.round(x * 1000) / 1000;
    out.push({
      mode: peer.mode, victim: peer.victim, floatip: against, peer: peer.profile,
      floatip_p50: own.reach.p50, peer_p50: peer.reach?.p50 ?? null, ratio_p50: peer.reach ? r2(own.reach.p50 / peer.reach.p50) : null,
      floatip_p99: own.reach.p99, peer_p99: peer.reach?.p99 ?? null, ratio_p99: peer.reach ? r2(own.reach.p99 / peer.reach.p99) : null,
      peer_duplicates: peer.duplicates, peer_complete: `${peer.complete}/${peer.trials}`,
    });
  }
  return out;
}

/** The picture's rows: each case (mode / victim) with every software that ran it, floatip first. */
export function chartRows(results: readonly ComboResult[]): ReachRow[] {
  return results.map((r) => ({ group: `${r.mode} / ${r.victim}`, series: r.profile.startsWith('keepalived') || r.profile.startsWith('ctdb') ? r.profile : `floatip-${r.profile}`, values: r.reach_trials }))
    .sort((a, b) => a.group.localeCompare(b.group));
}

function peerSettings(peer: PeerSoftware): TrialSettings {
  const base = settingsFor(SET);
  return { ...base, moveTimeoutMs: peer.moveTimeoutMs, settleTimeoutMs: peer.settleTimeoutMs };
}

async function main(): Promise<void> {
  const options = parsePeerOptions(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new BenchError('E_BENCH_ARGS', 'the peers bench makes network namespaces: run it as root');
  const logDir = join(tmpdir(), 'floatip-bench-logs', options.prefix);
  const stop = (): void => {
    const down = activeLab ? activeLab.down() : labDown({ prefix: options.prefix, dir: join(tmpdir(), `${options.prefix}-interrupted`) }).then(() => undefined);
    void down.finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  rmSync(logDir, { recursive: true, force: true });
  const started = new Date();
  const loadBefore = loadavg();
  const onLab = (lab: ProbedLab | undefined): void => { activeLab = lab; };
  const results: ComboResult[] = [];
  let labs = 0;
  for (const profile of options.profiles) {
    results.push(...await runCases({
      name: profile, set: SET, trials: options.trials, modes: options.modes, victims: options.victims, settings: settingsFor(SET), log, onLab,
      up: () => BenchLab.up({ prefix: options.prefix, profile, ipv4: SET.ipv4, ipv6: SET.ipv6, logDir: join(logDir, `floatip-${profile}-${++labs}`) }),
    }));
  }
  const described: Record<string, string> = {};
  for (const name of options.peers) {
    const peer = PEERS[name]();
    described[name] = peer.describe;
    results.push(...await runCases({
      name, set: SET, trials: options.trials, modes: options.modes, log, onLab,
      victims: peer.hasLeader ? options.victims : options.victims.filter((v) => v === 'follower'),
      settings: peerSettings(peer),
      up: () => PeerLab.up({ prefix: options.prefix, peer, ipv4: SET.ipv4, logDir: join(logDir, `${name}-${++labs}`) }, 3),
    }));
  }
  const found = ratios(results, options.profiles);
  for (const r of found) {
    log(`${r.mode}/${r.victim}: floatip-${r.floatip} ${r.floatip_p50} ms vs ${r.peer} ${r.peer_p50 ?? 'never'} ms p50: ratio ${r.ratio_p50 ?? '-'} (p99 ${r.ratio_p99 ?? '-'}); peer duplicates ${r.peer_duplicates}, complete ${r.peer_complete}`);
  }
  const svgPath = resolve(options.svg);
  const command = `npm run bench:peers -- ${process.argv.slice(2).join(' ')}`.trim();
  writeFileSync(svgPath, reachChartSvg({
    title: 'Fault to client reach: floatip beside keepalived and CTDB (3 nodes, one address each)',
    subtitle: `${command}; ${started.toISOString().slice(0, 16)} UTC, load ${loadBefore[0].toFixed(1)} at the start`,
    rows: chartRows(results),
  }));
  process.stdout.write(`${JSON.stringify({
    ...benchHeader('peers', started, loadBefore, 'bench:peers'),
    nodes: 3,
    peers: described,
    notes: [
      'times in ms from the fault: kill = the SIGKILL, link = the victim seeing its carrier go (both switch ports down)',
      'reach: first SYN-ACK from a survivor\'s MAC to the client\'s SYNs, confirmed by a connection that a survivor\'s listener accepted (bench:failover\'s client probe)',
      'kill -9 of floatip: floatipd (its guardian, a separate process, survives by design); of a peer: every process of its daemon on the node',
      'keepalived has no leader: only the follower case (node 2, master of its own address) is run',
      'ratio = floatip / peer: below 1, floatip reached the client sooner; null when the peer never did within the move timeout',
      'duplicates: an address on two nodes\' kernels at once, or an ARP request answered by two MACs (a killed peer leaves its address up)',
    ],
    results,
    ratios: found,
    svg: svgPath,
    logs: logDir,
  }, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    log(error instanceof BenchError ? `${error.code}: ${error.message}` : String((error as Error).stack ?? error));
    process.exit(1);
  });
}

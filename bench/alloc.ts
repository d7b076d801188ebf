// Benchmark of the IP allocator: fresh allocation and re-allocation after one node fails, on
// clusters of 16x256, 64x1024 and 64x4096 addresses; prints one JSON document with measured figures.

import { performance } from 'node:perf_hooks';
import { IpAddress, ip } from '../src/core/ip';
import { NO_NODE, NodeFlag, Pnn } from '../src/core/flags';
import { ALGORITHMS, AlgorithmName, AllocState, DEFAULT_TUNABLES, allocate, layoutImbalances } from '../src/core/ipalloc';
import { leaderCases } from './alloc-leader';

interface BenchCase {
  algorithm: AlgorithmName;
  nodes: number;
  ips: number;
  scenario: 'fresh' | 'one-failed';
  ms_p50: number;
  ms_p99: number;
  /** Addresses whose holder differs between the input layout and the result. */
  moves: number;
  /** The largest per-node LCP2 imbalance of the result (sum of squared distances on one node). */
  imbalance: number;
  runs: number;
}

const SIZES: readonly [number, number][] = [[16, 256], [64, 1024], [64, 4096]];
const SUBNETS = 8;
/** Stop repeating a case after this many runs or this much time, whichever comes first. */
const MAX_RUNS = 41;
const TIME_BUDGET_MS = 15_000;

/** `count` addresses in 8 subnets of the benchmarking range 198.18.0.0/15 (RFC 2544). */
function addresses(count: number): IpAddress[] {
  const perSubnet = Math.ceil(count / SUBNETS);
  const out: IpAddress[] = [];
  for (let k = 0; k < count; k++) {
    const subnet = k % SUBNETS;
    const host = Math.floor(k / SUBNETS) + 1;
    const base = subnet * 2 * Math.ceil(perSubnet / 512);
    out.push(ip(`198.18.${base + Math.floor(host / 256)}.${host % 256}`));
  }
  return out;
}

function stateOf(algorithm: AlgorithmName, flags: number[], addrs: IpAddress[], holders: ReadonlyMap<string, Pnn>): AllocState {
  const everyone = flags.map((_, pnn) => pnn);
  const healthy = everyone.filter((pnn) => flags[pnn] === 0);
  return {
    algorithm,
    tunables: DEFAULT_TUNABLES,
    nodes: flags.map((f) => ({ flags: f, running: true })),
    addresses: addrs.map((a) => ({
      address: { address: a, bits: 23, interfaces: ['eth0'] },
      known: everyone,
      available: healthy,
      holder: holders.get(a.text) ?? NO_NODE,
    })),
  };
}

function percentile(sorted: readonly number[], p: number): number {
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)];
}

function measure(state: AllocState): { times: number[]; result: ReturnType<typeof allocate> } {
  let result = allocate(state); // warm-up, also the result reported
  const times: number[] = [];
  const start = performance.now();
  while (times.length < MAX_RUNS && (times.length < 5 || performance.now() - start < TIME_BUDGET_MS)) {
    const t0 = performance.now();
    result = allocate(state);
    times.push(performance.now() - t0);
  }
  return { times: times.sort((a, b) => a - b), result };
}

function report(algorithm: AlgorithmName, nodes: number, addrs: IpAddress[], scenario: BenchCase['scenario'],
  state: AllocState): { row: BenchCase; assignment: ReadonlyMap<string, Pnn> } {
  const { times, result } = measure(state);
  const before = new Map(state.addresses.map((a) => [a.address.address.text, a.holder]));
  let moves = 0;
  for (const [text, pnn] of result.assignment) if (before.get(text) !== pnn) moves++;
  const byText = new Map(addrs.map((a) => [a.text, a]));
  const imbalances = layoutImbalances(nodes, [...result.assignment].map(([text, pnn]) => [byText.get(text)!, pnn] as const));
  const row: BenchCase = {
    algorithm, nodes, ips: addrs.length, scenario,
    ms_p50: Number(percentile(times, 50).toFixed(3)),
    ms_p99: Number(percentile(times, 99).toFixed(3)),
    moves,
    imbalance: Math.max(...imbalances),
    runs: times.length,
  };
  return { row, assignment: result.assignment };
}

function main(): void {
  const cases: BenchCase[] = [];
  for (const algorithm of ALGORITHMS) {
    for (const [nodes, count] of SIZES) {
      const addrs = addresses(count);
      const healthy = new Array<number>(nodes).fill(0);
      const fresh = report(algorithm, nodes, addrs, 'fresh', stateOf(algorithm, healthy, addrs, new Map()));
      cases.push(fresh.row);
      const failed = [...healthy];
      failed[Math.floor(nodes / 2)] = NodeFlag.UNHEALTHY;
      cases.push(report(algorithm, nodes, addrs, 'one-failed', stateOf(algorithm, failed, addrs, fresh.assignment)).row);
      process.stderr.write(`${algorithm} ${nodes}x${count} done\n`);
    }
  }
  const leader = leaderCases();
  process.stderr.write('leader run 3x1000 done\n');
  process.stdout.write(`${JSON.stringify({ cases, leader }, null, 2)}\n`);
}

main();

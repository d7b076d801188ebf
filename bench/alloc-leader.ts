// Benchmark of the leader's run around the allocator, the part that runs on the daemon's main loop: run inputs, state key, posting, plan, orders.
//
// bench/alloc.ts times `allocate` alone, which runs in the allocator worker for big clusters;
// what the leader still does on its own event loop with 1000 addresses is timed here, piece by
// piece, for a 3-node cluster whose third node just died (the issue 17 bench's kill trial).

import { performance } from 'node:perf_hooks';
import { deserialize, serialize } from 'node:v8';
import { PublicAddress } from '../src/core/address';
import { IpAddress, ip, parseIp } from '../src/core/ip';
import { Pnn } from '../src/core/flags';
import { allocate, DEFAULT_TUNABLES, sameAllocState } from '../src/core/ipalloc';
import { createView, MembershipView, Observation, updateAll } from '../src/core/membership';
import { planTakeover } from '../src/core/plan';
import { AllocAnswer, decodeResult, encodeResult, encodeState, lineIndex, linesOf } from '../src/daemon/runtime/alloc-frame';
import { buildRunInputs, ListIndexCache } from '../src/daemon/runtime/run-inputs';

export interface LeaderCase {
  readonly step: string;
  readonly nodes: number;
  readonly ips: number;
  /** The first call in the process: cold code, as in a daemon's run after a failover. */
  readonly first_ms: number;
  readonly ms_p50: number;
  readonly ms_p99: number;
  readonly runs: number;
}

const RUNS = 41;

function percentile(sorted: readonly number[], p: number): number {
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)];
}

function timed(step: string, nodes: number, ips: number, work: () => unknown): LeaderCase {
  const cold = performance.now();
  work();
  const first = performance.now() - cold;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    work();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { step, nodes, ips, first_ms: Number(first.toFixed(3)), ms_p50: Number(percentile(times, 50).toFixed(3)), ms_p99: Number(percentile(times, 99).toFixed(3)), runs: times.length };
}

/** `count` addresses of 198.18.0.0/15 (RFC 2544), as public_addresses lines on eth0. */
function addressLines(count: number): PublicAddress[] {
  return Array.from({ length: count }, (_, k) => ({ address: ip(`198.18.${Math.floor(k / 250)}.${(k % 250) + 1}`), bits: 15, interfaces: ['eth0'] }));
}

/** Every node lists every address; node k holds every k-th; the last node fell silent (DISCONNECTED, its addresses unheld). */
function deadNodeView(nodes: number, list: readonly PublicAddress[]): MembershipView {
  const view = createView({ localPnn: 0, nodeCount: nodes, deleted: [], deadAfterMs: 1000, now: 0 });
  const held = (pnn: Pnn): IpAddress[] => list.filter((_, k) => k % nodes === pnn).map((line) => line.address);
  const observations: Observation[] = [
    { kind: 'health', pnn: 0, at: 1, healthy: true },
    { kind: 'hosting', pnn: 0, at: 1, addresses: held(0) },
  ];
  for (let pnn = 1; pnn < nodes - 1; pnn++) {
    observations.push({ kind: 'heartbeat', pnn, at: 1, seq: 1, flags: 0, epoch: 1, leader: 0, hosted: held(pnn), links: { eth0: 'up' }, heard: [] });
  }
  return updateAll(view, observations).view;
}

export function leaderCases(nodes = 3, count = 1000): LeaderCase[] {
  const list = addressLines(count);
  const view = deadNodeView(nodes, list);
  const lists = new Map<Pnn, readonly PublicAddress[]>(Array.from({ length: nodes - 1 }, (_, pnn) => [pnn, list]));
  // `avoid` as when some take failed lately: every address's candidates are asked about.
  const options = { algorithm: 'lcp2' as const, tunables: DEFAULT_TUNABLES, members: Array.from({ length: nodes - 1 }, (_, pnn) => pnn),
    avoid: () => false };
  // The leader keeps the lists' index from run to run (ListIndexCache): the first call builds it.
  const cache = new ListIndexCache();
  let inputs = buildRunInputs(view, lists, options, cache.indexOf(lists));
  const cases = [timed('run inputs (buildRunInputs)', nodes, count, () => { inputs = buildRunInputs(view, lists, options, cache.indexOf(lists)); })];
  const target = allocate(inputs.alloc).assignment;
  // The remembering allocator compares each state with the last ones: an equal state is the whole walk.
  const again = buildRunInputs(view, lists, options, cache.indexOf(lists)).alloc;
  cases.push(timed('seen before? (sameAllocState)', nodes, count, () => sameAllocState(inputs.alloc, again)));
  cases.push(timed('lines to worker, once per list change (v8 serialize)', nodes, count, () => serialize(linesOf(inputs.alloc))));
  // What postMessage clones on this thread: the framed state (alloc-frame.ts; its arrays are transferred, serialize copies them).
  cases.push(timed('post state to worker (frame + v8 serialize)', nodes, count, () => serialize(encodeState(inputs.alloc, 1, 1).message)));
  const answer = deserialize(serialize(encodeResult(1, allocate(inputs.alloc), lineIndex(linesOf(inputs.alloc))).message)) as AllocAnswer;
  cases.push(timed('answer from worker (v8 deserialize + unframe)', nodes, count, () => {
    const received = deserialize(serialize(answer)) as AllocAnswer;
    if (received.ok) decodeResult(received, linesOf(inputs.alloc));
  }));
  let plan = planTakeover({ current: inputs.current, target, nodes: inputs.planNodes, listed: inputs.lines });
  cases.push(timed('plan (planTakeover)', nodes, count, () => { plan = planTakeover({ current: inputs.current, target, nodes: inputs.planNodes, listed: inputs.lines }); }));
  cases.push(timed('orders (release + take)', nodes, count, () => [...plan.release, ...plan.take].map((a) => inputs.lines.get(a.address)?.address ?? parseIp(a.address))));
  return cases;
}

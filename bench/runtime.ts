// Benchmark of the daemon runtime's takeover runs with 1000 public addresses: three runtimes in one
// process on the real clock (fast timing profile), the worker-thread allocator and perf_hooks, over
// the in-memory mesh and kernels. Prints one JSON document: each run's phases, its event-loop delay
// p99, and the longest gap between heartbeats a peer received during the runs.
//
// The memory kernels cost nearly nothing, so the figures are the runtime's own work (allocation,
// planning, orders, codecs, bookkeeping) — what could stall heartbeats — not netlink's.

import { performance } from 'node:perf_hooks';
import { parsePrefix } from '../src/core/ip';
import { DEFAULT_TUNABLES } from '../src/core/ipalloc';
import { MemoryNetwork } from '../src/adapters/memory/peer';
import { MemoryNetlink } from '../src/adapters/memory/netlink';
import { MemoryAnnouncer } from '../src/adapters/memory/packet';
import { MemorySockDiag } from '../src/adapters/memory/sockdiag';
import { MemoryTickler } from '../src/adapters/memory/tickle';
import { MemoryEventRunner } from '../src/adapters/memory/scripts';
import { createTakeover } from '../src/adapters/takeover/takeover';
import { systemClock } from '../src/adapters/clock';
import { createNodeRuntime, NodeRuntime } from '../src/daemon/runtime/node';
import { silentLogger } from '../src/daemon/runtime/logger';
import { workerAllocator } from '../src/daemon/runtime/worker-allocator';
import { perfHooksLoopDelayProbe } from '../src/daemon/runtime/loop-delay';
import { HealthSource } from '../src/daemon/runtime/health-source';
import { PublicAddress } from '../src/core/address';

const NODES = 3;
const ADDRESSES = 1000;
const FAST = { heartbeatIntervalMs: 50, deadAfterMs: 250, fenceAfterMs: 175 };

function addresses(): PublicAddress[] {
  return Array.from({ length: ADDRESSES }, (_, k) => {
    const parsed = parsePrefix(`198.18.${Math.floor(k / 250)}.${(k % 250) + 1}/16`);
    if (!parsed.ok) throw new Error(parsed.error);
    return { address: parsed.value.address, bits: parsed.value.bits, interfaces: ['eth0'] };
  });
}

const healthy: HealthSource = { prepare: () => undefined, start: async (listener) => listener(true), stop: async () => undefined };

interface Node {
  runtime: NodeRuntime;
  netlink: MemoryNetlink;
}

async function makeNode(network: MemoryNetwork, pnn: number, list: PublicAddress[]): Promise<Node> {
  const clock = systemClock();
  const netlink = new MemoryNetlink({ eth0: {} });
  await netlink.start();
  const sockets = new MemorySockDiag();
  const takeover = createTakeover({ socketKill: 'destroy' }, {
    addresses: netlink, announcer: new MemoryAnnouncer(), tickler: new MemoryTickler(), connections: sockets,
    openReplyCapture: () => ({ awaitReply: async () => undefined, close: () => undefined }), clock,
  });
  const runtime = createNodeRuntime({
    localPnn: pnn,
    nodes: Array.from({ length: NODES }, (_, i) => ({ pnn: i, address: `192.0.2.${i + 1}`, deleted: false })),
    publicAddresses: list,
    ...FAST,
    takeoverDeadlineMs: 10_000,
    reconcileIntervalMs: 1000,
    tickleScanIntervalMs: 1000,
    algorithm: 'lcp2',
    tunables: DEFAULT_TUNABLES,
    quorum: 'majority',
    ban: { enabled: false, creditsThreshold: 6, periodMs: 300_000, gracePeriodMs: 120_000 },
  }, {
    mesh: network.join(pnn), takeover, netlink, connections: sockets, events: new MemoryEventRunner(), health: healthy,
    clock, logger: silentLogger, allocator: workerAllocator({ minAddresses: 256 }), loopDelay: perfHooksLoopDelayProbe(1),
  });
  return { runtime, netlink };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function hostedCounts(nodes: Node[]): Promise<number[]> {
  return Promise.all(nodes.map(async (n) => (await n.netlink.listAddresses()).filter((a) => a.owned).length));
}

async function main(): Promise<void> {
  const network = new MemoryNetwork();
  const list = addresses();
  const nodes = await Promise.all(Array.from({ length: NODES }, (_, pnn) => makeNode(network, pnn, list)));

  // The longest silence between two heartbeats node 2 hears from node 0 (the leader) during the runs.
  let lastBeat: number | undefined;
  let maxGap = 0;
  network.endpoint(2)?.subscribe((event) => {
    if (event.kind !== 'message' || event.from !== 0 || event.message.kind !== 'heartbeat') return;
    const now = performance.now();
    if (lastBeat !== undefined) maxGap = Math.max(maxGap, now - lastBeat);
    lastBeat = now;
  });

  const joinStart = performance.now();
  await Promise.all(nodes.map((n) => n.runtime.start()));
  await until('every address hosted', async () => (await hostedCounts(nodes)).reduce((a, b) => a + b, 0) === ADDRESSES);
  const joinMs = performance.now() - joinStart;
  const joined = await hostedCounts(nodes);

  // Node 1 dies (its stream closes; the guardian removes its addresses); node 0 moves its share.
  const killAt = performance.now();
  network.kill(1);
  await nodes[1].netlink.removeOwnedAddresses();
  await until('node 1\'s addresses taken over', async () => {
    const counts = await hostedCounts(nodes);
    return counts[0] + counts[2] === ADDRESSES;
  });
  const failoverMs = performance.now() - killAt;
  await new Promise((r) => setTimeout(r, 200));

  const history = nodes[0].runtime.api.history(undefined);
  const afterFailover = await hostedCounts(nodes);
  await Promise.all([nodes[0], nodes[2]].map((n) => n.runtime.stop()));
  const loopDelays = history.map((r) => r.loopDelayP99Ms).filter((v): v is number => v !== null);
  console.log(JSON.stringify({
    bench: 'runtime',
    nodes: NODES,
    addresses: ADDRESSES,
    timing: FAST,
    join: { ms: round(joinMs), counts: joined },
    failover: { ms: round(failoverMs), counts: afterFailover },
    heartbeat_max_gap_ms: round(maxGap),
    loop_delay_p99_ms_max: loopDelays.length > 0 ? Math.max(...loopDelays) : null,
    loop_delay_budget_ms: FAST.heartbeatIntervalMs / 4,
    runs: history.reverse().map((r) => ({ epoch: r.epoch, reason: r.reason, status: r.status, moves: r.moves, phases: r.phases, loopDelayP99Ms: r.loopDelayP99Ms })),
  }, null, 2));
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

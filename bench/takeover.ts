// Benchmark of the Takeover component on a real kernel: batch take/release, IPv6 take, tickles, connection listing.
//
// Run as root: `npm run bench:takeover`. The parent creates namespace ftk-bench (a veth pair,
// nothing else), re-runs itself inside it, and removes it after. Prints one JSON document:
// {"results":[{"op","count","rounds","ms_p50","ms_p99", ...}]}, each round timing one whole batch.
// IPv4 uses every address of the three documentation /24s (768): the network rule of this
// project allows no other IPv4 space, so the IPv4 batches hold 768, not 1000.

import { ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { RtnetlinkAdapter } from '../src/adapters/netlink/rtnetlink';
import { announceSettings, createPacketAnnouncer } from '../src/adapters/packet';
import { openReplyCapture } from '../src/adapters/packet/reply-capture';
import { createSystemTickler, tickleSettings } from '../src/adapters/rawsock';
import { SockDiagAdapter } from '../src/adapters/sockdiag/sockdiag';
import { BatchReport, createTakeover, StepTimes, Takeover, TakeoverAddress } from '../src/adapters/takeover';
import { ip } from '../src/core/ip';
import { TcpConnection } from '../src/protocol/packets';
import { runInNamespace, sh } from './namespace-launcher';

const NS = 'ftk-bench';
const IFACE = 'ftkb0';
const PEER = 'ftkb1';
const CONNECTIONS = 10_000;

interface Result {
  op: string;
  count: number;
  rounds: number;
  ms_p50: number;
  ms_p99: number;
  [extra: string]: unknown;
}

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[at] * 1000) / 1000;
}

function summarise(op: string, count: number, samples: readonly number[], extra: Record<string, unknown> = {}): Result {
  return { op, count, rounds: samples.length, ms_p50: percentile(samples, 50), ms_p99: percentile(samples, 99), ...extra };
}

/** Median of each step over the rounds' batch reports. */
function stepMedians(reports: readonly StepTimes[]): Record<string, number> {
  const steps = ['lookup', 'add', 'announce', 'tickle', 'destroy', 'delete'] as const;
  const out: Record<string, number> = {};
  for (const step of steps) {
    const values = reports.map((r) => r[step]).filter((v): v is number => v !== undefined);
    if (values.length > 0) out[step] = percentile(values, 50);
  }
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function ipv4Addresses(): TakeoverAddress[] {
  return ['192.0.2', '198.51.100', '203.0.113'].flatMap((net) => Array.from({ length: 256 }, (_, host) => ({ address: ip(`${net}.${host}`), bits: 32 })));
}

function ipv6Addresses(): TakeoverAddress[] {
  return Array.from({ length: 1000 }, (_, i) => ({ address: ip(`2001:db8:b::${(i + 1).toString(16)}`), bits: 128 }));
}

function requireAll<R>(batch: BatchReport<R>, what: string, count: number): void {
  if (batch.failures.length > 0 || batch.reports.length !== count) {
    throw new Error(`${what}: ${batch.reports.length} of ${count} succeeded; first failure: ${batch.failures[0]?.error.message}`);
  }
}

/** Takes and releases `addresses` `rounds` times; returns the take and release results. */
async function takeReleaseRounds(takeover: Takeover, addresses: TakeoverAddress[], rounds: number, takeOp: string, releaseOp: string, extra: Record<string, unknown>): Promise<Result[]> {
  const takes: number[] = [];
  const releases: number[] = [];
  const takeSteps: StepTimes[] = [];
  const releaseSteps: StepTimes[] = [];
  for (let round = 0; round <= rounds; round++) {
    let start = performance.now();
    const taken = await takeover.takeMany(addresses.map((address) => ({ address, iface: IFACE })));
    const takeMs = performance.now() - start;
    requireAll(taken, takeOp, addresses.length);
    start = performance.now();
    const released = await takeover.releaseMany(addresses);
    const releaseMs = performance.now() - start;
    requireAll(released, releaseOp, addresses.length);
    if (released.reports.some((r) => r.outcome !== 'deleted')) throw new Error(`${releaseOp}: an address was not deleted`);
    if (round > 0) { // round 0 warms up the JIT, sockets and kernel caches
      takes.push(takeMs);
      releases.push(releaseMs);
      takeSteps.push(taken.ms);
      releaseSteps.push(released.ms);
    }
    // Let the announcer's token bucket refill (2000 frames at 10,000/s) so each round starts alike.
    await sleep(250);
  }
  const perAddress = (samples: number[]) => Math.round((percentile(samples, 50) / addresses.length) * 1000) / 1000;
  return [
    summarise(takeOp, addresses.length, takes, { ...extra, per_address_ms_p50: perAddress(takes), steps_ms_p50: stepMedians(takeSteps) }),
    summarise(releaseOp, addresses.length, releases, { ...extra, per_address_ms_p50: perAddress(releases), steps_ms_p50: stepMedians(releaseSteps) }),
  ];
}

/** 10,000 connections of 250 remote clients (behind the gateway) to one public address. */
function tickleConnections(server: string): TcpConnection[] {
  return Array.from({ length: CONNECTIONS }, (_, i) => ({
    server: { address: ip(server), port: 445 },
    client: { address: ip(`203.0.113.${(i % 250) + 1}`), port: 20000 + Math.floor(i / 250) },
  }));
}

/** Node code for the two ends of the listed connections (each end in its own process, for the fd limit). */
const SERVER_SOURCE = `
const net = require('net'); const kept = [];
net.createServer((s) => { kept.push(s); s.on('error', () => {}); }).listen({ host: process.argv[1], port: 5000, backlog: 4096 }, () => console.log('ready'));
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;
const CLIENT_SOURCE = `
const net = require('net'); const [host, localAddress, totalText] = process.argv.slice(1); const total = Number(totalText);
let started = 0; let open = 0; const kept = [];
const more = () => { while (started < total && started - open < 256) { started++;
  const s = net.connect({ host, port: 5000, localAddress });
  s.on('connect', () => { open++; if (open === total) console.log('ready'); else more(); });
  s.on('error', (e) => { console.error(e.code); process.exit(1); }); kept.push(s); } };
more(); process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;

function startEnd(source: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', source, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => { if (chunk.toString().includes('ready')) resolve(child); });
    child.on('exit', (code) => reject(new Error(`connection helper exited with ${code}`)));
  });
}

async function inside(): Promise<void> {
  const netlink = new RtnetlinkAdapter();
  await netlink.start();
  const sockdiag = new SockDiagAdapter();
  await sockdiag.start();
  const failures: string[] = [];
  const announcer = createPacketAnnouncer(announceSettings({ count: 1, secondBurstDelayMs: 0 }), (e) => failures.push(e.message));
  const tickler = createSystemTickler(tickleSettings({ count: 1 }), (e) => failures.push(e.message));
  const takeover = createTakeover({ socketKill: 'destroy' }, {
    addresses: netlink, announcer, tickler, connections: sockdiag, openReplyCapture: (iface) => openReplyCapture(iface),
    clock: { now: () => performance.now(), nextTurn: (callback) => setImmediate(callback) },
  });
  const results: Result[] = [];
  try {
    results.push(...await takeReleaseRounds(takeover, ipv4Addresses(), 20, 'take', 'release', {
      note: 'IPv4: all 768 addresses of the three documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24), /32 each; each take = netlink add + one GARP request and reply',
    }));
    results.push(...await takeReleaseRounds(takeover, ipv6Addresses(), 5, 'take-ipv6', 'release-ipv6', {
      note: 'IPv6 /128 with NODAD, add + one unsolicited NA each; the kernel spends most of the time joining each address\'s solicited-node group (see docs/takeover.md)',
    }));

    // Tickles and listing need ordinary addresses now that the batches are released.
    sh('ip', 'addr', 'add', '192.0.2.1/24', 'dev', IFACE);
    sh('ip', 'neigh', 'add', '192.0.2.254', 'lladdr', '02:00:00:00:fe:fe', 'dev', IFACE, 'nud', 'permanent');
    sh('ip', 'route', 'add', '203.0.113.0/24', 'via', '192.0.2.254');
    const conns = tickleConnections('192.0.2.50');
    const tickles: number[] = [];
    for (let round = 0; round <= 30; round++) {
      const taken = await takeover.take({ address: ip('192.0.2.50'), bits: 32 }, IFACE, { tickles: conns });
      if (taken.tickled !== CONNECTIONS || taken.problems.length > 0) throw new Error(`tickle: ${JSON.stringify(taken.problems)}`);
      if (round > 0) tickles.push(taken.ms.tickle as number);
      await takeover.release({ address: ip('192.0.2.50'), bits: 32 });
    }
    results.push(summarise('tickle', CONNECTIONS, tickles, { note: 'the tickle step of take(): first round to 10,000 recorded connections, one sendmmsg batch per 2048' }));

    sh('ip', 'addr', 'add', '198.51.100.1/32', 'dev', 'lo');
    sh('ip', 'addr', 'add', '198.51.100.2/32', 'dev', 'lo');
    const server = await startEnd(SERVER_SOURCE, ['198.51.100.1']);
    const client = await startEnd(CLIENT_SOURCE, ['198.51.100.1', '198.51.100.2', String(CONNECTIONS)]);
    try {
      const lists: number[] = [];
      for (let round = 0; round <= 20; round++) {
        const start = performance.now();
        const found = await sockdiag.listEstablished([ip('198.51.100.1')]);
        if (round > 0) lists.push(performance.now() - start);
        if (found.length !== CONNECTIONS) throw new Error(`list found ${found.length} connections, expected ${CONNECTIONS}`);
      }
      results.push(summarise('list', CONNECTIONS, lists, { note: 'ESTABLISHED sockets on one address via sock_diag (what release destroys and the tracker replicates)' }));
    } finally {
      client.stdin?.end();
      server.stdin?.end();
    }
  } finally {
    await netlink.removeOwnedAddresses();
    announcer.close();
    tickler.close();
    await sockdiag.stop();
    await netlink.stop();
  }
  if (failures.length > 0) throw new Error(`background failures: ${failures.join('; ')}`);
  process.stdout.write(`${JSON.stringify({ results }, null, 1)}\n`);
}

function createNamespace(): void {
  sh('ip', 'netns', 'add', NS);
  sh('ip', '-n', NS, 'link', 'set', 'lo', 'up');
  sh('ip', '-n', NS, 'link', 'add', IFACE, 'type', 'veth', 'peer', 'name', PEER);
  sh('ip', 'netns', 'exec', NS, 'sysctl', '-q', `net.ipv6.conf.${IFACE}.accept_dad=0`);
  sh('ip', '-n', NS, 'link', 'set', IFACE, 'up');
  sh('ip', '-n', NS, 'link', 'set', PEER, 'up');
}

runInNamespace({ namespace: NS, script: __filename, create: createNamespace, inside });

// Benchmark of takeover packets: GARP/NA first rounds for 1000 addresses and 10,000 TCP tickles,
// sent for real inside a network namespace it creates; prints one JSON document with measured figures.
//
// Run as root: `npm run bench:packets`. The parent creates namespace fpk-bench with a veth pair
// and a gateway route for the tickled clients, re-runs itself inside it, and removes it after.

import { performance } from 'node:perf_hooks';
import { ip, IpAddress } from '../src/core/ip';
import { announceSettings, createPacketAnnouncer, openPacketSocket } from '../src/adapters/packet';
import { createRawTickler } from '../src/adapters/rawsock/raw-tickler';
import { openNativeIpSender } from '../src/adapters/rawsock/native-sender';
import { openRawSocketSender } from '../src/adapters/rawsock/raw-socket-sender';
import { OpenIpPacketSender } from '../src/adapters/rawsock/ip-packet-sender';
import { tickleSettings } from '../src/adapters/rawsock/tickle-settings';
import { backgroundClock } from '../src/adapters/clock';
import { TcpConnection } from '../src/protocol/packets';
import { runInNamespace, sh } from './namespace-launcher';

const NS = 'fpk-bench';
const IFACE = 'fpkb0';

interface Result { op: string; count: number; ms_p50: number; ms_p99: number; runs: number }

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(op: string, count: number, runs: number, once: () => Promise<void>): Promise<Result> {
  await once(); // warm-up: JIT, socket buffers, neighbour and route caches
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await once();
    times.push(performance.now() - start);
  }
  return summarise(op, count, times);
}

function summarise(op: string, count: number, times: number[]): Result {
  const sorted = [...times].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return { op, count, ms_p50: round(percentile(sorted, 50)), ms_p99: round(percentile(sorted, 99)), runs: times.length };
}

/**
 * IPv6: `count` addresses of 2001:db8:aa::/64. IPv4: the documentation ranges hold only
 * 768 addresses (192.0.2/24, 198.51.100/24, 203.0.113/24), so IPv4 runs with those 768.
 */
function addresses(count: number, family: 4 | 6): IpAddress[] {
  if (family === 6) return Array.from({ length: count }, (_, i) => ip(`2001:db8:aa::${(i + 1).toString(16)}`));
  const all = ['192.0.2', '198.51.100', '203.0.113'].flatMap((net) => Array.from({ length: 256 }, (_, host) => ip(`${net}.${host}`)));
  return all.slice(0, count);
}

/** 10,000 connections: 250 clients behind the gateway, 40 source ports each, to one public address. */
function connections(count: number, family: 4 | 6): TcpConnection[] {
  return Array.from({ length: count }, (_, i) => ({
    server: { address: ip(family === 4 ? '192.0.2.50' : '2001:db8::50'), port: 445 },
    client: { address: ip(family === 4 ? `203.0.113.${(i % 250) + 1}` : `2001:db8:ffff::${((i % 250) + 1).toString(16)}`), port: 20000 + Math.floor(i / 250) },
  }));
}

async function announceBench(family: 4 | 6): Promise<Result> {
  const all = addresses(1000, family);
  return measure(family === 4 ? 'garp-first-round' : 'na-first-round', all.length, 30, async () => {
    const announcer = createPacketAnnouncer(announceSettings(), (error) => { throw error; });
    await Promise.all(all.map((a) => announcer.announce(a, IFACE)));
    announcer.close();
  });
}

async function tickleBench(op: string, family: 4 | 6, openSender: OpenIpPacketSender, runs: number): Promise<Result> {
  const conns = connections(10_000, family);
  const tickler = createRawTickler(tickleSettings({ count: 1 }), { openSender, clock: backgroundClock, onError: (error) => { throw error; } });
  const result = await measure(op, conns.length, runs, async () => { await tickler.tickle(conns); });
  tickler.close();
  return result;
}

/**
 * `close()` of a receiving packet socket, as the duplicate prober does after each probe slice:
 * the caller's part only (the kernel's release waits for an RCU grace period; the addon runs
 * it on a thread of its own).
 */
function closeBench(runs: number): Result {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const socket = openPacketSocket(IFACE, 0x0806);
    socket.startReceive(() => undefined);
    const start = performance.now();
    socket.close();
    if (i > 0) times.push(performance.now() - start); // the first is the warm-up
  }
  return summarise('packet-socket-close', 1, times);
}

/**
 * Opening a receiving packet socket on one interface, as the duplicate prober does for each
 * probe window. A socket made with its EtherType and then bound to the interface waited for an
 * RCU grace period inside bind(), on the caller's thread: 14-16 ms at rest here.
 */
function openBench(runs: number): Result {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const start = performance.now();
    const socket = openPacketSocket(IFACE, 0x0806);
    if (i > 0) times.push(performance.now() - start); // the first is the warm-up
    socket.close();
  }
  return summarise('packet-socket-open-receiving', 1, times);
}

async function inside(): Promise<void> {
  const results = [
    openBench(50),
    closeBench(50),
    await announceBench(4),
    await announceBench(6),
    await tickleBench('tickle-ipv4-addon', 4, openNativeIpSender, 30),
    await tickleBench('tickle-ipv6-addon', 6, openNativeIpSender, 30),
    await tickleBench('tickle-ipv4-raw-socket', 4, openRawSocketSender, 5),
  ];
  process.stdout.write(`${JSON.stringify({ results }, null, 1)}\n`);
}

function createNamespace(): void {
  sh('ip', 'netns', 'add', NS);
  sh('ip', '-n', NS, 'link', 'set', 'lo', 'up');
  sh('ip', '-n', NS, 'link', 'add', IFACE, 'type', 'veth', 'peer', 'name', 'fpkb1');
  sh('ip', 'netns', 'exec', NS, 'sysctl', '-q', `net.ipv6.conf.${IFACE}.accept_dad=0`);
  sh('ip', '-n', NS, 'link', 'set', IFACE, 'up');
  sh('ip', '-n', NS, 'link', 'set', 'fpkb1', 'up');
  sh('ip', '-n', NS, 'addr', 'add', '192.0.2.1/24', 'dev', IFACE);
  sh('ip', '-n', NS, '-6', 'addr', 'add', '2001:db8::1/64', 'dev', IFACE, 'nodad');
  // Clients sit behind a router whose MAC is known, as remote clients do in practice.
  sh('ip', '-n', NS, 'neigh', 'add', '192.0.2.254', 'lladdr', '02:00:00:00:fe:fe', 'dev', IFACE, 'nud', 'permanent');
  sh('ip', '-n', NS, '-6', 'neigh', 'add', '2001:db8::fe', 'lladdr', '02:00:00:00:fe:fe', 'dev', IFACE, 'nud', 'permanent');
  sh('ip', '-n', NS, 'route', 'add', '203.0.113.0/24', 'via', '192.0.2.254');
  sh('ip', '-n', NS, '-6', 'route', 'add', '2001:db8:ffff::/64', 'via', '2001:db8::fe');
}

runInNamespace({ namespace: NS, script: __filename, create: createNamespace, inside });

// Benchmark of the netlink and sock_diag adapters in a namespace it creates: address add/delete and connection listing.
//
// Prints {"results":[{"op","count","rounds","ms_p50","ms_p99"}]}: each round times one whole batch.
// IPv4 uses every address of the three documentation /24s (768): the network rule of
// this project allows no other IPv4 space, so the IPv4 batches hold 768, not 1000.

import { ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { RtnetlinkAdapter } from '../src/adapters/netlink/rtnetlink';
import { SockDiagAdapter } from '../src/adapters/sockdiag/sockdiag';
import { AddressRequest, InterfaceAddress } from '../src/adapters/netlink/port';
import { secondariesFirst } from '../src/adapters/netlink/delete-order';
import { guardianCommand } from '../src/daemon/guardian-client';
import { ip } from '../src/core/ip';
import { runInNamespace, sh } from './namespace-launcher';

const NS = 'fnl-bn';
const PEER_NS = 'fnl-bnp';
const IFACE = 'fnl0bn';
const CONNECTIONS = 10_000;
const SERVER = '192.0.2.1';
const CLIENT = '192.0.2.2';

interface Result { op: string; count: number; rounds: number; ms_p50: number; ms_p99: number }

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Number(sorted[Math.max(0, at)].toFixed(3));
}

function summarise(op: string, count: number, samples: number[]): Result {
  return { op, count, rounds: samples.length, ms_p50: percentile(samples, 50), ms_p99: percentile(samples, 99) };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * The longest event-loop turn while `fn` runs, ms: a chain of setImmediate marks the loop's
 * turns, so a system call that holds the loop (a dump's kernel walk) shows as one long turn.
 */
async function longestTurn(fn: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  let running = true;
  const mark = (): void => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setImmediate(mark);
  };
  setImmediate(mark);
  await fn();
  running = false;
  return Math.max(longest, performance.now() - last);
}

function ipv4Batch(): AddressRequest[] {
  const out: AddressRequest[] = [];
  for (const net of ['192.0.2', '198.51.100', '203.0.113']) {
    for (let host = 0; host <= 255; host++) out.push({ interface: IFACE, address: ip(`${net}.${host}`), bits: 32 });
  }
  return out;
}

function ipv6Batch(): AddressRequest[] {
  const out: AddressRequest[] = [];
  for (let n = 1; n <= 1000; n++) out.push({ interface: IFACE, address: ip(`2001:db8:b::${n.toString(16)}`), bits: 128 });
  return out;
}

/** A node's share of public addresses as the lab gives them: one /24 (its first address is the subnet's primary) and IPv6 /64s. */
function subnetBatch(v4: number, v6: number): AddressRequest[] {
  const out: AddressRequest[] = [];
  for (let host = 1; host <= v4; host++) out.push({ interface: IFACE, address: ip(`198.51.100.${host}`), bits: 24 });
  for (let n = 1; n <= v6; n++) out.push({ interface: IFACE, address: ip(`2001:db8:c::${n.toString(16)}`), bits: 64 });
  return out;
}

/** The adapter's view once the kernel's notifications of the adds arrived (they come through the watcher, after the acks). */
async function viewWhen(adapter: RtnetlinkAdapter, done: (listed: InterfaceAddress[]) => boolean): Promise<InterfaceAddress[]> {
  for (;;) {
    const listed = await adapter.listAddresses(IFACE);
    if (done(listed)) return listed;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * The guardian program as after a kill -9 of its daemon: started, ready, its pipe closed.
 * `startMs`: spawn to its ready line (it reads the addresses once before); `fenceMs`: the
 * fence's own time from its log line (deletes until none is left).
 */
async function guardianFence(expected: number): Promise<{ startMs: number; fenceMs: number }> {
  const { execPath, args } = guardianCommand();
  const started = performance.now();
  const child = spawn(execPath, [...args, '--fence-after-ms=600000'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  const startMs = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.startsWith('ready\n')) resolve(performance.now() - started);
    });
    void closed.then((code) => reject(new Error(`the guardian exited (${code}) before it was ready: ${err}`)));
  });
  child.stdin?.end();
  const code = await closed;
  const line = JSON.parse(err.trim().split('\n').pop() ?? '{}') as { removed?: number; fenceMs?: number };
  if (code !== 10 || line.removed !== expected || typeof line.fenceMs !== 'number') {
    throw new Error(`the guardian's fence did not remove ${expected} addresses (exit ${code}): ${err}`);
  }
  return { startMs, fenceMs: line.fenceMs };
}

/**
 * Deleting a node's share: in the order added (the primary first, so the kernel promotes a
 * secondary and moves the others' routes on every delete) against secondaries first (what
 * releaseMany and the guardian's fence do), then the guardian program's fence itself.
 */
async function deleteOrders(adapter: RtnetlinkAdapter, results: Result[]): Promise<void> {
  const share = subnetBatch(200, 134);
  const addAll = (): Promise<unknown> => Promise.all(share.map((r) => adapter.addAddress(r)));
  const primaryFirst: number[] = [];
  const ordered: number[] = [];
  const fenced: number[] = [];
  const starts: number[] = [];
  const withSecondaries = (listed: InterfaceAddress[]): boolean => listed.filter((a) => a.secondary).length === 199;
  for (let round = 0; round < 10; round++) {
    await addAll();
    await viewWhen(adapter, withSecondaries);
    primaryFirst.push(await timed(() => Promise.all(share.map((r) => adapter.deleteAddress(r)))));
    await addAll();
    const order = secondariesFirst((await viewWhen(adapter, withSecondaries)).filter((a) => a.owned));
    ordered.push(await timed(() => Promise.all(order.map((r) => adapter.deleteAddress(r)))));
    await addAll();
    const guardian = await guardianFence(share.length);
    starts.push(guardian.startMs);
    fenced.push(guardian.fenceMs);
    await viewWhen(adapter, (listed) => listed.every((a) => !a.owned));
  }
  results.push(
    summarise('delete-share-primary-first', share.length, primaryFirst),
    summarise('delete-share-secondaries-first', share.length, ordered),
    summarise('guardian-start', share.length, starts),
    summarise('fence-share', share.length, fenced),
  );
}

/** Node code for the two ends of the loopback connections (each end in its own process, for the fd limit). */
const SERVER_SOURCE = `
const net = require('net'); const kept = [];
net.createServer((s) => { kept.push(s); s.on('error', () => {}); }).listen({ host: '${SERVER}', port: 5000, backlog: 4096 }, () => console.log('ready'));
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;
const CLIENT_SOURCE = `
const net = require('net'); const total = Number(process.argv[1]); let started = 0; let open = 0; const kept = [];
const more = () => { while (started < total && started - open < 256) { started++;
  const s = net.connect({ host: '${SERVER}', port: 5000, localAddress: '${CLIENT}' });
  s.on('connect', () => { open++; if (open === total) console.log('ready'); else more(); });
  s.on('error', (e) => { console.error(e.code); process.exit(1); }); kept.push(s); } };
more(); process.stdin.on('end', () => process.exit(0)); process.stdin.resume();`;

function startEnd(source: string, args: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', source, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => { if (chunk.toString().includes('ready')) resolve(child); });
    child.on('exit', (code) => reject(new Error(`connection helper exited with ${code}`)));
  });
}

async function inner(): Promise<void> {
  const results: Result[] = [];
  const adapter = new RtnetlinkAdapter();
  await adapter.start();
  try {
    const v4 = ipv4Batch();
    const adds: number[] = [];
    const deletes: number[] = [];
    for (let round = 0; round < 20; round++) {
      adds.push(await timed(() => Promise.all(v4.map((r) => adapter.addAddress(r)))));
      deletes.push(await timed(() => Promise.all(v4.map((r) => adapter.deleteAddress(r)))));
    }
    results.push(summarise('add', v4.length, adds), summarise('delete', v4.length, deletes));

    const v6 = ipv6Batch();
    const adds6: number[] = [];
    for (let round = 0; round < 5; round++) {
      adds6.push(await timed(() => Promise.all(v6.map((r) => adapter.addAddress(r)))));
      await Promise.all(v6.map((r) => adapter.deleteAddress(r)));
    }
    results.push(summarise('add-ipv6', v6.length, adds6));
    await deleteOrders(adapter, results);
  } finally {
    await adapter.removeOwnedAddresses();
    await adapter.stop();
  }

  // The tickle scan at rest: no connection, so what holds the loop is the kernel's walk of its TCP table.
  const idle = new SockDiagAdapter();
  await idle.start();
  try {
    const lists: number[] = [];
    const turns: number[] = [];
    for (let round = 0; round < 50; round++) {
      lists.push(await timed(() => idle.listEstablished([ip(SERVER)])));
      turns.push(await longestTurn(() => idle.listEstablished([ip(SERVER)])));
    }
    results.push(summarise('list-conns-none', 0, lists), summarise('list-conns-none-longest-turn', 0, turns));
  } finally {
    await idle.stop();
  }

  const server = await startEnd(SERVER_SOURCE);
  const client = await startEnd(CLIENT_SOURCE, [String(CONNECTIONS)]);
  const diag = new SockDiagAdapter();
  await diag.start();
  try {
    const turns: number[] = [];
    for (let round = 0; round < 20; round++) turns.push(await longestTurn(() => diag.listEstablished([ip(SERVER)])));
    results.push(summarise('list-conns-longest-turn', CONNECTIONS, turns));
    const lists: number[] = [];
    for (let round = 0; round < 20; round++) {
      let found = 0;
      lists.push(await timed(async () => { found = (await diag.listEstablished([ip(SERVER)])).length; }));
      if (found !== CONNECTIONS) throw new Error(`list found ${found} connections, expected ${CONNECTIONS}`);
    }
    results.push(summarise('list-conns', CONNECTIONS, lists));
  } finally {
    await diag.stop();
    client.stdin?.end();
    server.stdin?.end();
  }
  process.stdout.write(`${JSON.stringify({ results })}\n`);
}

function createNamespaces(): void {
  sh('ip', 'netns', 'add', NS);
  sh('ip', 'netns', 'add', PEER_NS);
  sh('ip', '-n', NS, 'link', 'set', 'lo', 'up');
  sh('ip', '-n', NS, 'link', 'add', IFACE, 'type', 'veth', 'peer', 'name', 'fnl0bnp', 'netns', PEER_NS);
  sh('ip', '-n', NS, 'link', 'set', IFACE, 'up');
  // As floatipd sets it (src/daemon/wiring/promote-secondaries.ts): a deleted primary promotes a secondary.
  sh('ip', 'netns', 'exec', NS, 'sysctl', '-qw', `net.ipv4.conf.${IFACE}.promote_secondaries=1`);
  sh('ip', '-n', PEER_NS, 'link', 'set', 'fnl0bnp', 'up');
  sh('ip', '-n', NS, 'addr', 'add', `${SERVER}/32`, 'dev', 'lo');
  sh('ip', '-n', NS, 'addr', 'add', `${CLIENT}/32`, 'dev', 'lo');
}

runInNamespace({ namespace: NS, namespaces: [NS, PEER_NS], script: __filename, create: createNamespaces, inside: inner });

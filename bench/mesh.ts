// Benchmark of the TCP mesh on loopback: handshake time, heartbeat round trip, and one-way message throughput; prints JSON.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ip } from '../src/core/ip';
import { HeartbeatMessage } from '../src/protocol/frame-messages';
import { createTcpMesh, TcpMesh } from '../src/adapters/peer/tcp-mesh';

const NODES = [{ pnn: 0, address: ip('127.0.0.61') }, { pnn: 1, address: ip('127.0.0.62') }];
const HANDSHAKES = 30;
const ROUND_TRIPS = 3000;
const BURST = 20_000;

function heartbeat(pnn: number, beat: number): HeartbeatMessage {
  return {
    kind: 'heartbeat', pnn, beat, flags: 0, monitor: 'healthy', epoch: 12, leader: 0,
    links: [{ iface: 'eth0', state: 'up' }, { iface: 'eth1', state: 'up' }],
    hosted: Array.from({ length: 16 }, (_, i) => ip(`192.0.2.${i + 1}`)),
    partition: [0, 1],
    heard: [{ pnn: 1 - pnn, agoMs: 150 }], voters: [],
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(3);
}

function summary(values: number[]): { p50: number; p99: number; max: number; n: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: +sorted[sorted.length - 1].toFixed(3), n: sorted.length };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function pair(): Promise<[TcpMesh, TcpMesh]> {
  const port = await freePort();
  const clusterKey = new Uint8Array(randomBytes(32));
  const meshes = NODES.map((n) => createTcpMesh({ localPnn: n.pnn, nodes: NODES, port, clusterKey })) as [TcpMesh, TcpMesh];
  return meshes;
}

function until(check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = (): void => { if (check()) resolve(); else setImmediate(poll); };
    poll();
  });
}

async function handshakes(): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < HANDSHAKES; run++) {
    const [a, b] = await pair();
    await b.start();
    const started = performance.now();
    await a.start();
    await until(() => a.connected().length === 1 && b.connected().length === 1);
    times.push(performance.now() - started);
    await a.stop();
    await b.stop();
  }
  return times;
}

async function roundTrips(a: TcpMesh, b: TcpMesh): Promise<number[]> {
  b.subscribe((e) => { if (e.kind === 'message' && e.message.kind === 'heartbeat') b.send(0, heartbeat(1, e.message.beat)); });
  const times: number[] = [];
  for (let n = 0; n < ROUND_TRIPS; n++) {
    const started = performance.now();
    const back = new Promise<void>((resolve) => {
      const off = a.subscribe((e) => { if (e.kind === 'message' && e.message.kind === 'heartbeat' && e.message.beat === n) { off(); resolve(); } });
    });
    a.send(1, heartbeat(0, n));
    await back;
    times.push(performance.now() - started);
  }
  return times;
}

async function throughput(a: TcpMesh, c: TcpMesh): Promise<{ messagesPerSecond: number; megabytesPerSecond: number; ms: number }> {
  let received = 0;
  c.subscribe((e) => { if (e.kind === 'message') received++; });
  const bytesBefore = a.stats().bytesOut;
  const started = performance.now();
  for (let n = 0; n < BURST; n++) a.send(1, heartbeat(0, n));
  await until(() => received === BURST);
  const ms = performance.now() - started;
  const bytes = a.stats().bytesOut - bytesBefore;
  return { messagesPerSecond: Math.round(BURST / (ms / 1000)), megabytesPerSecond: +(bytes / 1e6 / (ms / 1000)).toFixed(1), ms: +ms.toFixed(1) };
}

async function main(): Promise<void> {
  const handshake = summary(await handshakes());
  const [a, b] = await pair();
  await b.start();
  await a.start();
  await until(() => a.connected().length === 1);
  const rtt = summary(await roundTrips(a, b));
  const burst = await throughput(a, b);
  const frameBytes = a.stats().bytesOut / a.stats().framesOut;
  await a.stop();
  await b.stop();
  process.stdout.write(`${JSON.stringify({
    bench: 'mesh', transport: 'tcp loopback, one process', node: process.version,
    handshakeMs: handshake, heartbeatRoundTripMs: rtt, burst: { messages: BURST, ...burst }, heartbeatFrameBytes: Math.round(frameBytes),
  }, null, 2)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});

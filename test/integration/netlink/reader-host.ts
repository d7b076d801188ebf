// Runs one scenario of the in-process notification reader inside a namespace and prints its findings as JSON.
//
// Scenarios (argv[2]), on interface argv[3]:
//   leak     200 starts and stops; descriptors and threads before and after
//   overflow the event loop blocked (a synchronous `ip -batch`) while the kernel multicasts
//            far more than a 32 KiB buffer holds; what was reported, and whether reading went on
//   stop     stop() while the thread waits for a queue slot (the loop blocked by a burst)
//   foreign  another netlink socket unicasts a forged notification to the reader's port

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { NetlinkMessage, RawNetlinkSocket } from 'netlink';
import { NotificationWatcher, openNativeReader, WatcherOptions } from '../../../src/adapters/netlink/watcher';

const [scenario, iface] = process.argv.slice(2);
const FORGED_SEQ = 0xf1f1f1f1;

function counts(): { fds: number; threads: number } {
  return { fds: fs.readdirSync('/proc/self/fd').length, threads: fs.readdirSync('/proc/self/task').length };
}

/** Resolves once `done()` holds, checked after every turn of the loop (events arrive between turns). */
async function until(done: () => boolean, what: string, limitMs = 20000): Promise<void> {
  const giveUp = Date.now() + limitMs;
  while (!done()) {
    if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function ipBatch(lines: string[]): void {
  execFileSync('ip', ['-batch', '-'], { input: lines.join('\n') + '\n' });
}

/** `count` add/delete pairs of /32 addresses from 192.0.2.0/24: 2 x count notifications. */
function burst(count: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(`addr add 192.0.2.${(i % 254) + 1}/32 dev ${iface}`, `addr del 192.0.2.${(i % 254) + 1}/32 dev ${iface}`);
  return lines;
}

const carries = (message: NetlinkMessage, bytes: number[]): boolean => message.data.indexOf(Buffer.from(bytes)) >= 0;

function log(): { messages: NetlinkMessage[]; lost: string[]; ready: boolean[]; options: Omit<WatcherOptions, 'receiveBufferBytes'> } {
  const messages: NetlinkMessage[] = [];
  const lost: string[] = [];
  const ready: boolean[] = [];
  return {
    messages, lost, ready,
    options: { onMessages: (m) => messages.push(...m), onLost: (r) => lost.push(r), onReady: (r) => ready.push(r) },
  };
}

async function leak(): Promise<unknown> {
  // Warm up once: the first start loads the addon.
  const warm = new NotificationWatcher(log().options);
  await warm.start();
  warm.stop();
  const before = counts();
  let peakThreads = 0;
  for (let cycle = 0; cycle < 200; cycle++) {
    const watcher = new NotificationWatcher(log().options);
    await watcher.start();
    peakThreads = Math.max(peakThreads, counts().threads);
    watcher.stop();
    // stop() joins the reader thread, but the kernel can list an exited thread in /proc/self/task
    // a moment longer: counted by the next cycle, it made the peak two threads more (CI, 2026-12-08).
    await until(() => counts().threads <= before.threads, 'the stopped reader thread to leave /proc/self/task');
  }
  return { before, after: counts(), peakThreads };
}

async function overflow(): Promise<unknown> {
  const { messages, lost, ready, options } = log();
  const watcher = new NotificationWatcher({ ...options, receiveBufferBytes: 32 * 1024 });
  await watcher.start();
  ipBatch(burst(1500)); // blocks this loop: the queue fills, then the 32 KiB buffer
  await until(() => ready.length >= 2, 'onReady after the overflow');
  ipBatch([`addr add 198.51.100.9/24 dev ${iface}`]);
  await until(() => messages.some((m) => carries(m, [198, 51, 100, 9])), 'the notification after the overflow');
  watcher.stop();
  ipBatch([`addr del 198.51.100.9/24 dev ${iface}`]);
  return { lost, ready, restartCount: watcher.restartCount, heard: messages.length };
}

async function stopWhileFull(): Promise<unknown> {
  const { messages, options } = log();
  const watcher = new NotificationWatcher(options);
  await watcher.start();
  ipBatch([]); // the first child process opens libuv's signal pipe: not ours to count
  const before = counts();
  ipBatch(burst(1000)); // 2000 notifications while this loop is blocked: more than the queue's 256 slots
  const threadsWhileFull = counts().threads;
  watcher.stop(); // must return: the thread waits for a slot only this loop could free
  const heardAtStop = messages.length;
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
  return { before, threadsWhileFull, after: counts(), heardAtStop, heardAfterStop: messages.length - heardAtStop };
}

async function foreign(): Promise<unknown> {
  const { messages, options } = log();
  let portId = 0;
  const watcher = new NotificationWatcher({
    ...options,
    openReader: (bytes, groups, onEvent) => {
      const reader = openNativeReader(bytes, groups, onEvent);
      portId = (reader as unknown as { portId: number }).portId;
      return reader;
    },
  });
  await watcher.start();
  // An RTM_NEWADDR header and an empty ifaddrmsg, marked by its sequence number.
  const forged = Buffer.alloc(24);
  forged.writeUInt32LE(24, 0);
  forged.writeUInt16LE(20, 4);
  forged.writeUInt32LE(FORGED_SEQ, 8);
  const sender = new RawNetlinkSocket(0, { recvBufferSize: 65536, sendBufferSize: 65536 });
  await new Promise<void>((resolve, reject) => sender.send(forged, { port: portId }, (error) => (error ? reject(error) : resolve())));
  // The socket's queue is in order: the kernel's notification of this add comes after the forged one.
  ipBatch([`addr add 198.51.100.10/24 dev ${iface}`]);
  await until(() => messages.some((m) => carries(m, [198, 51, 100, 10])), 'the kernel notification');
  watcher.stop();
  sender.close();
  ipBatch([`addr del 198.51.100.10/24 dev ${iface}`]);
  return { portId, forgedSeen: messages.filter((m) => m.seq === FORGED_SEQ).length, heard: messages.length };
}

const scenarios: Record<string, () => Promise<unknown>> = { leak, overflow, stop: stopWhileFull, foreign };

scenarios[scenario]().then(
  (result) => { process.stdout.write(JSON.stringify(result) + '\n'); process.exit(0); },
  (error: unknown) => { process.stderr.write(`${(error as Error).stack ?? String(error)}\n`); process.exit(1); },
);

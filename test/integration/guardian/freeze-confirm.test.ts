// A freeze of a daemon that holds an address, past the freeze limit but short of the peers' dead_after: the fast path asks the guardian before it gives up (namespace frg-c).
//
// The stand-in (fast-path-daemon.ts) runs the real fast-path worker and the real guardian
// program with fence_after 400 ms and dead_after 2 s. The test stops processes with SIGSTOP:
// the daemon and its guardian together (a whole node paused: the guardian cannot have fenced,
// and says so when it runs), or the daemon alone (the guardian fences at 400 ms, and the daemon
// must give up when it runs).

import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { prepareTsDaemon } from '../daemon/helpers/ts-daemon';
import { cleanup, ipIn, namespaceWithVeth } from './namespace';

const NS = 'frg-c';
const IFACE = 'frg0c';
const ADDRESS = '203.0.113.10/24';
/** Longer than fence_after (400 ms): a guardian that ran meanwhile fenced. */
const FREEZE_MS = 600;

jest.setTimeout(60000);

type Line = Record<string, unknown>;

interface StandIn {
  readonly child: ChildProcess;
  readonly lines: Line[];
  readonly guardianPid: number;
}

let dir: string;
let hook: string;
let running: StandIn[] = [];

function holds(): boolean {
  return ipIn(NS, '-o', 'addr', 'show', 'dev', IFACE).includes(ADDRESS);
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function start(): Promise<StandIn> {
  const child = spawn('ip', ['netns', 'exec', NS, process.execPath, '--require', hook, path.join(__dirname, 'fast-path-daemon.ts'), IFACE],
    { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } });
  const lines: Line[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
      lines.push(JSON.parse(buffered.slice(0, at)) as Line);
      buffered = buffered.slice(at + 1);
    }
  });
  const ready = await until('the stand-in to be ready', () => lines.find((l) => l.ready || l.error));
  if (ready.error) throw new Error(`stand-in: ${String(ready.error)}`);
  const standIn = { child, lines, guardianPid: ready.guardianPid as number };
  running.push(standIn);
  return standIn;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(() => {
  cleanup();
  dir = mkdtempSync(path.join(tmpdir(), 'floatip-freeze-'));
  hook = prepareTsDaemon(dir).hook;
});
beforeEach(() => {
  cleanup();
  namespaceWithVeth(NS, IFACE, 'frg-cp', 'frg0cp');
  running = [];
});
afterEach(() => {
  for (const s of running) {
    for (const pid of [s.child.pid, s.guardianPid]) {
      try { process.kill(pid as number, 'SIGCONT'); process.kill(pid as number, 'SIGKILL'); } catch { /* gone */ }
    }
  }
});
afterAll(() => {
  cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test('daemon and guardian paused together: the guardian answers once it runs, the daemon goes on, the address stays', async () => {
  const s = await start();
  // `ip netns exec` execs node in place: the child's pid is the stand-in's.
  process.kill(s.guardianPid, 'SIGSTOP');
  process.kill(s.child.pid as number, 'SIGSTOP');
  await pause(FREEZE_MS); // the fault's length
  process.kill(s.child.pid as number, 'SIGCONT');
  await pause(100); // the guardian stays paused a little longer: the daemon must wait for its answer
  expect(s.lines.filter((l) => l.confirmed || l.verdict)).toEqual([]);
  process.kill(s.guardianPid, 'SIGCONT');
  const confirmed = await until('the guardian\'s answer', () => s.lines.find((l) => l.confirmed || l.verdict || l.ended));
  expect(confirmed).toEqual({ confirmed: { gapMs: expect.any(Number), waitedMs: expect.any(Number) } });
  expect((confirmed.confirmed as { gapMs: number }).gapMs).toBeGreaterThanOrEqual(FREEZE_MS - 20);
  expect(holds()).toBe(true);
  s.child.stdin?.write('bye\n');
  await new Promise((resolve) => s.child.once('exit', resolve));
  expect(s.lines.filter((l) => l.verdict || l.ended)).toEqual([]);
  expect(holds()).toBe(true);
});

test('the daemon paused alone past fence_after: the guardian fenced, and the daemon gives up when it runs', async () => {
  const s = await start();
  process.kill(s.child.pid as number, 'SIGSTOP');
  await until('the guardian\'s fence', () => (holds() ? undefined : true));
  process.kill(s.child.pid as number, 'SIGCONT');
  // Either the worker asked and the guardian had ended (verdict), or its end was read first: never "confirmed".
  const outcome = await until('the stand-in to hear of the fence', () => s.lines.find((l) => l.verdict || l.ended || l.confirmed));
  expect(outcome.confirmed).toBeUndefined();
  expect(holds()).toBe(false);
});

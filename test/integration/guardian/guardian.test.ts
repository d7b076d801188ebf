// The guardian on a real kernel: a stand-in daemon in namespace fms-g with tagged and untagged addresses on a veth.
//
// kill -9 the daemon: the tagged addresses go at once (measured); SIGSTOP it or block its
// loop: they go within fence_after; an orderly goodbye: they stay. Untagged addresses always stay.

import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { cleanup, ipIn, namespaceWithVeth, spawnTsInNamespace } from './namespace';

const NS = 'fms-g';
const PEER_NS = 'fms-gp';
const IFACE = 'fms0g';
const FENCE_AFTER_MS = 300;
const TAGGED = ['192.0.2.10/24', '198.51.100.10/24', '2001:db8::10/64'];
const UNTAGGED = ['192.0.2.99/24', '2001:db8::99/64'];

jest.setTimeout(60000);

function addresses(): string[] {
  const out = ipIn(NS, '-o', 'addr', 'show', 'dev', IFACE, 'scope', 'global');
  return [...out.matchAll(/inet6? (\S+)/g)].map((m) => m[1]).sort();
}

interface Daemon {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  readonly stderr: string[];
  readonly guardianPid: number;
}

async function startDaemon(): Promise<Daemon> {
  const child = spawnTsInNamespace(NS, path.join(__dirname, 'fake-daemon.ts'), [IFACE, String(FENCE_AFTER_MS)]);
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  let buffered = '';
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
        const line = JSON.parse(buffered.slice(0, at)) as Record<string, unknown>;
        buffered = buffered.slice(at + 1);
        lines.push(line);
        if (line.ready) resolve(line.guardianPid as number);
        if (line.error) reject(new Error(`fake daemon: ${String(line.error)}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`fake daemon exited (${code}): ${stderr.join('')}`)));
  });
  return { child, lines, stderr, guardianPid: await ready };
}

/** Watches `ip monitor address` and resolves with the time the last of the tagged addresses was reported deleted. */
function watchDeletions(): { done: Promise<number>; stop: () => void } {
  const monitor = spawn('ip', ['-n', NS, 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pending = new Set(TAGGED);
  const done = new Promise<number>((resolve) => {
    monitor.stdout.on('data', (chunk: Buffer) => {
      const now = performance.now();
      for (const m of chunk.toString().matchAll(/^Deleted .*inet6? (\S+)/gm)) pending.delete(m[1]);
      if (pending.size === 0) resolve(now);
    });
  });
  return { done, stop: () => monitor.kill() };
}

/** Exited: no such process, or a zombie its stopped or blocked parent has not reaped yet. */
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function waitGone(pid: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!processGone(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} still runs`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The guardian's log line (it shares the daemon's stderr, which may still be in transit when the guardian is gone). */
async function guardianLog(stderr: string[]): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const line = stderr.join('').split('\n').find((l) => l.includes('"component":"guardian"'));
    if (line) return JSON.parse(line) as Record<string, unknown>;
    if (Date.now() > deadline) throw new Error(`no guardian log line in: ${stderr.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function waitForLine(daemon: Daemon, expected: Record<string, unknown>): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!daemon.lines.some((line) => JSON.stringify(line) === JSON.stringify(expected))) {
    if (Date.now() > deadline) throw new Error(`the daemon never printed ${JSON.stringify(expected)}: ${JSON.stringify(daemon.lines)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const figures: Record<string, number> = {};

describe('guardian in a namespace', () => {
  let daemon: Daemon | undefined;

  beforeAll(() => cleanup());
  afterAll(() => {
    cleanup();
    process.stdout.write(`${JSON.stringify({ guardian: figures })}\n`);
  });
  beforeEach(async () => {
    cleanup();
    namespaceWithVeth(NS, IFACE, PEER_NS, 'fms0gp');
    for (const address of UNTAGGED) ipIn(NS, 'addr', 'add', address, 'dev', IFACE, ...(address.includes(':') ? ['nodad'] : []));
    daemon = await startDaemon();
    expect(addresses()).toEqual([...TAGGED, ...UNTAGGED].sort());
  });
  afterEach(async () => {
    for (const pid of [daemon?.child.pid, daemon?.guardianPid]) {
      if (pid !== undefined && !processGone(pid)) {
        try { process.kill(pid, 'SIGCONT'); process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }
    daemon = undefined;
  });

  it('kill -9 of the daemon: the tagged addresses are gone within milliseconds, the others stay', async () => {
    const { child, guardianPid, stderr } = daemon as Daemon;
    const deletions = watchDeletions();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const killedAt = performance.now();
    child.kill('SIGKILL');
    const goneAt = await deletions.done;
    deletions.stop();
    figures.killToGoneMs = +(goneAt - killedAt).toFixed(2);
    expect(addresses()).toEqual([...UNTAGGED].sort());
    await waitGone(guardianPid);
    const log = await guardianLog(stderr);
    expect(log).toMatchObject({ component: 'guardian', cause: 'pipe-closed', removed: expect.arrayContaining(TAGGED) });
    figures.guardianFenceMs = log.fenceMs as number;
    expect(goneAt - killedAt).toBeLessThan(100);
  });

  it('SIGSTOP of the daemon: the tagged addresses are gone within fence_after', async () => {
    const { child, guardianPid, stderr } = daemon as Daemon;
    const deletions = watchDeletions();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stoppedAt = performance.now();
    child.kill('SIGSTOP');
    const goneAt = await deletions.done;
    deletions.stop();
    figures.stopToGoneMs = +(goneAt - stoppedAt).toFixed(2);
    expect(addresses()).toEqual([...UNTAGGED].sort());
    await waitGone(guardianPid);
    expect(await guardianLog(stderr)).toMatchObject({ cause: 'no-ticks', removed: expect.arrayContaining(TAGGED) });
    // Woken up, the daemon learns from its link that the guardian fenced (it must then treat its addresses as gone).
    child.kill('SIGCONT');
    await waitForLine(daemon as Daemon, { guardianEnded: 'fenced-no-ticks' });
    // The last tick came about fence_after/4 before the stop: the silence, not the stop itself, triggered the fence.
    expect(goneAt - stoppedAt).toBeGreaterThan(FENCE_AFTER_MS * 0.5);
    expect(goneAt - stoppedAt).toBeLessThan(FENCE_AFTER_MS + 50);
  });

  it('a blocked event loop: the ticks stop, the tagged addresses are gone within fence_after', async () => {
    const { child, guardianPid, stderr } = daemon as Daemon;
    const deletions = watchDeletions();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const blockedAt = performance.now();
    child.stdin?.write('block\n');
    const goneAt = await deletions.done;
    deletions.stop();
    figures.blockToGoneMs = +(goneAt - blockedAt).toFixed(2);
    expect(addresses()).toEqual([...UNTAGGED].sort());
    await waitGone(guardianPid);
    expect(await guardianLog(stderr)).toMatchObject({ cause: 'no-ticks' });
    expect(goneAt - blockedAt).toBeLessThan(FENCE_AFTER_MS + 50);
  });

  it('a guardian that dies is reported to the daemon, which must start another', async () => {
    const { guardianPid } = daemon as Daemon;
    process.kill(guardianPid, 'SIGKILL');
    await waitForLine(daemon as Daemon, { guardianEnded: 'killed' });
    expect(addresses()).toEqual([...TAGGED, ...UNTAGGED].sort());
  });

  it('an orderly goodbye: the guardian leaves and every address stays', async () => {
    const { child, guardianPid, lines } = daemon as Daemon;
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdin?.write('bye\n');
    expect(await exited).toBe(0);
    await waitGone(guardianPid);
    expect(lines).toContainEqual({ bye: 'bye' });
    expect(lines.some((l) => 'guardianEnded' in l)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, FENCE_AFTER_MS * 2));
    expect(addresses()).toEqual([...TAGGED, ...UNTAGGED].sort());
  });
});

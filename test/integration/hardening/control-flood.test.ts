// A live floatipd's control socket under a flood, its stop with hostile clients attached, and a second floatipd started beside it.
//
// Three real floatipds in a lab. The flood: 1000 connections at once to node 0's control
// socket, each sending a ping; the descriptors of node 0's floatipd (/proc/PID/fd) must
// come back to their count before the flood. The stop: 300 clients of node 2 send a ping
// and then keep their connections open; SIGTERM must still end the process. The second
// floatipd: started in node 1's namespace with node 1's configuration but another control
// socket, it must refuse to start without touching node 1's addresses (sampled every 10 ms).

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { labFail, labHeal } from '../../../src/lab';
import { AddressSampler } from '../daemon/helpers/address-sampler';
import { DaemonLab, holders, startDaemonLab, waitFor } from '../daemon/helpers/daemon-lab';
import { onePerNode } from './one-per-node';

jest.setTimeout(180_000);

const ALL = Array.from({ length: 3 }, (_, k) => `198.51.100.${k + 1}`);

let lab: DaemonLab;

beforeAll(async () => {
  lab = await startDaemonLab({ prefix: 'fqa', nodes: 3, ipv4: ALL.length, ipv6: 0 });
  await placed();
});

afterAll(async () => {
  await lab?.down();
});

const placed = (): Promise<Map<string, number>> => onePerNode(lab, ALL);

async function runningPid(pnn: number): Promise<number> {
  const pid = await lab.pid(pnn);
  if (pid === null) throw new Error(`node ${pnn}'s floatipd is not running`);
  return pid;
}

function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** A control client that sends a ping and resolves with its first reply line; it closes only when told. */
function pingAndHold(path: string): Promise<{ reply: { ok: boolean; error?: { code: string } }; socket: Socket }> {
  return new Promise((resolve, reject) => {
    // allowHalfOpen: the server's end of stream does not close this side; only the server's destroy does.
    const socket = connect({ path, allowHalfOpen: true });
    let text = '';
    socket.setEncoding('utf8');
    socket.once('error', reject);
    socket.on('connect', () => socket.write(`${JSON.stringify({ id: 1, command: 'ping' })}\n`));
    socket.on('data', (chunk: string) => {
      text += chunk;
      const at = text.indexOf('\n');
      if (at >= 0) resolve({ reply: JSON.parse(text.slice(0, at)) as { ok: boolean; error?: { code: string } }, socket });
    });
  });
}

/** Connects, retrying while the listen backlog is full (a burst of 1000 fills it: EAGAIN). */
async function pingPatiently(path: string): ReturnType<typeof pingAndHold> {
  for (;;) {
    try {
      return await pingAndHold(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

test('1000 concurrent control connections, each sending a ping: the daemon\'s fd count returns to its start', async () => {
  const pid = await runningPid(0);
  const before = fdCount(pid);
  const clients = await Promise.all(Array.from({ length: 1000 }, () => pingPatiently(lab.socket(0))));
  for (const { socket } of clients) socket.destroy();
  const codes = clients.map(({ reply }) => (reply.ok ? 'ok' : reply.error?.code));
  expect(codes.every((c) => c === 'ok' || c === 'E_CONTROL_BUSY')).toBe(true);
  expect(codes.filter((c) => c === 'E_CONTROL_BUSY').length).toBeGreaterThan(0);
  await waitFor(`node 0's floatipd back to ${before} descriptors`, () => (fdCount(pid) <= before ? true : undefined), 15_000, 100);
  // The refusals were logged as counts, never one line each.
  const refusalLines = readFileSync(lab.log(0), 'utf8').split('\n').filter((l) => l.includes('control client')).length;
  expect(refusalLines).toBeLessThanOrEqual(3);
  expect((await lab.cli(0, 'ping')).code).toBe(0);
});

test('a second floatipd in a node\'s namespace, with another control socket, refuses to start and touches none of its addresses', async () => {
  const layout = await placed();
  const mine = [...layout].filter(([, pnn]) => pnn === 1).map(([address]) => address);
  const sampler = await AddressSampler.start([lab.namespace(1)], 10);
  try {
    const config = readFileSync(join(dirname(lab.log(1)), 'floatip.toml'), 'utf8');
    // Beside node 1's own, so that its relative paths (nodes, public_addresses, key) are node 1's.
    const second = join(dirname(lab.log(1)), 'second.toml');
    const socketLine = /^socket\s*=.*$/m;
    expect(config).toMatch(socketLine);
    writeFileSync(second, config.replace(socketLine, `socket = ${JSON.stringify(join(lab.root, 'second.sock'))}`));
    const child = spawn('ip', ['netns', 'exec', lab.namespace(1), join(lab.root, 'floatipd'), '--config', second], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect([code, output]).toEqual([1, expect.stringMatching(/E_ALREADY_RUNNING/)]);
    expect(output).toContain(`pid ${await runningPid(1)}`);
    expect(output).not.toMatch(/leftover/);
  } finally {
    await sampler.stop();
  }
  // Node 1's addresses never changed while the second one tried.
  expect(sampler.changes[0].map((c) => c.addresses)).toEqual([mine.sort()]);
  expect(holders(lab, ALL)).toEqual(layout);
});

test('SIGTERM ends the daemon while 300 control clients hold their connections open', async () => {
  await placed();
  const pid = await runningPid(2);
  const clients = await Promise.all(Array.from({ length: 300 }, () => pingPatiently(lab.socket(2))));
  try {
    await labFail(lab.target, 2, 'stop');
    // The release takes well under a second in the lab; closing the control socket at most CONTROL_STOP_BOUND_MS more.
    await waitFor(`node 2's floatipd (pid ${pid}) to exit`, async () => ((await lab.pid(2)) === null ? true : undefined), 20_000, 100);
    const log = readFileSync(lab.log(2), 'utf8');
    expect(log).toMatch(/floatipd stopped/);
  } finally {
    for (const { socket } of clients) socket.destroy();
  }
  const heal = await labHeal(lab.target, 2);
  expect(heal.daemons.map((d) => d.up)).toEqual([true]);
  await placed();
});

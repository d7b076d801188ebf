// `floatip lab` with daemons: start in each namespace, report those that fail, signal faults, heal, down.
//
// floatipd itself is swapped through the user-facing --floatipd option: small
// stand-ins that fail at once, never answer, or answer ping and status on the
// control socket named in their floatip.toml, as floatipd does.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labStatus } from '../../../src/lab';
import { cleanup, floatip, namespacesWithPrefix, PREFIX, processGone, removeTempRoot, tempRoot } from './helpers';

jest.setTimeout(60_000);

const root = tempRoot();
const dir = `${root}/lab`;
const target = { prefix: PREFIX, dir };
const lab = (verb: string, ...args: string[]) => floatip('lab', verb, '--prefix', PREFIX, '--dir', dir, ...args);

const fakes = join(root, 'fakes');
mkdirSync(fakes);

function writeFake(name: string, text: string): string {
  const path = join(fakes, name);
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

/** Fails at once with a message, as a daemon with a broken configuration would. */
const failingDaemon = writeFake('failing-floatipd', '#!/bin/sh\necho "floatipd: cannot listen on 192.0.2.2:4390: address in use" >&2\nexit 1\n');

/** Runs but never opens its control socket. */
const silentDaemon = writeFake('silent-floatipd', '#!/bin/sh\nexec sleep 300\n');

/** Answers ping and status on the control socket of its floatip.toml (newline JSON, one reply per request). */
const answeringDaemon = writeFake('answering-floatipd.js', `
const fs = require('fs');
const net = require('net');
const path = require('path');
const config = process.argv[process.argv.indexOf('--config') + 1];
const toml = fs.readFileSync(config, 'utf8');
const socket = path.join(path.dirname(config), /^socket = "(.*)"$/m.exec(toml)[1]);
const pnn = Number(/^pnn = ([0-9]+)$/m.exec(toml)[1]);
const nodes = fs.readFileSync(path.join(path.dirname(config), 'nodes'), 'utf8').trim().split('\\n');
const status = {
  pnn, leader: 0, epoch: 7, quorate: true, partition: nodes.map((_, i) => i), quorumRule: 'majority', monitor: 'healthy',
  nodes: nodes.map((address, i) => ({ pnn: i, address, flags: 'OK', flagBits: 0, isLocal: i === pnn })),
};
fs.rmSync(socket, { force: true });
net.createServer((conn) => {
  let buffer = '';
  conn.on('data', (chunk) => {
    buffer += chunk;
    for (let at = buffer.indexOf('\\n'); at >= 0; at = buffer.indexOf('\\n')) {
      const request = JSON.parse(buffer.slice(0, at));
      buffer = buffer.slice(at + 1);
      const result = request.command === 'status' ? status : {};
      conn.write(JSON.stringify({ id: request.id, ok: true, result }) + '\\n');
    }
  });
}).listen(socket, () => console.log('stand-in floatipd of node ' + pnn + ' answers on ' + socket));
process.on('SIGTERM', () => { console.log('SIGTERM: stopping'); process.exit(0); });
`);

function namespaceOfPid(pid: number): string {
  return execFileSync('ip', ['netns', 'identify', String(pid)], { encoding: 'utf8' }).trim();
}

async function daemonPids(): Promise<(number | null)[]> {
  return (await labStatus(target)).nodes.map((n) => n.daemonPid);
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return check();
}

beforeAll(async () => {
  await cleanup(dir);
});

afterEach(async () => {
  await cleanup(dir);
});

afterAll(() => {
  removeTempRoot(root);
});

it('up reports each floatipd that exits, with the end of its log, and fails', async () => {
  const up = await lab('up', '--nodes', '2', '--floatipd', failingDaemon);
  expect(up.code).toBe(1);
  expect(up.stdout).toContain(`lab ${PREFIX} is up`);
  for (const pnn of [0, 1]) {
    expect(up.stderr).toContain(`node ${pnn}: floatipd did not come up: floatipd (pid`);
    expect(up.stderr).toContain(`${dir}/node${pnn}/floatipd.log`);
  }
  expect(up.stderr).toContain('cannot listen on 192.0.2.2:4390: address in use');
  expect(up.stderr).toContain(`floatip lab down --prefix ${PREFIX}`);
  // The topology stays for inspection.
  expect(namespacesWithPrefix()).toHaveLength(4);
});

it('up reports a floatipd that runs but never answers on its control socket', async () => {
  const up = await lab('up', '--nodes', '1', '--floatipd', silentDaemon, '--start-timeout', '1');
  expect(up.code).toBe(1);
  expect(up.stderr).toMatch(/node 0: floatipd did not come up: floatipd \(pid [0-9]+\) runs but did not answer on .*control\.sock within 1 s/);
  const [pid] = await daemonPids();
  const down = await lab('down');
  expect(down.code).toBe(0);
  expect(processGone(pid as number)).toBe(true);
});

async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!processGone(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

it('starts one daemon per node inside its namespace; faults and heal act on the right process; down stops them all', async () => {
  const up = await lab('up', '--nodes', '3', '--floatipd', answeringDaemon);
  expect(up.stderr).toBe('');
  expect(up.code).toBe(0);
  expect(up.stdout).toContain('floatipd up on nodes 0, 1, 2');

  const pids = (await daemonPids()) as number[];
  expect(pids.map(namespaceOfPid)).toEqual([`${PREFIX}-n0`, `${PREFIX}-n1`, `${PREFIX}-n2`]);
  const status = await lab('status');
  expect(status.code).toBe(0);
  expect(status.stdout).toContain('cluster, as node 0 sees it (floatip status):');
  expect(status.stdout).toContain('  Epoch:7\n  Leader:0\n  Quorum:yes (majority; partition: 0,1,2)');
  expect(status.stdout).toContain(`running (pid ${pids[1]})`);

  expect((await lab('fail', '0', '--mode', 'freeze')).code).toBe(0);
  expect((await labStatus(target)).nodes[0].daemon).toBe('stopped');
  expect((await lab('status')).stdout).toContain('cluster, as node 1 sees it');
  const continued = await lab('heal', '0');
  expect(continued.stdout).toContain(`node 0: floatipd (pid ${pids[0]}) continued`);
  expect((await labStatus(target)).nodes[0].daemon).toBe('running');

  expect((await lab('fail', '1', '--mode', 'kill')).code).toBe(0);
  // The lab counts a daemon gone once its memory is released (empty cmdline); the kernel may
  // take a moment more under load before /proc shows it dead or a zombie.
  expect(await goneWithin(pids[1], 2000)).toBe(true);
  expect((await labStatus(target)).nodes[1].daemon).toBe('gone');
  const restarted = await lab('heal', '1');
  expect(restarted.code).toBe(0);
  expect(restarted.stdout).toContain('node 1: floatipd started again');
  expect(restarted.stdout).toContain('floatipd up on node 1');
  const newPid = (await daemonPids())[1] as number;
  expect(newPid).not.toBe(pids[1]);
  expect(namespaceOfPid(newPid)).toBe(`${PREFIX}-n1`);

  expect((await lab('fail', '2', '--mode', 'stop')).code).toBe(0);
  expect(await until(async () => (await labStatus(target)).nodes[2].daemon === 'gone', 5000)).toBe(true);
  const killAgain = await lab('fail', '2', '--mode', 'kill');
  expect(killAgain.code).toBe(1);
  expect(killAgain.stderr).toContain('node 2 has no floatipd to signal: it is not running');

  const running = [pids[0], newPid];
  expect((await lab('fail', '0', '--mode', 'freeze')).code).toBe(0);
  const down = await lab('down');
  expect(down.code).toBe(0);
  // The frozen one too: down continues it before SIGTERM.
  for (const pid of running) expect(processGone(pid)).toBe(true);
  expect(namespacesWithPrefix()).toEqual([]);
});

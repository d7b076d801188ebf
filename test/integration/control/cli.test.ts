// `floatip` against a real control server on a unix socket (fake DaemonApi), and with no daemon at all.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCommands } from '../../../src/cli/commands';
import { ControlCallError, UnixControlClient } from '../../../src/client/control-client';
import { processDeps } from '../../../src/cli/main';
import { ControlServer } from '../../../src/daemon/control/server';
import { FakeDaemonApi, STATUS } from '../../unit/daemon/control/fake-api';
import { RecordingLogger } from '../../unit/daemon/control/recording-logger';
import { CliRun, runCommands } from '../../unit/cli/harness';

let dir: string;
let socketPath: string;
let server: ControlServer | undefined;
let api: FakeDaemonApi;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'floatip-cli-'));
  socketPath = join(dir, 'control.sock');
  api = new FakeDaemonApi();
});

afterEach(async () => {
  await server?.stop();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function startDaemon(): Promise<void> {
  server = new ControlServer({ socketPath }, { api, logger: new RecordingLogger() });
  await server.start();
}

function floatip(...argv: string[]): Promise<CliRun> {
  return runCommands(argv, buildCommands({ ...processDeps, env: { FLOATIP_SOCKET: socketPath } }));
}

describe('floatip against a real control socket', () => {
  it('status, human and --json', async () => {
    await startDaemon();
    const human = await floatip('status');
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('pnn:0 192.0.2.1 OK (THIS NODE)\n');
    const json = await floatip('status', '--json');
    expect(JSON.parse(json.stdout)).toEqual(STATUS);
  });

  it('runs every verb over the socket', async () => {
    await startDaemon();
    const verbs = [
      ['ip', '-v'], ['ifaces'], ['disable'], ['enable'], ['stop'], ['continue'], ['ban', '10'], ['unban'],
      ['moveip', '203.0.113.10', '1'], ['addip', '203.0.113.20/24', 'veth0'], ['delip', '203.0.113.20'], ['reloadips'], ['reloadnodes'],
      ['ipreallocate'], ['gratarp', '203.0.113.10', 'veth0'], ['gettickles', '203.0.113.10'], ['event', 'status'],
      ['event', 'run', 'monitor', '--timeout', '2'], ['event', 'script', 'list'], ['event', 'script', 'enable', '50.samba'],
      ['leader'], ['listnodes'], ['ping'], ['uptime'], ['history'],
    ];
    for (const argv of verbs) {
      const run = await floatip(...argv);
      expect({ argv, code: run.code, stderr: run.stderr }).toEqual({ argv, code: 0, stderr: '' });
      expect(run.stdout.length).toBeGreaterThan(0);
    }
    expect(api.calls.map((c) => c.method)).toEqual([
      'ips', 'ifaces', 'admin', 'admin', 'admin', 'admin', 'admin', 'admin', 'moveIp', 'addIp', 'delIp', 'reloadIps', 'reloadNodes',
      'ipReallocate', 'gratArp', 'getTickles', 'eventStatus', 'eventRun', 'eventScript', 'eventScript', 'leader',
      'listNodes', 'ping', 'uptime', 'history',
    ]);
  });

  it('a refusal from the daemon exits 1 with its message', async () => {
    await startDaemon();
    const run = await floatip('moveip', '203.0.113.10', '9');
    expect(run).toEqual({ code: 1, stdout: '', stderr: 'floatip moveip: node 9 is not in the cluster: use a pnn from floatip listnodes [E_NO_SUCH_NODE]\n' });
  });
});

describe('floatip with no daemon', () => {
  it('status says floatipd is not running when there is no socket, exit 3', async () => {
    const run = await floatip('status');
    expect(run).toEqual({
      code: 3,
      stdout: '',
      stderr: `floatip status: floatipd is not running on this node (no control socket at ${socketPath}) [E_DAEMON_NOT_RUNNING]\n`,
    });
  });

  it('says the same when a crashed daemon left its socket behind', async () => {
    mkdirSync(dir, { recursive: true });
    execFileSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => process.exit(0))`]);
    const run = await floatip('status');
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(`floatip status: floatipd is not running on this node (nothing listens on the control socket ${socketPath}) [E_DAEMON_NOT_RUNNING]\n`);
  });
});

describe('UnixControlClient', () => {
  let mute: Server | undefined;
  const accepted: Socket[] = [];
  afterEach(async () => {
    // A server that never reads never sees the client leave: end its side here.
    for (const socket of accepted.splice(0)) socket.destroy();
    await new Promise<void>((resolve) => (mute ? mute.close(() => resolve()) : resolve()));
    mute = undefined;
  });

  it('gives up after its timeout when the daemon never answers', async () => {
    mute = createServer((socket) => { accepted.push(socket); });
    await new Promise<void>((resolve) => mute?.listen(socketPath, resolve));
    const started = Date.now();
    const call = new UnixControlClient(socketPath).call('status', {}, 300);
    await expect(call).rejects.toMatchObject({ code: 'E_CONTROL_TIMEOUT', message: expect.stringContaining('did not answer \'status\' within 0.3 s') });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('reports a daemon that hangs up without answering', async () => {
    mute = createServer((socket) => { accepted.push(socket); socket.destroy(); });
    await new Promise<void>((resolve) => mute?.listen(socketPath, resolve));
    await expect(new UnixControlClient(socketPath).call('ping', {}, 5000)).rejects.toMatchObject({ code: 'E_CONTROL_CLOSED' });
  });

  it('reports a reply that is not the protocol', async () => {
    mute = createServer((socket) => { accepted.push(socket); socket.end('HTTP/1.1 400 Bad Request\n'); });
    await new Promise<void>((resolve) => mute?.listen(socketPath, resolve));
    const call = new UnixControlClient(socketPath).call('ping', {}, 5000);
    await expect(call).rejects.toBeInstanceOf(ControlCallError);
    await expect(call).rejects.toMatchObject({ code: 'E_CONTROL_BAD_REPLY' });
  });

  it.each([['a directory', ''], ['a regular file', 'file']])('names %s at the socket path as not a socket', async (_what, name) => {
    const path = join(dir, name);
    if (name) writeFileSync(path, '');
    await expect(new UnixControlClient(path).call('ping', {}, 5000)).rejects.toMatchObject({
      code: 'E_CONTROL_CONNECT', message: `${path} is not a unix socket: give the daemon's control socket with --socket or FLOATIP_SOCKET`,
    });
  });
});

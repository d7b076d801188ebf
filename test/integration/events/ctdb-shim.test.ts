// The `ctdb` stand-in as CTDB's scripts run it: a real process, the real control socket, CTDB's own functions file where installed.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ctdbEnvironment, prepareCtdbLayout, CtdbLayout } from '../../../src/adapters/scripts/ctdb-env';
import { CtdbToolKernel, runCtdbTool } from '../../../src/daemon/control/ctdb-tool';
import { ControlServer } from '../../../src/daemon/control/server';
import { CtdbToolResult } from '../../../src/protocol/control-results';
import { TcpConnection } from '../../../src/protocol/packets';
import { FakeDaemonApi } from '../../unit/daemon/control/fake-api';
import { RecordingLogger } from '../../unit/daemon/control/recording-logger';

class ShimApi extends FakeDaemonApi {
  readonly tickled: TcpConnection[] = [];
  private readonly kernel: CtdbToolKernel = {
    tickle: async (c) => { this.tickled.push(...c); },
    destroyConnections: async () => undefined,
    checkTcpPort: async (port) => (port === 445 ? 'in-use' : 'free'),
  };

  override async ctdbTool(argv: readonly string[], stdin: string): Promise<CtdbToolResult> {
    return runCtdbTool(argv, stdin, { api: this, pnn: 0, scanConnections: async () => undefined, kernel: this.kernel });
  }
}

let dir: string;
let socketPath: string;
let server: ControlServer;
let api: ShimApi;
let layout: CtdbLayout;
let env: NodeJS.ProcessEnv;

function run(command: string, args: string[], stdin = '', extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...env, ...extraEnv }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString('utf8'); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    // A command that does not read its standard input may exit before we finish writing it.
    child.stdin.on('error', (error: NodeJS.ErrnoException) => { if (error.code !== 'EPIPE') reject(error); });
    child.stdin.end(stdin);
  });
}

const ctdb = (args: string[], stdin = ''): ReturnType<typeof run> => run(join(layout.bin, 'ctdb'), args, stdin);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fw-shim-'));
  socketPath = join(dir, 'control.sock');
  mkdirSync(join(dir, 'events.d'));
  writeFileSync(join(dir, 'nodes'), '192.0.2.1\n192.0.2.2\n');
  writeFileSync(join(dir, 'public_addresses'), '203.0.113.10/24 veth0\n');
  writeFileSync(join(dir, 'script.options'), 'CTDB_SAMBA_SKIP_SHARE_CHECK=yes\n');
  layout = await prepareCtdbLayout({
    root: join(dir, 'ctdb'), eventsDir: join(dir, 'events.d'), nodesFile: join(dir, 'nodes'),
    publicAddressesFile: join(dir, 'public_addresses'), scriptOptionsFile: join(dir, 'script.options'), controlSocket: socketPath,
    node: { pnn: 0, address: '192.0.2.1' },
  });
  env = { ...process.env, ...ctdbEnvironment(layout, socketPath, process.env.PATH) };
  api = new ShimApi();
  server = new ControlServer({ socketPath }, { api, logger: new RecordingLogger() });
  await server.start();
});

afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the ctdb stand-in', () => {
  it('answers as ctdb: pnn, -X ip, -X nodestatus with its exit code', async () => {
    expect(await ctdb(['pnn'])).toEqual({ code: 0, stdout: '0\n', stderr: '' });
    expect((await ctdb(['-X', 'ip'])).stdout).toBe('|Public IP|Node|\n|203.0.113.10|0|\n|203.0.113.11|1|\n|2001:db8::10|-1|\n');
    const status = await ctdb(['-X', 'nodestatus', 'all']);
    expect(status.code).toBe(3);
    expect(status.stdout.split('\n')[2]).toBe('|1|192.0.2.2|0|0|0|0|1|0|0|0|N|');
  });

  it('passes exit codes, standard input and text with quotes, backslashes and non-ASCII through unchanged', async () => {
    expect(await ctdb(['checktcpport', '445'])).toEqual({ code: 98, stdout: '', stderr: 'Failed to bind to TCP port 445\n' });
    expect(await ctdb(['tickle'], '203.0.113.10:445 198.51.100.9:51234\n')).toMatchObject({ code: 0 });
    expect(api.tickled.map((c) => c.client.port)).toEqual([51234]);
    const odd = await ctdb(['gettickles', 'x"\\é\u0001/€']);
    expect(odd).toEqual({ code: 1, stdout: '', stderr: 'Invalid IP address x"\\é\u0001/€\n' });
    expect((await ctdb(['attach', 'ctdb.tdb', 'persistent'])).stderr).toContain('no CTDB databases');
  });

  it('fails clearly when floatipd is not there', async () => {
    const saved = env;
    env = { ...env, FLOATIP_SOCKET: join(dir, 'nothing.sock') };
    const down = await ctdb(['pnn']);
    env = saved;
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^Failed to connect to floatipd/);
  });

  it('is never /usr/bin/ctdb: it is first on the scripts\' PATH and in $CTDB only', async () => {
    expect(env.PATH?.split(':')[0]).toBe(layout.bin);
    expect(env.CTDB).toBe(join(layout.bin, 'ctdb'));
    expect((await run('sh', ['-c', 'command -v ctdb'])).stdout.trim()).toBe(join(layout.bin, 'ctdb'));
  });

  it('lays CTDB_BASE out as CTDB does', () => {
    expect(readFileSync(join(layout.base, 'nodes'), 'utf8')).toBe('192.0.2.1\n192.0.2.2\n');
    expect(readFileSync(join(layout.base, 'public_addresses'), 'utf8')).toBe('203.0.113.10/24 veth0\n');
    expect(readFileSync(join(layout.base, 'script.options'), 'utf8')).toContain('CTDB_SAMBA_SKIP_SHARE_CHECK');
    expect(existsSync(join(layout.base, 'events', 'legacy'))).toBe(true);
    expect(existsSync(join(layout.helpers, 'ctdb_killtcp'))).toBe(true);
  });

  const withCtdb = existsSync('/etc/ctdb/functions') ? it : it.skip;
  withCtdb("CTDB's own functions file works over it: ctdb_get_pnn, ctdb_get_ip_address, ctdb_check_tcp_ports", async () => {
    const script = [
      '. "$CTDB_BASE/functions"',
      'service_name=samba',
      'echo "pnn=$(ctdb_get_pnn)"',
      'echo "ip=$(ctdb_get_ip_address)"',
      'ctdb_check_tcp_ports 445 && echo "445 listening"',
      'ctdb_check_tcp_ports 139 || echo "139 not listening"',
      'ctdb_get_db_options; echo "dbdir=$CTDB_DBDIR"',
    ].join('\n');
    const out = await run('sh', ['-c', script]);
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('pnn=0\nip=192.0.2.1\n445 listening\nsamba not listening on TCP port 139\n139 not listening\ndbdir=/var/lib/ctdb/volatile\n');
    expect(readFileSync(join(layout.scriptVarDir, 'my-pnn'), 'utf8')).toBe('0\n');
  });

  withCtdb("CTDB's cached helpers answer from the start, so a script killed while asking cannot leave an empty cache behind", async () => {
    // A layout of its own (node 1), whose caches no earlier test filled through the stand-in.
    const fresh = await prepareCtdbLayout({
      root: join(dir, 'ctdb-node1'), eventsDir: join(dir, 'events.d'), nodesFile: join(dir, 'nodes'),
      publicAddressesFile: join(dir, 'public_addresses'), scriptOptionsFile: join(dir, 'script.options'), controlSocket: socketPath,
      node: { pnn: 1, address: '192.0.2.2' },
    });
    // A ctdb that answers nothing, as in a script killed after the shell created the cache file and before ctdb wrote to it.
    const script = '. "$CTDB_BASE/functions"; echo "pnn=$(ctdb_get_pnn)"; echo "ip=$(ctdb_get_ip_address)"';
    const out = await run('sh', ['-c', script], '', { ...ctdbEnvironment(fresh, socketPath, process.env.PATH), CTDB: '/bin/false' });
    expect(out).toEqual({ code: 0, stdout: 'pnn=1\nip=192.0.2.2\n', stderr: '' });
  });
});

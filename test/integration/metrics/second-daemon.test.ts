// A second floatipd with metrics on, in a network namespace where one already runs, is told that one runs, not to move metrics.listen (namespace h9-*).
//
// The first floatipd is stood in for by a small process that holds what a running floatipd
// holds: the instance lock and the metrics port. The second is the real floatipd from dist/.

import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { deleteNamespaces } from '../events/helpers';

const PREFIX = 'h9-metrics-';
const NS = `${PREFIX}${process.pid}`;
const DIST = resolve(__dirname, '../../../dist/src');
const PORT = 9390;

/** Runs `args` in the namespace; resolves with the exit code and everything it printed. */
function runInNamespace(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn('ip', ['netns', 'exec', NS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  return new Promise((done) => child.once('exit', (code) => done({ code, output })));
}

/** Starts `script` in the namespace and waits until it says it holds what it takes (`holding`). */
async function holder(script: string): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((ready, failed) => {
    child.stdout?.on('data', (chunk: Buffer) => { if (chunk.toString().includes('holding')) ready(); });
    child.once('exit', (code) => failed(new Error(`the holder exited (${code}) before it held anything`)));
  });
  return child;
}

describe('a second floatipd with metrics on', () => {
  let dir: string;
  let config: string;
  let held: ChildProcess | undefined;

  beforeAll(() => {
    deleteNamespaces(PREFIX);
    execFileSync('ip', ['netns', 'add', NS]);
    execFileSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    // This host is node 0 of `nodes`, so a floatipd that gets past the lock goes on to its metrics listener.
    execFileSync('ip', ['-n', NS, 'addr', 'add', '192.0.2.11/32', 'dev', 'lo']);
    dir = mkdtempSync(join(tmpdir(), 'h9-metrics-'));
    config = join(dir, 'floatip.toml');
    writeFileSync(config, [
      '[cluster]', `key_file = "${join(dir, 'cluster.key')}"`, 'nodes_file = "nodes"', 'public_addresses_file = "public_addresses"',
      '[control]', `socket = "${join(dir, 'control.sock')}"`,
      '[metrics]', 'enabled = true', `listen = "127.0.0.1:${PORT}"`, '',
    ].join('\n'));
    writeFileSync(join(dir, 'nodes'), '192.0.2.11\n192.0.2.12\n192.0.2.13\n');
    writeFileSync(join(dir, 'public_addresses'), '198.51.100.10/24 h9m0\n');
    writeFileSync(join(dir, 'cluster.key'), 'k'.repeat(32));
    chmodSync(join(dir, 'cluster.key'), 0o600);
  });

  afterEach(() => {
    held?.kill('SIGKILL');
    held = undefined;
  });

  afterAll(() => {
    deleteNamespaces(PREFIX);
    rmSync(dir, { recursive: true, force: true });
  });

  const metricsPort = `require('http').createServer().listen(${PORT}, '127.0.0.1', () => console.log('holding'));`;

  it('is told another floatipd runs here, and nothing about metrics.listen', async () => {
    const lock = `require(${JSON.stringify(join(DIST, 'daemon/wiring/instance-lock'))}).takeInstanceLock({ pid: process.pid, controlSocket: '/run/first.sock' })`;
    held = await holder(`${lock}.then(() => { ${metricsPort} });`);
    const { code, output } = await runInNamespace([process.execPath, join(DIST, 'daemon/main.js'), '--config', config]);
    expect(code).toBe(1);
    expect(output).toMatch(/E_ALREADY_RUNNING/);
    expect(output).toContain(`another floatipd already runs in this network namespace (pid ${held.pid}, control socket /run/first.sock)`);
    expect(output).not.toMatch(/metrics\.listen|E_METRICS_LISTEN/);
  }, 60_000);

  it('when some other process has the metrics port, is told to stop it or move metrics.listen', async () => {
    held = await holder(metricsPort);
    const { code, output } = await runInNamespace([process.execPath, join(DIST, 'daemon/main.js'), '--config', config]);
    expect(code).toBe(1);
    expect(output).toMatch(/E_METRICS_LISTEN/);
    expect(output).toContain(`cannot serve metrics on 127.0.0.1:${PORT} (EADDRINUSE): another process listens there (ss -ltnp 'sport = :${PORT}' names it)`);
    expect(output).not.toMatch(/E_ALREADY_RUNNING/);
  }, 60_000);
});

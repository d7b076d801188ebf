// Shared by the lock integration tests: temp dirs, TypeScript children, waiting, and a throwaway etcd on loopback.

import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { holds, pollUntil } from '../../helpers/poll';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const CTDB_FCNTL_HELPER = '/usr/libexec/ctdb/ctdb_mutex_fcntl_helper';

export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'flk-'));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 50 ms until it returns true; throws after `ms`. Resolves with the ms it waited. */
export async function waitFor(what: string, ms: number, check: () => boolean | Promise<boolean>): Promise<number> {
  return (await pollUntil(holds(check), { what, timeoutMs: ms, everyMs: 50 })).waitedMs;
}

const TS_HOOK = `
const ts = require(${JSON.stringify(require.resolve('typescript'))});
const fs = require('fs');
require.extensions['.ts'] = (module, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(out.outputText, filename);
};
const [entry, ...rest] = process.argv.slice(1);
process.argv = [process.argv[0], entry, ...rest];
require(entry);
`;

/** Runs a TypeScript file in a fresh Node process (another "node" of the cluster). */
export function runTs(entry: string, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ['-e', TS_HOOK, entry, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'], cwd: REPO_ROOT, env: { ...process.env, NODE_OPTIONS: '' },
  });
}

/** A child running hold-lock.ts: it reports each line it prints as JSON. */
export class LockHolderProcess {
  readonly child: ChildProcess;
  readonly messages: Record<string, unknown>[] = [];
  private stderr = '';
  readonly exited: Promise<void>;

  constructor(lockText: string) {
    this.child = runTs(path.join(__dirname, 'hold-lock.ts'), [lockText]);
    let buffer = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        this.messages.push(JSON.parse(buffer.slice(0, end)) as Record<string, unknown>);
        buffer = buffer.slice(end + 1);
      }
    });
    this.child.stderr?.on('data', (chunk: Buffer) => { this.stderr += chunk.toString(); });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
  }

  /** The first try's result. */
  async firstResult(): Promise<Record<string, unknown>> {
    await waitFor(`the holder child to answer (stderr: ${this.stderr})`, 15_000, () => this.messages.length > 0);
    return this.messages[0];
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}

/**
 * `count` distinct free loopback ports. All are held open until every one is known, so the
 * kernel cannot hand the same port out twice (two separate listen(0)/close pairs can, which
 * once gave etcd the same client and peer port: "address already in use").
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  })));
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** An etcd server of Debian's etcd-server on loopback, with its own data dir; `stop` kills it and removes the dir. */
export class EtcdServer {
  private constructor(readonly endpoint: string, readonly process: ChildProcess, private readonly dataDir: string, private readonly log: string[]) {}

  /** The end of etcd's own log, for failure messages. */
  logTail(): string {
    return this.log.join('').slice(-1000);
  }

  static async start(): Promise<EtcdServer> {
    const [clientPort, peerPort] = await freePorts(2);
    const dataDir = makeTempDir();
    const client = `http://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const child = spawn('etcd', [
      '--name', 'flk', '--data-dir', dataDir,
      '--listen-client-urls', client, '--advertise-client-urls', client,
      '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `flk=${peer}`, '--initial-cluster-state', 'new',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    const log: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    const server = new EtcdServer(client, child, dataDir, log);
    await waitFor(`etcd to answer /health at ${client} (log: ${log.join('').slice(-500)})`, 20_000, async () => {
      if (child.exitCode !== null) throw new Error(`etcd exited: ${log.join('').slice(-1000)}`);
      try {
        const answer = await fetch(`${client}/health`);
        return answer.ok && ((await answer.json()) as { health?: string }).health === 'true';
      } catch {
        return false;
      }
    });
    return server;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  async stop(): Promise<void> {
    if (this.running) {
      const exited = new Promise((resolve) => this.process.once('exit', resolve));
      this.process.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

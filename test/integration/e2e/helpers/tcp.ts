// TCP as a client of the cluster sees it: an echo server in every node namespace, a long-lived client connection, one-shot connects.
//
// Each side is a plain node one-liner started with `ip netns exec`, so it lives in the
// namespace and knows nothing of floatip. The server listens on the wildcard address (as
// smbd does), so an address that arrives on a node is served there at once.

import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';

const running = new Set<ChildProcess>();

function startInNamespace(namespace: string, script: string, args: readonly string[]): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' },
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** The child's stdout as JSON lines, one callback per line. */
function onJsonLines(child: ChildProcess, each: (value: Record<string, unknown>) => void): void {
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => each(JSON.parse(line) as Record<string, unknown>));
}

function stderrOf(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => { text += chunk.toString(); });
  return () => text;
}

const ECHO_SERVER = `
const net = require('net');
const server = net.createServer((socket) => { socket.on('error', () => {}); socket.pipe(socket); });
server.listen({ port: Number(process.argv[1]), host: '::', ipv6Only: false }, () => console.log(JSON.stringify({ listening: true })));
`;

/** Starts an echo server on the wildcard address, port `port`, in every namespace; resolves when all listen. */
export async function startEchoServers(namespaces: readonly string[], port: number): Promise<void> {
  await Promise.all(namespaces.map((namespace) => new Promise<void>((resolve, reject) => {
    const child = startInNamespace(namespace, ECHO_SERVER, [String(port)]);
    const stderr = stderrOf(child);
    onJsonLines(child, () => resolve());
    child.once('exit', (code) => reject(new Error(`echo server in ${namespace} exited ${code}: ${stderr()}`)));
  })));
}

const HELD_CONNECTION = `
const net = require('net');
const now = () => performance.timeOrigin + performance.now();
const say = (value) => console.log(JSON.stringify(value));
const socket = net.connect({ host: process.argv[1], port: Number(process.argv[2]) });
socket.once('connect', () => socket.write('hello'));
socket.once('data', () => say({ kind: 'ready', localAddress: socket.localAddress, localPort: socket.localPort }));
socket.on('error', (error) => { say({ kind: 'broken', code: error.code, at: now() }); process.exit(0); });
socket.on('close', () => { say({ kind: 'broken', code: 'closed', at: now() }); process.exit(0); });
`;

export interface HeldConnection {
  readonly localAddress: string;
  readonly localPort: number;
  /** How and when (ms since the epoch) the connection broke; never settles while it holds. */
  readonly broken: Promise<{ readonly code: string; readonly at: number }>;
  close(): void;
}

/**
 * Opens a connection from `namespace` to address:port, exchanges one echo, then sends
 * nothing more: only a packet from the other side (a tickle, a reset) can break it.
 */
export async function holdConnection(namespace: string, address: string, port: number): Promise<HeldConnection> {
  const child = startInNamespace(namespace, HELD_CONNECTION, [address, String(port)]);
  const stderr = stderrOf(child);
  let brokenWith: (value: { code: string; at: number }) => void = () => undefined;
  const broken = new Promise<{ code: string; at: number }>((resolve) => { brokenWith = resolve; });
  const ready = await new Promise<{ localAddress: string; localPort: number }>((resolve, reject) => {
    onJsonLines(child, (value) => {
      if (value.kind === 'ready') resolve(value as unknown as { localAddress: string; localPort: number });
      if (value.kind === 'broken') {
        brokenWith(value as unknown as { code: string; at: number });
        reject(new Error(`connection to ${address}:${port} from ${namespace} broke before the echo: ${String(value.code)}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`client in ${namespace} exited ${code}: ${stderr()}`)));
  });
  return { ...ready, broken, close: () => child.kill('SIGKILL') };
}

const CONNECT_ONCE = `
const net = require('net');
const socket = net.connect({ host: process.argv[1], port: Number(process.argv[2]), timeout: Number(process.argv[3]) });
socket.once('connect', () => socket.write('ping'));
socket.once('data', (data) => { process.exit(String(data) === 'ping' ? 0 : 3); });
socket.once('timeout', () => process.exit(2));
socket.once('error', () => process.exit(1));
`;

/** True when a new connection from `namespace` to address:port gets its echo back within `timeoutMs`. */
export function connectsOnce(namespace: string, address: string, port: number, timeoutMs = 2000): boolean {
  const run = spawnSync('ip', ['netns', 'exec', namespace, process.execPath, '-e', CONNECT_ONCE, address, String(port), String(timeoutMs)], {
    stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '' }, timeout: timeoutMs + 3000,
  });
  return run.status === 0;
}

/** Kills every server and client still running (afterAll). */
export function stopAllTcp(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

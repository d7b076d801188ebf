// The demo's witnesses: `ip monitor` per node namespace, a tiny TCP responder per node, and the client that keeps connecting.
//
// Each responder listens on every address of its node (the wildcard) and
// answers a connection with its node number, so the client learns which node
// it reached, not only that something answered. The client connects to every
// public address every few ms, each attempt with a short timeout (a lost SYN
// would otherwise wait for the kernel's 1 s retransmit), and reports only
// changes. The children are plain JavaScript given to `node -e`, so they run
// the same from dist/ and from the TypeScript sources in the tests.

import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { AddressEvent, parseMonitorLine, ReachEvent } from './demo-timeline';
import { LabError } from './errors';
import { LabNodePlan, LabPlan } from './plan';

/** TCP port of the responders: apart from the mesh (4390) and anything a lab node runs. */
export const DEMO_PORT = 7474;
/** How long one client attempt may take before it counts as failed. */
const ATTEMPT_TIMEOUT_MS = 150;
/** Attempts in flight per address, so a black hole (no ARP answer yet) cannot pile up sockets. */
const MAX_IN_FLIGHT = 8;
const READY_TIMEOUT_MS = 10_000;

/** How often the client tries each address: often for a few, less often for many, to stay light on a small machine. */
export function probeIntervalMs(addresses: number): number {
  return Math.min(50, Math.max(10, addresses * 2));
}

const RESPONDER_MAIN = `
const net = require('net');
const [port, pnn] = process.argv.slice(1);
const server = net.createServer((socket) => { socket.on('error', () => {}); socket.end(pnn + '\\n'); });
server.on('error', (error) => { process.stderr.write(String(error) + '\\n'); process.exit(1); });
server.listen({ port: Number(port), host: '::' }, () => process.stdout.write('ready\\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

const CLIENT_MAIN = `
const net = require('net');
const [port, everyText, timeoutText, maxText, ...addresses] = process.argv.slice(1);
const every = Number(everyText);
const now = () => performance.timeOrigin + performance.now();
function watch(address) {
  let inFlight = 0;
  let lastStarted = -1;
  let lastNode;
  const attempt = () => {
    if (inFlight >= Number(maxText)) return;
    inFlight += 1;
    const started = now();
    const socket = net.connect({ host: address, port: Number(port) });
    let answer = '';
    let done = false;
    const finish = (node) => {
      if (done) return;
      done = true;
      inFlight -= 1;
      clearTimeout(timer);
      socket.destroy();
      // An attempt that ends after a later one carries older news: drop it.
      if (started < lastStarted) return;
      lastStarted = started;
      if (node !== lastNode) {
        lastNode = node;
        process.stdout.write(JSON.stringify({ t: now(), address, node }) + '\\n');
      }
    };
    const timer = setTimeout(() => finish(null), Number(timeoutText));
    socket.setEncoding('utf8');
    socket.on('data', (text) => { answer += text; });
    socket.on('end', () => finish(/^[0-9]+$/.test(answer.trim()) ? Number(answer.trim()) : null));
    socket.on('error', () => finish(null));
  };
  setInterval(attempt, every);
}
addresses.forEach((address, k) => setTimeout(() => watch(address), (k * every) / addresses.length));
process.stdout.write('ready\\n');
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/** Runs node code inside a namespace; stdin is a pipe whose end tells it to exit. */
function nodeIn(namespace: string, main: string, args: readonly string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', main, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' },
  });
}

/** Hands every line but the first `ready` to `onLine`; resolves at `ready`, rejects if the child ends or stays silent. */
function readLines(child: ChildProcess, what: string, onLine: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    let ready = false;
    const timer = setTimeout(() => reject(new LabError('E_LAB_COMMAND_FAILED', `${what} did not start within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
    child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!ready) reject(new LabError('E_LAB_COMMAND_FAILED', `${what} exited (status ${code}) before it was ready: ${stderr.trim() || 'no message'}`));
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (!ready && line === 'ready') {
        ready = true;
        clearTimeout(timer);
        resolve();
        return;
      }
      onLine(line);
    });
  });
}

export class DemoWitnesses {
  readonly addressEvents: AddressEvent[] = [];
  readonly reachEvents: ReachEvent[] = [];
  private readonly children: ChildProcess[] = [];

  private constructor(private readonly publicAddresses: ReadonlySet<string>) {}

  /** Starts the kernel watchers first (so no change is missed), then the responders, then the client. */
  static async start(plan: LabPlan): Promise<DemoWitnesses> {
    const addresses = plan.publicAddresses.map((a) => a.address.text);
    const witnesses = new DemoWitnesses(new Set(addresses));
    try {
      for (const node of plan.nodes) witnesses.watchKernel(node.namespace, node.pnn);
      await Promise.all(plan.nodes.map((node) => {
        const child = witnesses.keep(nodeIn(node.namespace, RESPONDER_MAIN, [String(DEMO_PORT), String(node.pnn)]));
        return readLines(child, `the demo's responder in ${node.namespace}`, () => undefined);
      }));
      const client = witnesses.keep(nodeIn(plan.names.clientNamespace, CLIENT_MAIN, [
        String(DEMO_PORT), String(probeIntervalMs(addresses.length)), String(ATTEMPT_TIMEOUT_MS), String(MAX_IN_FLIGHT), ...addresses,
      ]));
      await readLines(client, `the demo's client in ${plan.names.clientNamespace}`, (line) => {
        witnesses.reachEvents.push(JSON.parse(line) as ReachEvent);
      });
    } catch (err) {
      witnesses.stop();
      throw err;
    }
    return witnesses;
  }

  /** A node added to the lab (`add-node`): its kernel watched and a responder on it, before it can take an address. */
  async addNode(node: LabNodePlan): Promise<void> {
    this.watchKernel(node.namespace, node.pnn);
    const child = this.keep(nodeIn(node.namespace, RESPONDER_MAIN, [String(DEMO_PORT), String(node.pnn)]));
    await readLines(child, `the demo's responder in ${node.namespace}`, () => undefined);
  }

  private keep(child: ChildProcess): ChildProcess {
    this.children.push(child);
    child.on('error', () => undefined);
    child.stdin?.on('error', () => undefined);
    return child;
  }

  /**
   * `ip -ts -o monitor address` in the namespace; TZ=UTC makes its timestamps unambiguous.
   * `ip` stamps a change when it reads it, so on a busy machine a monitor waiting for a CPU
   * would stamp a deletion late and show an overlap that never was (seen: 18 ms in a
   * failback, whose take only starts after the release is acknowledged). Run under
   * SCHED_FIFO where allowed: it sleeps until the kernel writes, so it costs no CPU.
   */
  private watchKernel(namespace: string, pnn: number): void {
    const [command, ...args] = [...realtimePrefix(), 'ip', '-n', namespace, '-ts', '-o', 'monitor', 'address'];
    const child = this.keep(spawn(command, args, {
      stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, TZ: 'UTC' },
    }));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const event = parseMonitorLine(line, pnn);
      if (event !== undefined && this.publicAddresses.has(event.address)) this.addressEvents.push(event);
    });
  }

  /** Ends every child: node children on the end of stdin, `ip monitor` by SIGTERM. */
  stop(): void {
    for (const child of this.children) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.stdin?.end();
      child.kill('SIGTERM');
    }
  }
}

let realtime: string[] | undefined;

/** `chrt -f 1` when this process may start real-time children (root with CAP_SYS_NICE), else nothing. */
function realtimePrefix(): string[] {
  realtime ??= spawnSync('chrt', ['-f', '1', 'true'], { stdio: 'ignore' }).status === 0 ? ['chrt', '-f', '1'] : [];
  return realtime;
}

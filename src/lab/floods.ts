// Hostile clients against a lab node, for the soak and the tests: a control-socket flood (as root) and a peer-port slowloris (as user nobody).
//
// Each flood is one child process that keeps `connections` connections open, opening a
// new one whenever one closes, until stop(). The child is plain JavaScript (node -e), so
// it needs neither a build nor the TypeScript hook.
//
// control-socket: as root (the socket is 0600), in the host's namespace (a unix socket is
//   reached by path); each connection sends a ping and then holds on, never closing.
// peer-slowloris: as user nobody (setpriv), inside the SOURCE node's namespace, to the
//   TARGET node's mesh port, so from the source node's address: a local unprivileged user
//   of one node against another node. `silent` connections say nothing; `drip` ones send
//   one byte every second (never a whole frame).

import { ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** The uid and gid of `nobody` on Debian. */
export const NOBODY = 65534;

export type FloodSpec =
  | { readonly kind: 'control-socket'; readonly socketPath: string; readonly connections: number }
  | {
    readonly kind: 'peer-slowloris';
    /** Namespace of the node the flood comes from (its address is the source). */
    readonly sourceNamespace: string;
    readonly sourceAddress: string;
    readonly targetAddress: string;
    readonly port: number;
    readonly connections: number;
    readonly style: 'silent' | 'drip';
  };

/** What the child reports once a second. */
export interface FloodCounts {
  /** Connections opened so far. */
  readonly opened: number;
  /** Connections the target closed (or refused) so far. */
  readonly closed: number;
  /** Open now. */
  readonly open: number;
}

export interface Flood {
  /** The counts of the child's latest report (zeros before its first). */
  counts(): FloodCounts;
  /** Ends the child (SIGTERM) and with it every connection it holds. */
  stop(): Promise<void>;
}

const FLOOD_MAIN = `
const net = require('net');
const spec = JSON.parse(process.argv[1]);
let opened = 0, closed = 0, open = 0, stopping = false;
function one() {
  if (stopping) return;
  opened++; open++;
  const socket = spec.kind === 'control-socket'
    ? net.connect({ path: spec.socketPath, allowHalfOpen: true })
    : net.connect({ host: spec.targetAddress, port: spec.port, localAddress: spec.sourceAddress });
  let drip;
  socket.on('connect', () => {
    if (spec.kind === 'control-socket') socket.write(JSON.stringify({ id: opened, command: 'ping' }) + '\\n');
    else if (spec.style === 'drip') drip = setInterval(() => socket.write(Buffer.from([0x01])), 1000);
  });
  socket.on('data', () => undefined);
  socket.on('error', () => undefined);
  socket.on('close', () => {
    clearInterval(drip);
    closed++; open--;
    // A refusal comes back at once: a short pause keeps the child from spinning on it.
    setTimeout(one, 5);
  });
}
for (let i = 0; i < spec.connections; i++) one();
setInterval(() => process.stdout.write(JSON.stringify({ opened, closed, open }) + '\\n'), 1000);
process.on('SIGTERM', () => { stopping = true; process.exit(0); });
`;

function command(spec: FloodSpec): string[] {
  const node = [process.execPath, '-e', FLOOD_MAIN, JSON.stringify(spec)];
  if (spec.kind === 'control-socket') return node;
  return ['ip', 'netns', 'exec', spec.sourceNamespace, 'setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...node];
}

/** Starts a flood; resolves once the child has made its first report (its connections are under way). */
export function startFlood(spec: FloodSpec): Promise<Flood> {
  const [program, ...args] = command(spec);
  const child: ChildProcess = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let latest: FloodCounts = { opened: 0, closed: 0, open: 0 };
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const flood: Flood = {
    counts: () => latest,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      latest = JSON.parse(line) as FloodCounts;
      resolve(flood);
    });
    child.once('exit', (code) => reject(new Error(`the ${spec.kind} flood exited (${code}) before its first report: ${stderr.trim()}`)));
  });
}

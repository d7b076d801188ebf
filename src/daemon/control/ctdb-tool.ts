// The `ctdb` stand-in of event scripts, daemon side: CTDB's argv in, CTDB's output and exit code out, over floatip's API.
//
// CTDB's own event scripts call `ctdb pnn`, `ctdb -X ip`, `ctdb gratarp` ... The tiny client
// the scripts run (ctdb-shim.ts) sends its argv here in one control request, so a call costs
// one socket round trip and no Node start. Each verb is one row of VERBS; a verb CTDB has and
// floatip cannot serve (its databases) fails with a message that says what is missing.

import { IpAddress, parseIp } from '../../core/ip';
import { NodeFlag, Pnn } from '../../core/flags';
import { CtdbToolResult, NodeStatus } from '../../protocol/control-results';
import {
  ctdbIfacesText, ctdbIfacesX, ctdbIpText, ctdbIpX, ctdbListNodesX, ctdbNodemapText, ctdbNodemapX, ctdbTicklesX,
} from '../../protocol/ctdb-x';
import { TcpConnection } from '../../protocol/packets';
import { DaemonApi, DaemonApiError } from './api';

/** What only the kernel can do for the stand-in: send tickles, kill sockets, test a port. */
export interface CtdbToolKernel {
  tickle(connections: readonly TcpConnection[]): Promise<unknown>;
  /** Kills every TCP connection whose local address is `address` (floatip's SOCK_DESTROY). */
  destroyConnections(address: IpAddress): Promise<unknown>;
  /** Whether a TCP listener could bind 0.0.0.0:port now (CTDB's checktcpport). */
  checkTcpPort(port: number): Promise<'free' | 'in-use'>;
}

export interface CtdbToolPorts {
  readonly api: Omit<DaemonApi, 'ctdbTool'>;
  readonly pnn: Pnn;
  /** Records the connections of the hosted addresses now (floatip's own tracking, which addtickle asks for). */
  scanConnections(): Promise<void>;
  /** Absent in tests without a kernel: tickle, killtcp and checktcpport then fail with a clear message. */
  readonly kernel?: CtdbToolKernel;
}

interface Call {
  readonly verb: string;
  readonly args: readonly string[];
  readonly machine: boolean;
  readonly verbose: boolean;
  /** CTDB's -n: the node the verb is about; undefined = this node. */
  readonly node: Pnn | undefined;
  readonly stdin: string;
  readonly ports: CtdbToolPorts;
}

type Outcome = { readonly stdout?: string; readonly stderr?: string; readonly exitCode?: number };
type Verb = (call: Call) => Promise<Outcome> | Outcome;

/** A failure printed as ctdb prints it: a line on stderr, exit 1. */
class ToolError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

const usage = (verb: string, args: string): ToolError => new ToolError(`Usage: ctdb ${verb} ${args}`);

function wantArgs(call: Call, counts: readonly number[], shape: string): void {
  if (!counts.includes(call.args.length)) throw usage(call.verb, shape);
}

function ipArg(text: string): IpAddress {
  const parsed = parseIp(text);
  if (!parsed.ok) throw new ToolError(`Invalid IP address ${text}`);
  return parsed.value;
}

/** `ADDR:PORT`, `[ADDR]:PORT` or IPv6 `ADDR:PORT` split at the last colon, as CTDB reads connections. */
function endpointArg(text: string): { address: IpAddress; port: number } {
  const at = text.lastIndexOf(':');
  const port = Number(text.slice(at + 1));
  const address = parseIp(text.slice(0, Math.max(at, 0)).replace(/^\[|\]$/g, ''));
  if (at < 0 || !address.ok || !Number.isInteger(port) || port < 0 || port > 65535 || text.slice(at + 1) === '') {
    throw new ToolError(`Invalid IP address ${text}`);
  }
  return { address: address.value, port };
}

/** Connections from the arguments (`SRC DST`) or, with none, one `SRC DST` per line of standard input. */
function connectionsOf(call: Call): { src: ReturnType<typeof endpointArg>; dst: ReturnType<typeof endpointArg> }[] {
  const lines = call.args.length === 2 ? [call.args.join(' ')] : call.stdin.split('\n');
  return lines.map((line) => line.trim()).filter((line) => line !== '').map((line) => {
    const [src, dst, extra] = line.split(/\s+/);
    if (dst === undefined || extra !== undefined) throw new ToolError(`Invalid connection "${line}": give SRC-IP:PORT DST-IP:PORT`);
    return { src: endpointArg(src), dst: endpointArg(dst) };
  });
}

function requireKernel(call: Call): CtdbToolKernel {
  if (!call.ports.kernel) throw new ToolError(`ctdb ${call.verb}: this floatipd has no kernel access for it`);
  return call.ports.kernel;
}

/** The node asked about must exist, as ctdb's verify_pnn checks. */
function nodesOf(call: Call): { nodes: readonly NodeStatus[]; asked: Pnn } {
  const nodes = call.ports.api.status().nodes;
  const asked = call.node ?? call.ports.pnn;
  if (!nodes.some((n) => n.pnn === asked)) throw new ToolError(`Node ${asked} does not exist`);
  return { nodes, asked };
}

/** `all`, a comma list, or nothing (the node asked about). */
function nodeListOf(call: Call, nodes: readonly NodeStatus[], asked: Pnn): readonly NodeStatus[] {
  const text = call.args[0];
  if (text === undefined) return nodes.filter((n) => n.pnn === asked);
  if (text === 'all') return nodes;
  const wanted = text.split(',').map((part) => (/^[0-9]+$/.test(part) ? Number(part) : NaN));
  const missing = wanted.find((pnn) => !nodes.some((n) => n.pnn === pnn));
  if (missing !== undefined) throw new ToolError(`Invalid node ${Number.isNaN(missing) ? text : missing}`);
  return nodes.filter((n) => wanted.includes(n.pnn));
}

const DATABASE_VERBS = [
  'attach', 'detach', 'ptrans', 'catdb', 'cattdb', 'getdbmap', 'getdbstatus', 'getdbseqnum', 'pstore', 'pfetch', 'pdelete',
  'readkey', 'writekey', 'deletekey', 'tstore', 'tfetch', 'backupdb', 'restoredb', 'dumpdbbackup', 'wipedb', 'recover',
  'setdbreadonly', 'setdbsticky',
];

function databaseVerb(call: Call): Outcome {
  return {
    stderr: `ctdb ${call.verb}: floatip has no CTDB databases (this ctdb is floatip's stand-in for event scripts). `
      + 'What needs them, such as NFSv3 lock recovery through statd-callout, needs ctdbd.\n',
    exitCode: 1,
  };
}

const VERBS: Readonly<Record<string, Verb>> = {
  pnn: (call) => {
    wantArgs(call, [0], '');
    return { stdout: `${call.ports.pnn}\n` };
  },

  ip: (call) => {
    if (call.args.length > 1 || (call.args.length === 1 && call.args[0] !== 'all')) throw usage('ip', '[all]');
    const all = call.args[0] === 'all';
    const node = call.node ?? call.ports.pnn;
    const ips = call.ports.api.ips(call.verbose, all ? 'all' : node);
    return { stdout: call.machine ? ctdbIpX(ips, call.verbose) : ctdbIpText(ips, call.verbose, all ? 'all' : node) };
  },

  ifaces: (call) => {
    wantArgs(call, [0], '');
    const node = call.node ?? call.ports.pnn;
    const ifaces = call.ports.api.ifaces(node);
    return { stdout: call.machine ? ctdbIfacesX(ifaces, node) : ctdbIfacesText(ifaces, node) };
  },

  /** floatipd reads link states from the kernel itself; a script's report is checked and acknowledged, as ctdb answers it. */
  setifacelink: (call) => {
    wantArgs(call, [2], '<iface> up|down');
    const [name, state] = call.args;
    if (state !== 'up' && state !== 'down') throw usage('setifacelink', '<iface> up|down');
    const node = call.node ?? call.ports.pnn;
    if (!call.ports.api.ifaces(node).some((i) => i.name === name)) {
      return { stdout: `Interface ${name} not configured on node ${node}\n`, exitCode: 1 };
    }
    return {};
  },

  gratarp: async (call) => {
    wantArgs(call, [2], '<ip> <interface>');
    await call.ports.api.gratArp(ipArg(call.args[0]), call.args[1]);
    return {};
  },

  tickle: async (call) => {
    wantArgs(call, [0, 2], '<srcip:port> <dstip:port>');
    const kernel = requireKernel(call);
    // A tickle goes from SRC to DST: floatip's tickler sends from the server end to the client end.
    const connections = connectionsOf(call).map(({ src, dst }) => ({ server: src, client: dst }));
    if (connections.length > 0) await kernel.tickle(connections);
    return {};
  },

  /**
   * floatipd records every connection to its addresses itself (sock_diag) and replicates the lists;
   * addtickle and deltickle check what they are given and have the lists brought up to date now.
   */
  addtickle: async (call) => {
    wantArgs(call, [0, 2], '<ip>:<port> <ip>:<port>');
    connectionsOf(call);
    await call.ports.scanConnections();
    return {};
  },
  deltickle: async (call) => {
    wantArgs(call, [0, 2], '<ip>:<port> <ip>:<port>');
    connectionsOf(call);
    await call.ports.scanConnections();
    return {};
  },

  gettickles: (call) => {
    wantArgs(call, [1, 2], '<ip> [<port>]');
    const port = call.args[1] === undefined ? 0 : Number(call.args[1]);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage('gettickles', '<ip> [<port>]');
    const tickles = call.ports.api.getTickles(ipArg(call.args[0]));
    const shown = port === 0 ? tickles : { ...tickles, connections: tickles.connections.filter((c) => c.serverPort === port) };
    if (call.machine) return { stdout: ctdbTicklesX(shown) };
    const end = (address: string, p: number): string => (address.includes(':') ? `[${address}]:${p}` : `${address}:${p}`);
    return {
      stdout: `Connections for IP: ${shown.address}\nNum connections: ${shown.connections.length}\n`
        + shown.connections.map((c) => `SRC: ${end(c.client, c.clientPort)}   DST: ${end(shown.address, c.serverPort)}\n`).join(''),
    };
  },

  checktcpport: async (call) => {
    wantArgs(call, [1], '<port>');
    const port = Number(call.args[0]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw usage('checktcpport', '<port>');
    if (await requireKernel(call).checkTcpPort(port) === 'free') return {};
    // 98 is EADDRINUSE: the functions file reads it as "something listens".
    return { stderr: `Failed to bind to TCP port ${port}\n`, exitCode: 98 };
  },

  nodestatus: (call) => {
    if (call.args.length > 1) throw usage('nodestatus', '[all|<pnn-list>]');
    const { nodes, asked } = nodesOf(call);
    const shown = nodeListOf(call, nodes, asked);
    const exitCode = shown.filter((n) => (n.flagBits & NodeFlag.DELETED) === 0).reduce((bits, n) => bits | n.flagBits, 0);
    return { stdout: call.machine ? ctdbNodemapX(shown, asked) : ctdbNodemapText(shown, asked, call.args[0] === 'all'), exitCode };
  },

  status: (call) => {
    wantArgs(call, [0], '');
    const { nodes, asked } = nodesOf(call);
    if (call.machine) return { stdout: ctdbNodemapX(nodes, asked) };
    const leader = call.ports.api.leader().leader;
    return { stdout: `${ctdbNodemapText(nodes, asked, true)}Recovery mode:NORMAL (0)\nLeader:${leader < 0 ? 'UNKNOWN' : leader}\n` };
  },

  listnodes: (call) => {
    wantArgs(call, [0], '');
    const nodes = call.ports.api.listNodes();
    if (call.machine) return { stdout: ctdbListNodesX(nodes) };
    return { stdout: nodes.filter((n) => !n.deleted && n.address !== null).map((n) => `${n.address}\n`).join('') };
  },

  ipreallocate: async (call) => {
    wantArgs(call, [0], '');
    await call.ports.api.ipReallocate();
    return {};
  },

  moveip: async (call) => {
    wantArgs(call, [2], '<ip> <node>');
    if (!/^[0-9]+$/.test(call.args[1])) throw usage('moveip', '<ip> <node>');
    await call.ports.api.moveIp(ipArg(call.args[0]), Number(call.args[1]));
    return {};
  },

  /** ctdb_killtcp IFACE (a helper, not a ctdb verb): kills the listed connections through floatip's socket destruction. */
  _killtcp: async (call) => {
    wantArgs(call, [1], '<iface>');
    const kernel = requireKernel(call);
    const hosted = new Set(call.ports.api.ips(false, 'all').filter((ip) => ip.pnn === call.ports.pnn).map((ip) => ip.address));
    const local = new Map<string, IpAddress>();
    for (const { src, dst } of connectionsOf(call)) {
      for (const end of [src, dst]) if (hosted.has(end.address.text)) local.set(end.address.text, end.address);
    }
    // SOCK_DESTROY works per local address: every connection of a listed address goes, which is what
    // the scripts ask for (all connections of a released or LVS address).
    for (const address of local.values()) await kernel.destroyConnections(address);
    return {};
  },

  ...Object.fromEntries(DATABASE_VERBS.map((verb) => [verb, databaseVerb])),
};

/** CTDB's global options: -X/-Y machine-readable, -v, -n PNN; -t, -T and -d take a value and change nothing here. */
function parseArgv(argv: readonly string[]): { words: string[]; machine: boolean; verbose: boolean; node: Pnn | undefined } {
  const words: string[] = [];
  let machine = false;
  let verbose = false;
  let node: Pnn | undefined;
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k];
    if (arg === '-X' || arg === '-Y') machine = true;
    else if (arg === '-v' || arg === '--verbose') verbose = true;
    else if (arg === '-n' || arg === '--node' || arg.startsWith('--node=')) {
      const value = arg.startsWith('--node=') ? arg.slice(7) : argv[++k];
      if (value === undefined || !/^[0-9]+$/.test(value)) throw new ToolError(`-n needs a node number, not '${value ?? ''}'`);
      node = Number(value);
    } else if (['-t', '--timelimit', '-T', '--maxruntime', '-d', '--debug'].includes(arg)) k++;
    else words.push(arg);
  }
  return { words, machine, verbose, node };
}

/** Runs one `ctdb` call. Never throws: every failure is printed and exits non-zero, as ctdb does. */
export async function runCtdbTool(argv: readonly string[], stdin: string, ports: CtdbToolPorts): Promise<CtdbToolResult> {
  try {
    const { words, machine, verbose, node } = parseArgv(argv);
    const [verb, ...args] = words;
    if (verb === undefined) throw new ToolError('Usage: ctdb [OPTIONS] COMMAND [ARGS]: floatip\'s stand-in serves the verbs of event scripts');
    const run = Object.prototype.hasOwnProperty.call(VERBS, verb) ? VERBS[verb] : undefined;
    if (run === undefined) {
      throw new ToolError(`ctdb ${verb}: not served by floatip's ctdb stand-in (it serves ${Object.keys(VERBS).filter((v) => !v.startsWith('_') && !DATABASE_VERBS.includes(v)).join(', ')})`);
    }
    const outcome = await run({ verb, args, machine, verbose, node, stdin, ports });
    return { exitCode: outcome.exitCode ?? 0, stdout: outcome.stdout ?? '', stderr: outcome.stderr ?? '' };
  } catch (error) {
    if (error instanceof ToolError) return { exitCode: error.exitCode, stdout: '', stderr: `${error.message}\n` };
    if (error instanceof DaemonApiError) return { exitCode: 1, stdout: '', stderr: `${error.message} [${error.code}]\n` };
    throw error;
  }
}

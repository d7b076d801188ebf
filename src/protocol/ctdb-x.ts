// CTDB's machine-readable `-X` output (pipe-separated, a header line first), byte for byte as ctdb/tools/ctdb.c prints it.
//
// Scripts written for CTDB parse these lines with `awk -F'|'` by column number, so every
// column CTDB has is here, in its order, even where floatip has nothing to put in it (Unknown: 0). The layouts are checked against CTDB's tool tests (test/unit/protocol/ctdb-x.test.ts).
// The plain-text layouts of the same verbs, as `ctdb` prints them, are here too for the `ctdb` stand-in.

import { INACTIVE, NodeFlag, Pnn } from '../core/flags';
import { IfaceStatus, IpStatus, ListNodesEntry, NodeStatus, TicklesResult, UptimeResult } from './control-results';

const SEP = '|';

/** `|a|b|c|`: CTDB puts the separator before, between and after the fields. */
function row(fields: readonly (string | number)[]): string {
  return `${SEP}${fields.join(SEP)}${SEP}\n`;
}

/** `ctdb -X ip [-v] [all]`. The plain layout has no interface columns. */
export function ctdbIpX(ips: readonly IpStatus[], verbose: boolean): string {
  const header = verbose
    ? row(['Public IP', 'Node', 'ActiveInterfaces', 'AvailableInterfaces', 'ConfiguredInterfaces'])
    : row(['Public IP', 'Node']);
  return header + ips.map((ip) => row(verbose
    ? [ip.address, ip.pnn, ip.activeInterface, ip.availableInterfaces.join(','), ip.configuredInterfaces.join(',')]
    : [ip.address, ip.pnn])).join('');
}

/** `ctdb ip [-v] [all]` without -X: `Public IPs on node N` (or `on ALL nodes`), then one address per line. */
export function ctdbIpText(ips: readonly IpStatus[], verbose: boolean, node: Pnn | 'all'): string {
  const header = node === 'all' ? 'Public IPs on ALL nodes\n' : `Public IPs on node ${node}\n`;
  return header + ips.map((ip) => (verbose
    ? `${ip.address} node[${ip.pnn}] active[${ip.activeInterface}] available[${ip.availableInterfaces.join(',')}] configured[${ip.configuredInterfaces.join(',')}]\n`
    : `${ip.address} ${ip.pnn}\n`)).join('');
}

/** `ctdb ifaces` without -X. */
export function ctdbIfacesText(ifaces: readonly IfaceStatus[], pnn: Pnn): string {
  if (ifaces.length === 0) return `No interfaces configured on node ${pnn}\n`;
  return `Interfaces on node ${pnn}\n` + ifaces.map((i) => `name:${i.name} link:${i.link} references:${i.references}\n`).join('');
}

/**
 * `ctdb -X ifaces`; with no interface CTDB prints its sentence even under -X. `pnn` is the
 * node asked about; the CLI does not know its own number without asking, so it says "this node".
 */
export function ctdbIfacesX(ifaces: readonly IfaceStatus[], pnn: Pnn | undefined): string {
  if (ifaces.length === 0) return `No interfaces configured on ${pnn === undefined ? 'this node' : `node ${pnn}`}\n`;
  return row(['Name', 'LinkStatus', 'References'])
    + ifaces.map((i) => row([i.name, i.link === 'up' ? 1 : 0, i.references])).join('');
}

const bit = (flags: number, mask: number): number => ((flags & mask) !== 0 ? 1 : 0);

/**
 * `ctdb -X status` and `ctdb -X nodestatus [all|PNN]`: one line per node that is not deleted.
 * `thisNode` is the node the command was about (CTDB's -n, else the local node).
 * floatip has no UNKNOWN flag: that column is 0. PartiallyOnline is 1 as CTDB's: no flag set,
 * but one of the node's interfaces has no link.
 */
export function ctdbNodemapX(nodes: readonly NodeStatus[], thisNode: Pnn): string {
  const header = row(['Node', 'IP', 'Disconnected', 'Unknown', 'Banned', 'Disabled', 'Unhealthy', 'Stopped', 'Inactive',
    'PartiallyOnline', 'ThisNode']);
  const lines = nodes.filter((n) => (n.flagBits & NodeFlag.DELETED) === 0).map((n) => row([
    n.pnn, n.address ?? '', bit(n.flagBits, NodeFlag.DISCONNECTED), 0, bit(n.flagBits, NodeFlag.BANNED),
    bit(n.flagBits, NodeFlag.DISABLED), bit(n.flagBits, NodeFlag.UNHEALTHY), bit(n.flagBits, NodeFlag.STOPPED),
    bit(n.flagBits, INACTIVE), showsPartiallyOnline(n) ? 1 : 0, n.pnn === thisNode ? 'Y' : 'N',
  ]));
  return header + lines.join('');
}

/** CTDB's flag text: its names in its order, INACTIVE added for any inactive flag, `OK` for none. */
export function ctdbFlagsText(flags: number): string {
  const names: [number, string][] = [
    [NodeFlag.DISCONNECTED, 'DISCONNECTED'], [NodeFlag.DISABLED, 'DISABLED'], [NodeFlag.BANNED, 'BANNED'],
    [NodeFlag.UNHEALTHY, 'UNHEALTHY'], [NodeFlag.DELETED, 'DELETED'], [NodeFlag.STOPPED, 'STOPPED'], [INACTIVE, 'INACTIVE'],
  ];
  const set = names.filter(([mask]) => (flags & mask) !== 0).map(([, name]) => name);
  return set.length === 0 ? 'OK' : set.join('|');
}

/** CTDB shows PARTIALLYONLINE in place of OK only: a flag says more than a missing link. */
export function showsPartiallyOnline(node: NodeStatus): boolean {
  return node.partiallyOnline === true && node.flagBits === 0;
}

/** The flags column of `ctdb status` / `nodestatus`: PARTIALLYONLINE stands in for OK when an interface has no link. */
export function ctdbNodeFlagsText(node: NodeStatus): string {
  return showsPartiallyOnline(node) ? 'PARTIALLYONLINE' : ctdbFlagsText(node.flagBits);
}

/** `ctdb nodestatus [all|PNN]` without -X: `pnn:N ADDRESS FLAGS`, the count first for `all`. */
export function ctdbNodemapText(nodes: readonly NodeStatus[], thisNode: Pnn, withCount: boolean): string {
  const deleted = nodes.filter((n) => (n.flagBits & NodeFlag.DELETED) !== 0).length;
  const count = deleted === 0 ? `Number of nodes:${nodes.length}\n` : `Number of nodes:${nodes.length} (including ${deleted} deleted nodes)\n`;
  const lines = nodes.filter((n) => (n.flagBits & NodeFlag.DELETED) === 0)
    .map((n) => `pnn:${n.pnn} ${(n.address ?? '').padEnd(16)} ${ctdbNodeFlagsText(n)}${n.pnn === thisNode ? ' (THIS NODE)' : ''}\n`);
  return (withCount ? count : '') + lines.join('');
}

/** `ctdb -X listnodes`: `|PNN|ADDRESS|`, no header, deleted nodes left out. */
export function ctdbListNodesX(nodes: readonly ListNodesEntry[]): string {
  return nodes.filter((n) => !n.deleted && n.address !== null).map((n) => row([n.pnn, n.address ?? ''])).join('');
}

/** `ctdb -X gettickles IP [PORT]`: source is the client, destination the public address. */
export function ctdbTicklesX(tickles: TicklesResult): string {
  return row(['Source IP', 'Port', 'Destination IP', 'Port'])
    + tickles.connections.map((c) => row([c.client, c.clientPort, tickles.address, c.serverPort])).join('');
}

/**
 * `ctdb -X uptime`, in the layout CTDB printed until it dropped machine-readable uptime
 * (epoch seconds; the data line has no trailing separator there). With no takeover run yet,
 * the last run is the start and its duration 0, as ctdbd reports before its first recovery.
 */
export function ctdbUptimeX(uptime: UptimeResult, nowMs: number): string {
  const seconds = (ms: number): number => Math.floor(ms / 1000);
  const last = uptime.lastTakeoverAt ?? uptime.startedAt;
  const duration = (uptime.lastTakeoverMs ?? 0) / 1000;
  return row(['Current Node Time', 'Ctdb Start Time', 'Last Recovery/Failover Time', 'Last Recovery/IPFailover Duration'])
    + `${SEP}${[seconds(nowMs), seconds(uptime.startedAt), seconds(last), duration.toFixed(6)].join(SEP)}\n`;
}

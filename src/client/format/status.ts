// Human text for `floatip status` and `floatip listnodes`, in `ctdb status` / `ctdb listnodes` layout (`floatip lab status` shows it too).

import { DuplicatesStatus, ListNodesEntry, NodeStatus, StatusResult } from '../../protocol/control-results';
import { showsPartiallyOnline } from '../../protocol/ctdb-x';
import { formatTable } from './table';

function quorumLine(status: StatusResult): string {
  const partition = status.partition.length > 0 ? status.partition.join(',') : 'none';
  const { votes } = status;
  const rule = status.quorumRule === 'lock' ? 'cluster lock' : votes?.rule ?? 'majority';
  return `Quorum:${status.quorate ? 'yes' : 'NO'} (${rule}; partition: ${partition})`;
}

/** `Votes:2/2 expected (left: 2,3)`: expected votes as this node counts them, and why. */
function votesLines(status: StatusResult): string[] {
  const { votes } = status;
  if (!votes || status.quorumRule === 'lock') return [];
  const away = [
    ...(votes.left.length > 0 ? [`left: ${votes.left.join(',')}`] : []),
    ...(votes.dropped.length > 0 ? [`dropped: ${votes.dropped.join(',')}`] : []),
  ];
  return [`Votes:${votes.present}/${votes.expected} expected${away.length > 0 ? ` (${away.join('; ')})` : ''}: ${votes.reason}`];
}

/** A peer's latest heartbeat round trip; `rtt:-` before its first PONG or while it is away, nothing for this node. */
function roundTripCell(node: NodeStatus): string {
  if (node.rttMs === undefined) return '';
  return node.rttMs === null ? 'rtt:-' : `rtt:${node.rttMs.toFixed(2)}ms`;
}

/** Nothing while no address is duplicated; else a count and one line per address with the other MACs. */
function duplicateLines(duplicates: DuplicatesStatus | undefined): string[] {
  if (!duplicates || duplicates.addresses.length === 0) return [];
  return [
    `Duplicate addresses:${duplicates.addresses.length} (other MACs answer for addresses this node holds; see docs/operations.md)`,
    ...duplicates.addresses.map((d) => `  ${d.address} on ${d.iface}: also ${d.macs.join(',')} since ${new Date(d.since).toISOString()}`),
  ];
}

/** `Guardian:ok`, or why this node is unguarded (it is then UNHEALTHY and hosts nothing). */
function guardianLine(guardian: NonNullable<StatusResult['guardian']>): string {
  if (guardian.guarded) return 'Guardian:ok';
  return `Guardian:NONE for ${guardian.forMs} ms (${guardian.reason}): this node hosts no public address until a new guardian is ready`;
}

/** On the leader, why the run it was asked for waits: `Next run held for …, 312 ms left`; nothing when none waits. */
function nextRunLines(nextRun: StatusResult['nextRun']): string[] {
  if (!nextRun) return [];
  return [`Next run held ${nextRun.reason}${nextRun.waitMs === null ? '' : `, ${nextRun.waitMs} ms left`}`];
}

/**
 * Deleted nodes are counted but not listed, as CTDB does: they keep their
 * line in `nodes` (so every pnn stays put) and take no part in anything.
 */
export function formatStatus(status: StatusResult): string {
  const deleted = status.nodes.filter((n) => n.flags.split('|').includes('DELETED')).length;
  const shown = status.nodes.filter((n) => !n.flags.split('|').includes('DELETED'));
  const count = deleted > 0 ? `${status.nodes.length} (including ${deleted} deleted node${deleted === 1 ? '' : 's'})` : `${status.nodes.length}`;
  // As ctdb status: PARTIALLYONLINE in place of OK while one of the node's interfaces has no link.
  const flagsText = (n: NodeStatus): string => (showsPartiallyOnline(n) ? 'PARTIALLYONLINE' : n.flags);
  const rows = shown.map((n) => [`pnn:${n.pnn}`, n.address ?? '-', `${flagsText(n)}${n.isLocal ? ' (THIS NODE)' : ''}`, roundTripCell(n)]);
  const lines = [
    `Number of nodes:${count}`,
    ...formatTable(rows, [], ' '),
    `Epoch:${status.epoch}`,
    `Leader:${status.leader < 0 ? 'none' : status.leader}`,
    quorumLine(status),
    ...votesLines(status),
    ...nextRunLines(status.nextRun),
    `Monitor:${status.monitor}`,
    ...duplicateLines(status.duplicates),
    ...(status.guardian === undefined ? [] : [guardianLine(status.guardian)]),
  ];
  if (status.flapDamping?.heldOut) lines.push(`Flap damping: HELD OUT (${status.flapDamping.reason})`);
  if (!status.quorate) lines.push('This node has no quorum: it hosts no public address until it rejoins a majority.');
  return `${lines.join('\n')}\n`;
}

/** One line per node in pnn order (a deleted node keeps its line), so the output reads like the `nodes` file. */
export function formatListNodes(nodes: readonly ListNodesEntry[]): string {
  if (nodes.length === 0) return 'No nodes configured\n';
  return `${nodes.map((n) => (n.deleted ? `# deleted (pnn ${n.pnn})` : n.address ?? `# no address (pnn ${n.pnn})`)).join('\n')}\n`;
}

// Prints a LabStatus for people: the topology table, where each address is, and the cluster as a daemon sees it.

import { formatStatus } from '../client/format/status';
import { formatTable } from '../client/format/table';
import { LabStatus } from './status';

function daemonCell(node: LabStatus['nodes'][number], managed: boolean): string {
  if (!managed && node.daemonPid === null) return '-';
  const pid = node.daemonPid === null ? '' : ` (pid ${node.daemonPid})`;
  return node.daemon === 'gone' ? `not running${pid}` : `${node.daemon}${pid}`;
}

function holderText(holders: readonly number[]): string {
  if (holders.length === 0) return 'not hosted';
  if (holders.length === 1) return `node ${holders[0]}`;
  return `nodes ${holders.join(',')}  DUPLICATE`;
}

export function formatLabStatus(status: LabStatus): string {
  const lines: string[] = [];
  lines.push(`lab ${status.prefix}: ${status.nodes.length} nodes, timing profile ${status.profile}, files in ${status.dir}`);
  lines.push(`switch ${status.switchNamespace} (private bridge ${status.bridges[0]}, public bridge ${status.bridges[1]}), `
    + `client ${status.clientNamespace} at ${status.clientAddresses.join(', ')}`);
  lines.push(`partition: ${status.partition === null ? 'none' : status.partition.map((g) => g.join(',')).join(' | ')}`);
  lines.push('');
  const rows = [['node', 'namespace', 'private', 'priv link', 'pub link', 'floatipd', 'monitor', 'public addresses']];
  for (const n of status.nodes) {
    rows.push([String(n.pnn), n.namespace, n.privateAddress, n.privatePort, n.publicPort, daemonCell(n, status.daemonsManaged),
      n.monitorFailing ? 'failing' : 'ok', n.publicAddresses.length === 0 ? '-' : n.publicAddresses.join(' ')]);
  }
  lines.push(...formatTable(rows));
  lines.push('');
  const addressRows = status.addresses.map((a) => [a.address, holderText(a.holders)]);
  lines.push('addresses (from the kernel of each namespace):');
  lines.push(...formatTable(addressRows).map((l) => `  ${l}`));
  lines.push('');
  const { cluster } = status;
  if (cluster.kind === 'unavailable') {
    lines.push(`cluster: no status (${cluster.reason})`);
  } else {
    lines.push(`cluster, as node ${cluster.fromNode} sees it (floatip status):`);
    lines.push(...formatStatus(cluster.status).trimEnd().split('\n').map((l) => `  ${l}`));
  }
  return `${lines.join('\n')}\n`;
}

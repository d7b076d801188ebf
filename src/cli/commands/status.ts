// `floatip status [-X] [-n PNN]`: nodes with their flags, this node, leader, epoch and quorum (like `ctdb status`).

import { NodeStatus, StatusResult } from '../../protocol/control-results';
import { expectPositionals } from '../args';
import { ControlCommandSpec } from '../control-command';
import { ctdbNodemapX } from '../../protocol/ctdb-x';
import { expectList, expectRecord } from '../format/shape';
import { formatStatus } from '../../client/format/status';
import { MACHINE_OPTION, MACHINE_USAGE, machineReadable } from './machine-option';
import { NODE_OPTION, NODE_USAGE, nodeOption } from './node-option';

/** The status result checked, and the node that -n makes "THIS NODE" (CTDB marks the node asked about). */
export function readStatus(result: unknown, asked: number | undefined): { status: StatusResult; thisNode: number } {
  const status = expectRecord<StatusResult>(result, 'status', ['pnn', 'nodes', 'leader', 'epoch', 'quorate', 'partition', 'quorumRule', 'monitor']);
  expectList<NodeStatus>(status.nodes, 'status (nodes)', ['pnn', 'address', 'flags', 'flagBits', 'isLocal']);
  const thisNode = asked ?? status.pnn;
  if (!status.nodes.some((n) => n.pnn === thisNode)) {
    throw new Error(`node ${thisNode} does not exist: nodes are 0..${status.nodes.length - 1} (see \`floatip listnodes\`)`);
  }
  return { status, thisNode };
}

export const statusSpec: ControlCommandSpec<'status'> = {
  name: 'status',
  summary: 'show the nodes, their flags, the leader, epoch and quorum',
  usage: `usage: floatip status [-X] [-n PNN] [--json]

Shows every node of the cluster as this node sees it (flags OK or DISCONNECTED, UNHEALTHY,
DISABLED, BANNED, STOPPED), which one is this node, the leader, the epoch and whether this
node's partition has quorum. Exits 3 when floatipd is not running on this node.
${MACHINE_USAGE}
${NODE_USAGE.replace('act on', 'mark as THIS NODE')}`,
  options: [MACHINE_OPTION, NODE_OPTION],
  request(parsed) {
    machineReadable(parsed);
    expectPositionals(parsed, 0, 0, '');
    nodeOption(parsed);
    return { command: 'status', args: {} };
  },
  format(result, { parsed }) {
    const { status, thisNode } = readStatus(result, nodeOption(parsed));
    if (machineReadable(parsed)) return ctdbNodemapX(status.nodes, thisNode);
    return formatStatus({ ...status, nodes: status.nodes.map((n) => ({ ...n, isLocal: n.pnn === thisNode })) });
  },
};

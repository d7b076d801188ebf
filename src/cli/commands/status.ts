// `floatip status`: nodes with their flags, this node, leader, epoch and quorum (like `ctdb status`).

import { NodeStatus, StatusResult } from '../../protocol/control-results';
import { expectPositionals } from '../args';
import { ControlCommandSpec } from '../control-command';
import { expectList, expectRecord } from '../format/shape';
import { formatStatus } from '../format/status';

export const statusSpec: ControlCommandSpec<'status'> = {
  name: 'status',
  summary: 'show the nodes, their flags, the leader, epoch and quorum',
  usage: `usage: floatip status [--json]

Shows every node of the cluster as this node sees it (flags OK or DISCONNECTED, UNHEALTHY,
DISABLED, BANNED, STOPPED), which one is this node, the leader, the epoch and whether this
node's partition has quorum. Exits 3 when floatipd is not running on this node.`,
  request(parsed) {
    expectPositionals(parsed, 0, 0, '');
    return { command: 'status', args: {} };
  },
  format(result) {
    const status = expectRecord<StatusResult>(result, 'status', ['pnn', 'nodes', 'leader', 'epoch', 'quorate', 'partition', 'quorumRule', 'monitor']);
    expectList<NodeStatus>(status.nodes, 'status (nodes)', ['pnn', 'address', 'flags', 'isLocal']);
    return formatStatus(status);
  },
};

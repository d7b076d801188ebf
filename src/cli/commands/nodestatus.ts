// `floatip nodestatus [-X] [-n PNN] [all|PNN[,PNN...]]`: node flags, exit code = their flag bits OR-ed (like `ctdb nodestatus`).

import { NodeFlag } from '../../core/flags';
import { NodeStatus } from '../../protocol/control-results';
import { expectPositionals, parseWholeNumber } from '../args';
import { UsageError } from '../../client/usage-error';
import { ControlCommandSpec } from '../control-command';
import { ctdbNodemapText, ctdbNodemapX } from '../../protocol/ctdb-x';
import { MACHINE_OPTION, MACHINE_USAGE, machineReadable } from './machine-option';
import { NODE_OPTION, NODE_USAGE, nodeOption } from './node-option';
import { readStatus } from './status';

/** `all`, a comma list of node numbers, or nothing (the node asked about). */
function parseNodeList(text: string | undefined): 'all' | number[] | undefined {
  if (text === undefined || text === 'all') return text;
  return text.split(',').map((part) => parseWholeNumber(part, 'a node in the list', 0, 0xfffffffe));
}

export const nodestatusSpec: ControlCommandSpec<'status'> = {
  name: 'nodestatus',
  summary: 'show node flags and exit with them (for scripts, as ctdb nodestatus)',
  usage: `usage: floatip nodestatus [-X] [-n PNN] [all|PNN[,PNN...]] [--json]

Prints the flags of this node (of the listed nodes, of every node with \`all\`) in CTDB's layout
and exits with their flag bits OR-ed together: 0 when every listed node is OK, as
\`ctdb nodestatus\` does (DISCONNECTED 1, UNHEALTHY 2, DISABLED 4, BANNED 8, STOPPED 32).
${MACHINE_USAGE}
${NODE_USAGE}`,
  options: [MACHINE_OPTION, NODE_OPTION],
  request(parsed) {
    machineReadable(parsed);
    const [list] = expectPositionals(parsed, 0, 1, 'all|PNN-LIST');
    parseNodeList(list);
    nodeOption(parsed);
    return { command: 'status', args: {} };
  },
  format(result, { parsed }) {
    const { status, thisNode } = readStatus(result, nodeOption(parsed));
    const list = parseNodeList(parsed.positionals[0]);
    const wanted = list === 'all' ? status.nodes.map((n) => n.pnn) : list ?? [thisNode];
    const missing = wanted.find((pnn) => !status.nodes.some((n) => n.pnn === pnn));
    if (missing !== undefined) throw new UsageError(`node ${missing} does not exist: nodes are 0..${status.nodes.length - 1}`);
    const nodes: NodeStatus[] = status.nodes.filter((n) => wanted.includes(n.pnn));
    const text = machineReadable(parsed) ? ctdbNodemapX(nodes, thisNode) : ctdbNodemapText(nodes, thisNode, list === 'all');
    const exitCode = nodes.filter((n) => (n.flagBits & NodeFlag.DELETED) === 0).reduce((bits, n) => bits | n.flagBits, 0);
    return { text, exitCode };
  },
};

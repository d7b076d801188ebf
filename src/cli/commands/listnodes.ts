// `floatip listnodes [-X]`: the private address of every node, in pnn order (like `ctdb listnodes`).

import { ListNodesEntry } from '../../protocol/control-results';
import { expectPositionals } from '../args';
import { ControlCommandSpec } from '../control-command';
import { ctdbListNodesX } from '../../protocol/ctdb-x';
import { expectList } from '../format/shape';
import { formatListNodes } from '../../client/format/status';
import { MACHINE_OPTION, MACHINE_USAGE, machineReadable } from './machine-option';

export const listnodesSpec: ControlCommandSpec<'listnodes'> = {
  name: 'listnodes',
  summary: 'list the private address of every node',
  usage: `usage: floatip listnodes [-X] [--json]

Prints the nodes file as the daemon loaded it: line N is node N; a deleted node prints as a
"# deleted" line so the numbering stays (with -X, as CTDB: |PNN|ADDRESS| and deleted nodes left out).
${MACHINE_USAGE}`,
  options: [MACHINE_OPTION],
  request(parsed) {
    machineReadable(parsed);
    expectPositionals(parsed, 0, 0, '');
    return { command: 'listnodes', args: {} };
  },
  format(result, { parsed }) {
    const nodes = expectList<ListNodesEntry>(result, 'listnodes', ['pnn', 'address', 'deleted']);
    return machineReadable(parsed) ? ctdbListNodesX(nodes) : formatListNodes(nodes);
  },
};

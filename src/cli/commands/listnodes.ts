// `floatip listnodes`: the private address of every node, in pnn order (like `ctdb listnodes`).

import { ListNodesEntry } from '../../protocol/control-results';
import { expectPositionals } from '../args';
import { ControlCommandSpec } from '../control-command';
import { expectList } from '../format/shape';
import { formatListNodes } from '../format/status';

export const listnodesSpec: ControlCommandSpec<'listnodes'> = {
  name: 'listnodes',
  summary: 'list the private address of every node',
  usage: `usage: floatip listnodes [--json]

Prints the nodes file as the daemon loaded it: line N is node N; a deleted node prints as a
"# deleted" line so the numbering stays.`,
  request(parsed) {
    expectPositionals(parsed, 0, 0, '');
    return { command: 'listnodes', args: {} };
  },
  format: (result) => formatListNodes(expectList<ListNodesEntry>(result, 'listnodes', ['pnn', 'address', 'deleted'])),
};

// `floatip ifaces [-X] [-n PNN]`: a node's public interfaces, their link state and how many addresses use each.

import { IfaceStatus } from '../../protocol/control-results';
import { expectPositionals } from '../args';
import { ControlCommandSpec } from '../control-command';
import { ctdbIfacesX } from '../../protocol/ctdb-x';
import { formatIfaces } from '../format/ips';
import { expectList } from '../format/shape';
import { MACHINE_OPTION, MACHINE_USAGE, machineReadable } from './machine-option';
import { NODE_OPTION, NODE_USAGE, nodeOption } from './node-option';

export const ifacesSpec: ControlCommandSpec<'ifaces'> = {
  name: 'ifaces',
  summary: 'show the interfaces of the public addresses and their link state',
  usage: `usage: floatip ifaces [-X] [-n PNN] [--json]

Lists the interfaces named in this node's public_addresses (node PNN's with -n, with the link
states that node last reported), whether their link is up, down, or missing (the interface
does not exist on that node), and how many of the node's public addresses may use each.
${MACHINE_USAGE}
${NODE_USAGE}`,
  options: [MACHINE_OPTION, NODE_OPTION],
  request(parsed) {
    machineReadable(parsed);
    expectPositionals(parsed, 0, 0, '');
    const pnn = nodeOption(parsed);
    return { command: 'ifaces', args: pnn === undefined ? {} : { pnn } };
  },
  format(result, { parsed }) {
    const ifaces = expectList<IfaceStatus>(result, 'ifaces', ['name', 'link', 'references']);
    return machineReadable(parsed) ? ctdbIfacesX(ifaces, nodeOption(parsed)) : formatIfaces(ifaces);
  },
};

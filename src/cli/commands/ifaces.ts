// `floatip ifaces`: this node's public interfaces, their link state and how many addresses use each.

import { IfaceStatus } from '../../protocol/control-results';
import { expectPositionals } from '../args';
import { ControlCommandSpec } from '../control-command';
import { formatIfaces } from '../format/ips';
import { expectList } from '../format/shape';

export const ifacesSpec: ControlCommandSpec<'ifaces'> = {
  name: 'ifaces',
  summary: 'show the interfaces of the public addresses and their link state',
  usage: `usage: floatip ifaces [--json]

Lists the interfaces named in this node's public_addresses, whether their link is up, down,
or missing (the interface does not exist on this node), and how many of this node's public
addresses may use each.`,
  request(parsed) {
    expectPositionals(parsed, 0, 0, '');
    return { command: 'ifaces', args: {} };
  },
  format(result) {
    return formatIfaces(expectList<IfaceStatus>(result, 'ifaces', ['name', 'link', 'references']));
  },
};

// `floatip ip [-v]`: every public address and the node hosting it (like `ctdb ip -v`).

import { IpStatus } from '../../protocol/control-results';
import { expectPositionals } from '../args';
import { ControlCommandSpec } from '../control-command';
import { formatIps } from '../format/ips';
import { expectList } from '../format/shape';

export const ipSpec: ControlCommandSpec<'ip'> = {
  name: 'ip',
  summary: 'show the public addresses and which node hosts each (-v: interfaces)',
  usage: `usage: floatip ip [-v] [--json]

Lists every public address this node knows and the node that hosts it (-1: nobody can now).
  -v, --verbose   also the interface it is on, the interfaces with link, and the configured ones`,
  options: [{ name: '--verbose', alias: '-v', takesValue: false }],
  request(parsed) {
    expectPositionals(parsed, 0, 0, '');
    return { command: 'ip', args: { verbose: parsed.flags.has('--verbose') } };
  },
  format(result, { parsed }) {
    const ips = expectList<IpStatus>(result, 'ip', ['address', 'bits', 'pnn', 'activeInterface', 'availableInterfaces', 'configuredInterfaces']);
    return formatIps(ips, parsed.flags.has('--verbose'));
  },
};

// `floatip ip [-v] [-X] [-n PNN] [all]`: public addresses and the node hosting each (like `ctdb ip`).

import { IpStatus } from '../../protocol/control-results';
import { expectPositionals } from '../args';
import { UsageError } from '../../client/usage-error';
import { ControlCommandSpec } from '../control-command';
import { ctdbIpX } from '../../protocol/ctdb-x';
import { formatIps } from '../format/ips';
import { expectList } from '../format/shape';
import { MACHINE_OPTION, MACHINE_USAGE, machineReadable } from './machine-option';
import { NODE_OPTION, NODE_USAGE, nodeOption } from './node-option';

export const ipSpec: ControlCommandSpec<'ip'> = {
  name: 'ip',
  summary: 'show the public addresses and which node hosts each (all: of every node; -v: interfaces)',
  usage: `usage: floatip ip [-v] [-X] [-n PNN] [all] [--json]

Lists the public addresses of this node (of node PNN with -n, of every node with \`all\`) and the
node that hosts each (-1: nobody can now), as \`ctdb ip\` does.
  -v, --verbose   also the interface it is on, the interfaces with link, and the configured ones
                  (those of the listed node; with \`all\`, those of the node hosting it)
${MACHINE_USAGE}
${NODE_USAGE}`,
  options: [{ name: '--verbose', alias: '-v', takesValue: false }, MACHINE_OPTION, NODE_OPTION],
  request(parsed) {
    machineReadable(parsed);
    const [scope] = expectPositionals(parsed, 0, 1, 'all');
    if (scope !== undefined && scope !== 'all') throw new UsageError(`the only argument is 'all', not '${scope}'`);
    const pnn = nodeOption(parsed);
    if (scope === 'all' && pnn !== undefined) throw new UsageError('all lists every node: leave out -n');
    const verbose = parsed.flags.has('--verbose');
    return { command: 'ip', args: { verbose, ...(scope === 'all' ? { all: true } : {}), ...(pnn === undefined ? {} : { pnn }) } };
  },
  format(result, { parsed }) {
    const ips = expectList<IpStatus>(result, 'ip', ['address', 'bits', 'pnn', 'activeInterface', 'availableInterfaces', 'configuredInterfaces']);
    const verbose = parsed.flags.has('--verbose');
    return machineReadable(parsed) ? ctdbIpX(ips, verbose) : formatIps(ips, verbose);
  },
};

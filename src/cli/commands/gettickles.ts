// `floatip gettickles IP [PORT]`: the TCP connections recorded for a public address (tickled after a move).

import { TickleEntry, TicklesResult } from '../../protocol/control-results';
import { expectPositionals, parseIpArg, parseWholeNumber } from '../args';
import { ControlCommandSpec } from '../control-command';
import { ctdbTicklesX } from '../../protocol/ctdb-x';
import { expectList, expectRecord } from '../format/shape';
import { formatTickles } from '../format/tickles';
import { MACHINE_OPTION, MACHINE_USAGE, machineReadable } from './machine-option';
import { NODE_OPTION, nodeOption } from './node-option';

export const gettickleSpec: ControlCommandSpec<'gettickles'> = {
  name: 'gettickles',
  summary: 'show the TCP connections recorded for a public address',
  usage: `usage: floatip gettickles IP [PORT] [-X] [-n PNN] [--json]

Lists the client connections recorded for IP (from the node hosting it, replicated to every
node), only those to the server port PORT when given. The next node to take IP sends each of
them a tickle so the client reconnects at once.
${MACHINE_USAGE}
  -n, --node PNN  accepted as CTDB accepts it; every node holds the same replicated list`,
  options: [MACHINE_OPTION, NODE_OPTION],
  request(parsed) {
    machineReadable(parsed);
    nodeOption(parsed);
    const [ipText, portText] = expectPositionals(parsed, 1, 2, 'IP PORT');
    if (portText !== undefined) parseWholeNumber(portText, 'PORT', 0, 65535);
    return { command: 'gettickles', args: { ip: parseIpArg(ipText, 'IP') } };
  },
  format(result, { parsed }) {
    const tickles = expectRecord<TicklesResult>(result, 'gettickles', ['address', 'connections']);
    expectList<TickleEntry>(tickles.connections, 'gettickles (connections)', ['client', 'clientPort', 'serverPort']);
    // Port 0 is CTDB's "every port".
    const port = parsed.positionals[1] === undefined ? 0 : Number(parsed.positionals[1]);
    const shown = port === 0 ? tickles : { ...tickles, connections: tickles.connections.filter((c) => c.serverPort === port) };
    return machineReadable(parsed) ? ctdbTicklesX(shown) : formatTickles(shown);
  },
};

// `floatip gettickles IP`: the TCP connections recorded for a public address (tickled after a move).

import { TickleEntry, TicklesResult } from '../../protocol/control-results';
import { expectPositionals, parseIpArg } from '../args';
import { ControlCommandSpec } from '../control-command';
import { expectList, expectRecord } from '../format/shape';
import { formatTickles } from '../format/tickles';

export const gettickleSpec: ControlCommandSpec<'gettickles'> = {
  name: 'gettickles',
  summary: 'show the TCP connections recorded for a public address',
  usage: `usage: floatip gettickles IP [--json]

Lists the client connections recorded for IP (from the node hosting it, replicated to every
node). The next node to take IP sends each of them a tickle so the client reconnects at once.`,
  request(parsed) {
    const [ipText] = expectPositionals(parsed, 1, 1, 'IP');
    return { command: 'gettickles', args: { ip: parseIpArg(ipText, 'IP') } };
  },
  format(result) {
    const tickles = expectRecord<TicklesResult>(result, 'gettickles', ['address', 'connections']);
    expectList<TickleEntry>(tickles.connections, 'gettickles (connections)', ['client', 'clientPort', 'serverPort']);
    return formatTickles(tickles);
  },
};

// `floatip gratarp IP IFACE`: send gratuitous ARP (IPv4) or an unsolicited NA (IPv6) for an address.

import { expectPositionals, parseIfaceArg, parseIpArg } from '../args';
import { ControlCommandSpec } from '../control-command';
import { formatDone } from '../format/done';

export const gratarpSpec: ControlCommandSpec<'gratarp'> = {
  name: 'gratarp',
  summary: 'announce an address on an interface (gratuitous ARP / IPv6 NA)',
  usage: `usage: floatip gratarp IP IFACE [--json]

Sends the configured burst of gratuitous ARP (IPv4) or unsolicited Neighbor Advertisements
(IPv6) for IP out of IFACE, so switches and clients learn this node's MAC for it.`,
  request(parsed) {
    const [ipText, ifaceText] = expectPositionals(parsed, 2, 2, 'IP IFACE');
    return { command: 'gratarp', args: { ip: parseIpArg(ipText, 'IP'), iface: parseIfaceArg(ifaceText, 'IFACE') } };
  },
  format: (result) => formatDone(result, 'gratarp'),
};

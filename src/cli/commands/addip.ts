// `floatip addip IP/BITS IFACE[,IFACE...]`: add a public address to this node at run time.

import { expectPositionals, parseIfaceArg, parsePrefixArg } from '../args';
import { UsageError } from '../../client/usage-error';
import { ControlCommandSpec, TAKEOVER_CALL_TIMEOUT_MS } from '../control-command';
import { formatDone } from '../format/done';

export const addipSpec: ControlCommandSpec<'addip'> = {
  name: 'addip',
  summary: 'add a public address to this node (until the next reloadips)',
  usage: `usage: floatip addip IP/BITS IFACE[,IFACE...] [--json]

Adds IP/BITS to this node's public addresses, on the given interfaces, and lets the cluster
place it. public_addresses is not rewritten: as in CTDB, add the line there too, or the next
reloadips or restart drops the address again.`,
  request(parsed) {
    const [prefixText, ifaceText] = expectPositionals(parsed, 2, 2, 'IP/BITS IFACE[,IFACE...]');
    const prefix = parsePrefixArg(prefixText, 'IP/BITS');
    if (prefix.bits === 0) throw new UsageError('IP/BITS needs a prefix length of 1 or more, e.g. 198.51.100.7/24');
    const ifaces = ifaceText.split(',').map((name, i) => parseIfaceArg(name, `IFACE ${i + 1}`));
    const repeated = ifaces.find((name, i) => ifaces.indexOf(name) !== i);
    if (repeated !== undefined) throw new UsageError(`IFACE list names ${repeated} twice`);
    if (ifaces.length > 16) throw new UsageError('IFACE list may name at most 16 interfaces');
    return { command: 'addip', args: { prefix, ifaces }, timeoutMs: TAKEOVER_CALL_TIMEOUT_MS };
  },
  format: (result) => formatDone(result, 'addip'),
};

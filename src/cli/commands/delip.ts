// `floatip delip IP`: remove a public address from this node at run time.

import { expectPositionals, parseIpArg } from '../args';
import { ControlCommandSpec, TAKEOVER_CALL_TIMEOUT_MS } from '../control-command';
import { formatDone } from '../format/done';

export const delipSpec: ControlCommandSpec<'delip'> = {
  name: 'delip',
  summary: 'remove a public address from this node (until the next reloadips)',
  usage: `usage: floatip delip IP [--json]

Removes IP from this node's public addresses; if this node hosts it, it moves to another node
that lists it. public_addresses is not rewritten: remove the line there too, or the next
reloadips or restart brings the address back.`,
  request(parsed) {
    const [ipText] = expectPositionals(parsed, 1, 1, 'IP');
    return { command: 'delip', args: { ip: parseIpArg(ipText, 'IP') }, timeoutMs: TAKEOVER_CALL_TIMEOUT_MS };
  },
  format: (result) => formatDone(result, 'delip'),
};

// `floatip moveip IP PNN`: move one public address to a given node now.

import { expectPositionals, parseIpArg, parseWholeNumber } from '../args';
import { ControlCommandSpec, TAKEOVER_CALL_TIMEOUT_MS } from '../control-command';
import { formatDone } from '../format/done';

export const moveipSpec: ControlCommandSpec<'moveip'> = {
  name: 'moveip',
  summary: 'move a public address to node PNN',
  usage: `usage: floatip moveip IP PNN [--json]

Moves the public address IP to node PNN, which must list it in its public_addresses and be
able to host it. As in CTDB the allocator may move it again on a later takeover run unless
NoIPFailback is set.`,
  request(parsed) {
    const [ipText, pnnText] = expectPositionals(parsed, 2, 2, 'IP PNN');
    return {
      command: 'moveip',
      args: { ip: parseIpArg(ipText, 'IP'), pnn: parseWholeNumber(pnnText, 'PNN', 0, 0xfffffffe) },
      timeoutMs: TAKEOVER_CALL_TIMEOUT_MS,
    };
  },
  format: (result) => formatDone(result, 'moveip'),
};

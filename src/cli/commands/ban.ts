// `floatip ban SECONDS [-n PNN]`: ban a node for a while; its public addresses move away.

import { expectPositionals, parseWholeNumber } from '../args';
import { ControlCommandSpec, TAKEOVER_CALL_TIMEOUT_MS } from '../control-command';
import { formatDone } from '../format/done';
import { NODE_OPTION, NODE_USAGE, nodeOption } from './node-option';

export const banSpec: ControlCommandSpec<'ban'> = {
  name: 'ban',
  summary: 'ban a node for SECONDS: it hosts nothing until the ban ends',
  usage: `usage: floatip ban SECONDS [-n PNN] [--json]

Sets BANNED on the node for SECONDS (1 or more); its public addresses move to other nodes.
floatip unban lifts it early.
${NODE_USAGE}`,
  options: [NODE_OPTION],
  request(parsed) {
    const [seconds] = expectPositionals(parsed, 1, 1, 'SECONDS');
    const pnn = nodeOption(parsed);
    return {
      command: 'ban',
      args: { seconds: parseWholeNumber(seconds, 'SECONDS', 1, 0xffffffff), ...(pnn === undefined ? {} : { pnn }) },
      timeoutMs: TAKEOVER_CALL_TIMEOUT_MS,
    };
  },
  format: (result) => formatDone(result, 'ban'),
};

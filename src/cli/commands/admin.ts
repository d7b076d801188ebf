// `floatip disable|enable|stop|continue|unban [-n PNN]`: the admin flags of a node, one spec per verb.
//
// The five verbs take the same arguments and differ only in words, so they share this
// file; `ban`, which also takes a duration, has its own.

import { CommandArgs } from '../../protocol/control';
import { expectPositionals } from '../args';
import { ControlCommandSpec, TAKEOVER_CALL_TIMEOUT_MS } from '../control-command';
import { formatDone } from '../format/done';
import { NODE_OPTION, NODE_USAGE, nodeOption } from './node-option';

type FlagVerb = 'disable' | 'enable' | 'stop' | 'continue' | 'unban';

function flagVerbSpec<V extends FlagVerb>(verb: V, summary: string, description: string): ControlCommandSpec<V> {
  return {
    name: verb,
    summary,
    usage: `usage: floatip ${verb} [-n PNN] [--json]\n\n${description}\n${NODE_USAGE}`,
    options: [NODE_OPTION],
    request(parsed) {
      expectPositionals(parsed, 0, 0, '');
      const pnn = nodeOption(parsed);
      // The verb waits for the takeover run it causes, so the admin sees the addresses moved.
      return { command: verb, args: (pnn === undefined ? {} : { pnn }) as CommandArgs[V], timeoutMs: TAKEOVER_CALL_TIMEOUT_MS };
    },
    format: (result) => formatDone(result, verb),
  };
}

export const disableSpec = flagVerbSpec('disable', 'mark a node DISABLED: its public addresses move away',
  'Sets DISABLED on the node (kept until enable, also across restarts of other nodes). A\n'
  + 'disabled node hosts no public address; its addresses move to the other nodes.');
export const enableSpec = flagVerbSpec('enable', 'clear DISABLED: the node may host addresses again',
  'Clears DISABLED on the node; the next takeover run may give it addresses again.');
export const stopSpec = flagVerbSpec('stop', 'mark a node STOPPED: it leaves the cluster\'s work but keeps its connections',
  'Sets STOPPED on the node: it hosts no public address and does not count as active.');
export const continueSpec = flagVerbSpec('continue', 'clear STOPPED',
  'Clears STOPPED on the node, so it takes part again.');
export const unbanSpec = flagVerbSpec('unban', 'lift a ban before it runs out',
  'Clears BANNED on the node before its ban period ends.');

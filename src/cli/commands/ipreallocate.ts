// `floatip ipreallocate [--rebalance PNN-LIST]`: ask the leader for a takeover run now.

import { parseNodeList } from '../../core/ipalloc/node-states';
import { expectPositionals } from '../args';
import { UsageError } from '../../client/usage-error';
import { ControlCommandSpec, TAKEOVER_CALL_TIMEOUT_MS } from '../control-command';
import { formatDone } from '../format/done';

export const ipreallocateSpec: ControlCommandSpec<'ipreallocate'> = {
  name: 'ipreallocate',
  summary: 'ask the leader for a takeover run now and wait for it',
  usage: `usage: floatip ipreallocate [--rebalance PNN-LIST] [--json]

Asks the leader to recompute where every public address belongs and to move what must move,
and waits until that takeover run has finished.

  --rebalance PNN-LIST  comma-separated node numbers, e.g. 1,2: LCP2 may move addresses onto
                        these nodes although they hold some (by itself it moves addresses only
                        onto nodes that hold none), as CTDB's takeover helper does with its node
                        list. The leader keeps the list until a run with it ends ok. Only the
                        lcp2 algorithm uses it.`,
  options: [{ name: '--rebalance', takesValue: true, valueName: 'PNN-LIST' }],
  request(parsed) {
    expectPositionals(parsed, 0, 0, '');
    const text = parsed.values.get('--rebalance');
    if (text === undefined) return { command: 'ipreallocate', args: {}, timeoutMs: TAKEOVER_CALL_TIMEOUT_MS };
    const nodes = parseNodeList(text);
    if (!nodes.ok) throw new UsageError(`--rebalance PNN-LIST: ${nodes.error}`);
    return { command: 'ipreallocate', args: { rebalance: nodes.value }, timeoutMs: TAKEOVER_CALL_TIMEOUT_MS };
  },
  format: (result) => formatDone(result, 'ipreallocate'),
};

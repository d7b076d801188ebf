// `floatip ipreallocate`: ask the leader for a takeover run now.

import { expectPositionals } from '../args';
import { ControlCommandSpec, TAKEOVER_CALL_TIMEOUT_MS } from '../control-command';
import { formatDone } from '../format/done';

export const ipreallocateSpec: ControlCommandSpec<'ipreallocate'> = {
  name: 'ipreallocate',
  summary: 'ask the leader for a takeover run now and wait for it',
  usage: `usage: floatip ipreallocate [--json]

Asks the leader to recompute where every public address belongs and to move what must move,
and waits until that takeover run has finished.`,
  request(parsed) {
    expectPositionals(parsed, 0, 0, '');
    return { command: 'ipreallocate', args: {}, timeoutMs: TAKEOVER_CALL_TIMEOUT_MS };
  },
  format: (result) => formatDone(result, 'ipreallocate'),
};

// `floatip reloadips`: re-read public_addresses; only what changed moves.

import { expectPositionals } from '../args';
import { ControlCommandSpec, TAKEOVER_CALL_TIMEOUT_MS } from '../control-command';
import { formatDone } from '../format/done';

export const reloadipsSpec: ControlCommandSpec<'reloadips'> = {
  name: 'reloadips',
  summary: 're-read public_addresses on this node; only what changed moves',
  usage: `usage: floatip reloadips [--json]

Re-reads this node's public_addresses file. New addresses are placed, removed ones are released,
and addresses whose line did not change stay where they are. A file with errors changes nothing
and the errors are shown.`,
  request(parsed) {
    expectPositionals(parsed, 0, 0, '');
    return { command: 'reloadips', args: {}, timeoutMs: TAKEOVER_CALL_TIMEOUT_MS };
  },
  format: (result) => formatDone(result, 'reloadips'),
};

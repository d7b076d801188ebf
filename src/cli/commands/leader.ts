// `floatip leader`: the node that drives takeover runs, as this node sees it (like `ctdb leader`).

import { LeaderResult } from '../../protocol/control-results';
import { expectPositionals } from '../args';
import { ControlCommandSpec } from '../control-command';
import { expectRecord } from '../format/shape';

export const leaderSpec: ControlCommandSpec<'leader'> = {
  name: 'leader',
  summary: 'print the leader\'s node number',
  usage: `usage: floatip leader [--json]

Prints the node number of the leader this node follows, as CTDB does, so scripts can use it.
Exits 1 when this node follows no leader (its partition has no quorum).`,
  request(parsed) {
    expectPositionals(parsed, 0, 0, '');
    return { command: 'leader', args: {} };
  },
  format(result) {
    const leader = expectRecord<LeaderResult>(result, 'leader', ['leader', 'epoch']);
    if (leader.leader < 0) return { text: 'none: this node\'s partition has no quorum, so it follows no leader\n', exitCode: 1 };
    return `${leader.leader}\n`;
  },
};

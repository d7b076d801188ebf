// `floatip history [-l N]`: the cluster's last takeover runs, whoever led them, with per-phase timings.

import { TakeoverRunRecord } from '../../protocol/control-results';
import { expectPositionals, parseWholeNumber } from '../args';
import { ControlCommandSpec } from '../control-command';
import { formatHistory } from '../format/history';
import { expectList } from '../format/shape';

export const historySpec: ControlCommandSpec<'history'> = {
  name: 'history',
  summary: 'show the cluster\'s last takeover runs with per-phase timings',
  usage: `usage: floatip history [-l N] [--json]

Shows the cluster's last takeover runs, whoever led them, newest first (every node keeps the
same runs, and keeps them when the leader changes): epoch, leader, start, outcome, addresses
moved, and how long allocate, release, take and ipreallocated took (ms), with the event-loop
delay p99 measured during the run.
  -l, --limit N   only the newest N runs (default: all the daemon keeps)`,
  options: [{ name: '--limit', alias: '-l', takesValue: true, valueName: 'N' }],
  request(parsed) {
    expectPositionals(parsed, 0, 0, '');
    const limit = parsed.values.get('--limit');
    return { command: 'history', args: limit === undefined ? {} : { limit: parseWholeNumber(limit, '--limit', 1, 100_000) } };
  },
  format: (result) => formatHistory(expectList<TakeoverRunRecord>(result, 'history',
    ['epoch', 'leader', 'startedAt', 'reason', 'status', 'error', 'moves', 'phases', 'loopDelayP99Ms'])),
};

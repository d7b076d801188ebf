// Human text for `floatip history`: the last takeover runs with their per-phase timings.

import { TakeoverRunRecord } from '../../protocol/control-results';
import { formatTime } from './events';
import { formatTable, millis } from '../../client/format/table';

const HEADER = ['EPOCH', 'LEADER', 'STARTED', 'STATUS', 'MOVES', 'ALLOC', 'RELEASE', 'TAKE', 'IPREALLOC', 'TOTAL', 'LOOP P99', 'REASON'];
const ALIGN = ['right', 'right', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'] as const;

/** In the daemon's order, newest first; times are ms; the error of a failed run follows on its own line. */
export function formatHistory(runs: readonly TakeoverRunRecord[]): string {
  if (runs.length === 0) return 'No takeover run known to this node (since the cluster formed)\n';
  const rows = runs.map((r) => [
    String(r.epoch), String(r.leader), formatTime(r.startedAt), r.status, String(r.moves),
    millis(r.phases.allocate), millis(r.phases.release), millis(r.phases.take), millis(r.phases.ipreallocated),
    millis(r.phases.total), r.loopDelayP99Ms === null ? '-' : millis(r.loopDelayP99Ms), r.reason,
  ]);
  const table = formatTable([HEADER, ...rows], ALIGN);
  const lines = [table[0]];
  runs.forEach((run, i) => {
    lines.push(table[i + 1]);
    if (run.error) lines.push(`  error: ${run.error}`);
  });
  return `${lines.join('\n')}\n(times in ms; LOOP P99 is the event-loop delay during the run)\n`;
}

// How the runtime logs a membership change: one short line at info, the address lists only at debug.
//
// A peer that takes 1000 addresses changes its `hosted` list in one heartbeat; the
// whole list in one info line is a 20-kilobyte JSON write on the main loop at the
// moment a failover needs it most (issue 17: one line listed all 333 addresses).
// Counts say enough for an operator; the lists are at debug for whoever needs them.
//
// A peer's reported partition is at debug too. When one node comes or goes, every other
// member's report changes: N - 1 lines on each node, each listing up to N nodes, so a rolling
// restart of 32 nodes wrote ~2000 such lines per node, and a 32-node lab on 2 cores, whose
// membership never settled, ~40,000 in 10 minutes on one node, four lines in five of its log
// (2026-12-07). What an operator acts on stays at info: the peers' flags (connected, healthy)
// and, when members disagree, the takeover run held with who sees and reports what (run-gate.ts).

import { describeChange, MembershipChange } from '../../core/membership';
import { Logger } from './logger';

/** Logs `change` (see the header); this node's own hosting changes are not logged here (hosting.ts logs them). */
export function logChange(log: Logger, change: MembershipChange): void {
  if (change.kind === 'partition') {
    log.debug({ change: change.kind, node: change.pnn }, describeChange(change));
    return;
  }
  if (change.kind !== 'hosted') {
    log.info({ change: change.kind, node: change.pnn }, describeChange(change));
    return;
  }
  const { pnn, added, removed } = change;
  log.info({ change: change.kind, node: pnn, added: added.length, removed: removed.length },
    `node ${pnn}: hosts ${added.length} more, ${removed.length} fewer address(es)`);
  log.debug({ change: change.kind, node: pnn }, describeChange(change));
}

/** At most `limit` items of a list for a log field, and how many were left out: a bounded line whatever the list's size. */
export function boundedList<T>(items: readonly T[], limit = 8): { readonly first: readonly T[]; readonly more: number } {
  return { first: items.slice(0, limit), more: Math.max(0, items.length - limit) };
}

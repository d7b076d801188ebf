// What calls for a takeover run on the leader, and why: a view change (one row per kind), or a run that left the cluster unsettled.
//
// Pure over the view and the last run's placement (last-placement.ts); the leader asks for a
// run with the reason given, and whether it may start is the takeover gate's.

import { Pnn } from '../../core/flags';
import { MembershipChange, MembershipView } from '../../core/membership';
import { TakeoverRunRecord } from '../../protocol/control-results';
import { LastPlacement } from './last-placement';

type ChangeOf<K extends MembershipChange['kind']> = Extract<MembershipChange, { kind: K }>;
type Trigger<K extends MembershipChange['kind']> = (change: ChangeOf<K>, view: MembershipView, placement: LastPlacement) => string | undefined;

/** Per kind of change: the reason for a run, or undefined when the change needs none. */
const RUN_TRIGGERS: { readonly [K in MembershipChange['kind']]: Trigger<K> } = {
  flags: (change) => `node ${change.pnn} flags changed`,
  link: (change) => `node ${change.pnn} link ${change.iface} ${change.after ?? 'gone'}`,
  hosted: (change, view, placement) => {
    if (placement.drifted(view, change.pnn)) return `node ${change.pnn} holds addresses the last run did not give it`;
    const unserved = placement.unserved(view);
    if (change.removed.some((address) => unserved.includes(address))) return `node ${change.pnn} dropped an address the last run placed, and no node hosts it`;
    return undefined;
  },
  // Epochs follow runs; a partition report matters to the gate's agreement row, read when a run is due.
  epoch: () => undefined,
  partition: () => undefined,
};

/** Why `change` calls for a run, if it does. */
export function runTrigger(change: MembershipChange, view: MembershipView, placement: LastPlacement): string | undefined {
  return (RUN_TRIGGERS[change.kind] as Trigger<MembershipChange['kind']>)(change as never, view, placement);
}

/**
 * Why the cluster is not settled after an ok run, if it is not:
 *  - a node that reported, while the run went on (`hostedDuringRun`), an address this run gave
 *    to another node (it took it under an earlier leader, or its list reached us late) must give
 *    it up; no later view change would say so, and both would keep it;
 *  - an address the run placed is hosted nowhere (its node dropped it while the run went on):
 *    the next run places it again, at once. After a failed take the run failed, and its retry
 *    places the address elsewhere (failed-takes.ts).
 */
export function unsettledAfter(record: TakeoverRunRecord, view: MembershipView, hostedDuringRun: Iterable<Pnn>, placement: LastPlacement): string | undefined {
  if (record.status !== 'ok') return undefined;
  const misplaced = [...hostedDuringRun].find((pnn) => placement.misplaced(view, pnn));
  if (misplaced !== undefined) return `node ${misplaced} holds addresses the last run gave to another node`;
  const unserved = placement.unserved(view);
  if (unserved.length > 0) return `${unserved.length} address(es) hosted by no node after run ${record.epoch} (${unserved.slice(0, 3).join(', ')})`;
  return undefined;
}

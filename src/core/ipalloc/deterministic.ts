// Deterministic placement (CTDB's ipalloc_deterministic.c): address k goes to node k mod N unless
// a home node pins it; then addresses on nodes that cannot host them go to the node with fewest.

import { Pnn } from '../flags';
import { WorkingSet, allocateUnassignedByCount, setHolder, unassignUnsuitable } from './working-set';

/**
 * The current layout is ignored: the same set of healthy nodes always gives the same layout, so
 * an address returns to its "home" as soon as that node can host it again. NoIPFailback has no
 * meaning here (CTDB warns and ignores it); there is no failback step.
 */
export function allocateDeterministic(ws: WorkingSet, homeNodes?: ReadonlyMap<string, Pnn>): void {
  for (let k = 0; k < ws.count; k++) {
    const home = homeNodes?.get(ws.addresses[k].address.address.text);
    // A home node outside the cluster is ignored, as CTDB does.
    const pnn = home !== undefined && Number.isInteger(home) && home >= 0 && home < ws.nodeCount ? home : k % ws.nodeCount;
    setHolder(ws, k, pnn);
  }
  unassignUnsuitable(ws);
  allocateUnassignedByCount(ws);
}

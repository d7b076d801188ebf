// Non-deterministic placement (CTDB's ipalloc_nondeterministic.c): unassigned addresses go to the
// node with fewest addresses, then addresses move until every node's count is within one.

import { NO_NODE } from '../flags';
import {
  WorkingSet, allocateUnassignedByCount, canNodeTakeover, fewestAddressesNode, setHolder, unassignUnsuitable,
} from './working-set';

/**
 * CTDB's basic_failback. For each hosted address (in order) it looks at the nodes that could take
 * it; when the busiest of them holds two or more addresses than the idlest, the busiest node's
 * first address is handed to the node with fewest, and the scan starts again. The number of such
 * hand-overs is capped at (number of addresses + 5), as in CTDB, so it always ends.
 */
function evenOutCounts(ws: WorkingSet): void {
  const limit = ws.count + 5;
  let retries = 0;
  let again = true;
  while (again) {
    again = false;
    for (let i = 0; i < ws.count && !again; i++) {
      if (ws.holder[i] === NO_NODE) continue;
      let maxNode = NO_NODE;
      let maxCount = 0;
      let minNode = NO_NODE;
      let minCount = 0;
      for (let pnn = 0; pnn < ws.nodeCount; pnn++) {
        if (!canNodeTakeover(ws, pnn, i)) continue;
        const n = ws.held[pnn];
        if (maxNode === NO_NODE || n > maxCount) { maxNode = pnn; maxCount = n; }
        if (minNode === NO_NODE || n < minCount) { minNode = pnn; minCount = n; }
      }
      if (maxNode === NO_NODE || maxCount <= minCount + 1 || retries >= limit) continue;
      for (let j = 0; j < ws.count; j++) {
        if (ws.holder[j] !== maxNode) continue;
        const target = fewestAddressesNode(ws, j);
        if (target !== NO_NODE) setHolder(ws, j, target);
        retries++;
        again = true;
        break;
      }
    }
  }
}

export function allocateNonDeterministic(ws: WorkingSet, noIpFailback: boolean): void {
  unassignUnsuitable(ws);
  allocateUnassignedByCount(ws);
  if (!noIpFailback) evenOutCounts(ws);
}

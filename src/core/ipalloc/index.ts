// The allocator's one entry: `allocate(state)` picks the algorithm and returns the new layout.

import { AllocResult, AllocState } from './state';
import { makeWorkingSet, resultOf } from './working-set';
import { allocateLcp2 } from './lcp2';
import { allocateDeterministic } from './deterministic';
import { allocateNonDeterministic } from './nondeterministic';

export * from './state';
export { IpallocInputError } from './errors';
export { ipDistance, nodeImbalance, layoutImbalances } from './distance';

/**
 * Computes where every public address should live. Pure: the same state always gives the same
 * result, and the state is not modified. Throws IpallocInputError for an inconsistent state.
 */
export function allocate(state: AllocState): AllocResult {
  const ws = makeWorkingSet(state);
  switch (state.algorithm) {
    case 'lcp2':
      allocateLcp2(ws, state.tunables.noIpFailback, state.forceRebalance);
      break;
    case 'deterministic':
      allocateDeterministic(ws, state.homeNodes);
      break;
    case 'nondeterministic':
      allocateNonDeterministic(ws, state.tunables.noIpFailback);
      break;
  }
  return resultOf(ws);
}

// LCP2's forced rebalance targets (CTDB's force_rebalance_nodes), which case files cannot express.

import { ip } from '../../../../src/core/ip';
import { AllocState, DEFAULT_TUNABLES, allocate } from '../../../../src/core/ipalloc';

function twoNodes(forceRebalance?: number[]): AllocState {
  const layout: [string, number][] = [['192.0.2.1', 0], ['192.0.2.2', 0], ['198.51.100.1', 1]];
  return {
    algorithm: 'lcp2',
    tunables: DEFAULT_TUNABLES,
    nodes: [{ flags: 0, running: true }, { flags: 0, running: true }],
    addresses: layout.map(([text, holder]) => ({
      address: { address: ip(text), bits: 24, interfaces: [] }, known: [0, 1], available: [0, 1], holder,
    })),
    ...(forceRebalance ? { forceRebalance } : {}),
  };
}

describe('LCP2 forced rebalance targets', () => {
  it('leaves a node that already holds addresses out of failback', () => {
    // Node 1 holds 198.51.100.1, so it is no failback target: node 0 keeps both 192.0.2.x.
    expect([...allocate(twoNodes()).assignment]).toEqual([['198.51.100.1', 1], ['192.0.2.2', 0], ['192.0.2.1', 0]]);
  });

  it('lets a forced node receive: 192.0.2.2 costs node 1 10201 (101^2), less than its 15876 (126^2) on node 0', () => {
    // Node 0's imbalance is 15876; moving .2 leaves 0 and gives node 1 10201 (first of the tie with .1).
    expect([...allocate(twoNodes([1])).assignment]).toEqual([['198.51.100.1', 1], ['192.0.2.2', 1], ['192.0.2.1', 0]]);
  });

  it('ignores forced nodes outside the cluster', () => {
    expect([...allocate(twoNodes([7, -1])).assignment]).toEqual([...allocate(twoNodes()).assignment]);
  });
});

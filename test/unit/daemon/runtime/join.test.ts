// Join: every address hosted exactly once, balanced by LCP2, and all nodes agree on leader and epoch.

import { addressRange, TestCluster } from './harness/cluster';

describe('a cluster starting up', () => {
  it('hosts every address exactly once, two per node, with one leader', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(6) });
    const holders = await cluster.kernelHolders();
    expect([...holders.keys()].sort()).toEqual(addressRange(6).map((a) => a.split('/')[0]).sort());
    expect([...holders.values()].every((h) => h.length === 1)).toBe(true);
    expect(await cluster.counts()).toEqual([2, 2, 2]);
    const statuses = cluster.nodes.map((n) => n.runtime.api.status());
    expect(statuses.map((s) => s.leader)).toEqual([0, 0, 0]);
    expect(new Set(statuses.map((s) => s.epoch)).size).toBe(1);
    expect(cluster.violations).toEqual([]);
  });
});

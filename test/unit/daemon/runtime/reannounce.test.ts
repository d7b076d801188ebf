// Announcing every hosted address again when a partition heals or quorum comes back: the rule table, then a 2|1 split that heals.

import { addressRange, TestCluster } from './harness/cluster';
import { play } from './harness/scenario';
import { PartitionMoment, reannounceReason } from '../../../../src/daemon/runtime/reannounce';

describe('reannounceReason', () => {
  const at = (quorate: boolean, members: number[]): PartitionMoment => ({ quorate, members });
  it.each<[string, PartitionMoment, PartitionMoment, number[], string | undefined]>([
    // [case, before, after, peers seen in the partition before, reason]
    ['the cluster forms: peers never seen before', at(false, [0]), at(true, [0, 1, 2]), [], 'quorum regained'],
    ['first peers join a quorate node (lock): nothing to mend', at(true, [0]), at(true, [0, 1]), [], undefined],
    ['a split heals: node 2 is back', at(true, [0, 1]), at(true, [0, 1, 2]), [1, 2], 'node 2 back in the partition'],
    ['two come back at once', at(true, [0]), at(true, [0, 1, 2]), [1, 2], 'nodes 1,2 back in the partition'],
    ['the minority regains quorum', at(false, [2]), at(true, [0, 1, 2]), [0, 1], 'quorum regained'],
    ['a node leaves', at(true, [0, 1, 2]), at(true, [0, 1]), [1, 2], undefined],
    ['nothing changed', at(true, [0, 1]), at(true, [0, 1]), [1], undefined],
  ])('%s', (_case, before, after, known, reason) => {
    expect(reannounceReason(before, after, new Set(known))).toBe(reason);
  });
});

describe('after a split heals', () => {
  const SIX = { nodes: 3, addresses: addressRange(6) };

  it('the majority announces every address it kept through the split again; forming the cluster announced nothing again', async () => {
    const cluster = await TestCluster.start(SIX);
    expect(cluster.nodes.map((n) => n.runtime.reannouncer.rounds)).toEqual([0, 0, 0]);
    await play(cluster, ['partition 0,1|2', 'advance 1300', 'expect counts 3 3 0']);
    const keptBy = [0, 1].map((pnn) => cluster.node(pnn).runtime.hosting.list().map((h) => h.address.text).sort());
    const announcedBefore = cluster.nodes.map((n) => n.announcer.announced.length);
    await play(cluster, ['heal', 'advance 1000', 'expect counts 2 2 2', 'expect exclusive']);
    for (const pnn of [0, 1]) {
      const again = cluster.node(pnn).announcer.announced.slice(announcedBefore[pnn]).map((a) => a.address.text);
      expect([...new Set(again)].sort()).toEqual(keptBy[pnn]);
      expect(cluster.node(pnn).runtime.reannouncer.rounds).toBe(1);
    }
    expect(cluster.log.some((line) => /node 2 back in the partition: announcing the 3 hosted address\(es\) again/.test(line.message))).toBe(true);
  });
});

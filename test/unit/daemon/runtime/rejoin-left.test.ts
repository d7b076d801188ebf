// After quorum comes back, nodes that left on purpose do not hold the next run (the takeover gate's rejoin row, issue 13).
//
// The rejoin row waits up to dead_after for peers not heard since quorum came back; a node
// that left on purpose is never heard again until it restarts, so without the away-for-good
// rule every such run waited the whole dead_after.

import { addressRange, TestCluster, TIMING } from './harness/cluster';
import { play } from './harness/scenario';
import { DEFAULT_VOTE_SETTINGS } from '../../../../src/core/votes';

const FOUR = { nodes: 4, addresses: addressRange(8) };

/** Clock time from `since` to the first moment node `pnn` held at least `count` addresses. */
function timeToHost(cluster: TestCluster, pnn: number, count: number, since: number): number | undefined {
  const at = cluster.firstMoment(since, (held) => [...held.values()].filter((pnns) => pnns.includes(pnn)).length >= count);
  return at === undefined ? undefined : at - since;
}

describe('rejoin with nodes gone on purpose', () => {
  it('node 0 restarted while 2 and 3 are stopped on purpose hosts its share without waiting dead_after for them', async () => {
    const cluster = await TestCluster.start(FOUR);
    await play(cluster, ['shutdown 2,3', 'advance 100', 'shutdown 0', 'advance 100', 'expect counts 0 8 0 0']);
    const restartedAt = cluster.clock.now();
    await cluster.restart(0);
    await play(cluster, [`advance ${2 * TIMING.deadAfterMs}`, 'expect quorum 0,1 yes majority', 'expect counts 4 4 0 0', 'expect exclusive']);
    expect(timeToHost(cluster, 0, 4, restartedAt)).toBeLessThan(TIMING.deadAfterMs / 2);
  });

  it('node 0 back from a partition while 3 is stopped on purpose takes its share without waiting dead_after for 3', async () => {
    const cluster = await TestCluster.start(FOUR);
    await play(cluster, [
      'shutdown 3', 'advance 100',
      'partition 0|1,2', 'advance 2000', 'expect quorum 1,2 yes majority', 'expect counts 0 4 4 0',
    ]);
    const healedAt = cluster.clock.now();
    await play(cluster, ['heal', `advance ${2 * TIMING.deadAfterMs}`, 'expect quorum 0,1,2 yes majority', 'expect exclusive']);
    expect((await cluster.counts()).map((n) => Math.min(n, 2))).toEqual([2, 2, 2, 0]); // 8 addresses on 3 nodes: 3,3,2 in some order
    expect(timeToHost(cluster, 0, 2, healedAt)).toBeLessThan(TIMING.deadAfterMs / 2);
  });

  it('node 0 restarted after node 3 failed and was dropped: it records 3 as left (the wire cannot tell) and decides as its peers', async () => {
    const cluster = await TestCluster.start(FOUR);
    await play(cluster, ['kill 3', `advance ${DEFAULT_VOTE_SETTINGS.lastManStandingWindowMs + 2000}`, 'expect quorum 0,1,2 yes last-man-standing',
      'shutdown 0', 'advance 100']);
    const restartedAt = cluster.clock.now();
    await cluster.restart(0);
    await play(cluster, [`advance ${2 * TIMING.deadAfterMs}`, 'expect quorum 0 yes majority', 'expect quorum 1,2 yes last-man-standing', 'expect exclusive']);
    expect(cluster.node(0).runtime.api.status().votes).toMatchObject({ expected: 3, present: 3, left: [3], dropped: [] });
    expect(cluster.node(1).runtime.api.status().votes).toMatchObject({ expected: 3, present: 3, left: [], dropped: [3] });
    expect((await cluster.counts()).map((n) => Math.min(n, 2))).toEqual([2, 2, 2, 0]);
    expect(timeToHost(cluster, 0, 2, restartedAt)).toBeLessThan(TIMING.deadAfterMs / 2);
  });
});

// wait-ok's readiness over the in-memory cluster: a restarted node is ready only once it holds the share its first run gave it.

import { addressRange, TestCluster, TIMING } from './harness/cluster';

const readiness = (cluster: TestCluster, pnn: number) => cluster.node(pnn).runtime.api.status().readiness;

describe('readiness (floatip wait-ok)', () => {
  it('says ready on every node of a settled cluster', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(6) });
    await cluster.clock.advance(2 * TIMING.heartbeatIntervalMs);
    expect([0, 1, 2].map((pnn) => readiness(cluster, pnn)?.ready)).toEqual([true, true, true]);
  });

  it('holds a restarted node back until it hosts its share: never ready while it holds none', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(6) });
    await cluster.kill(2);
    await cluster.until('the others host all six', () => cluster.nodes[0].runtime.api.status().nodes[2].flags.includes('DISCONNECTED'), 5000);
    await cluster.clock.advance(3000);
    expect(await cluster.counts()).toEqual([3, 3, 0]);

    await cluster.restart(2);
    const seen = new Set<string>();
    await cluster.until('node 2 ready', () => {
      const r = readiness(cluster, 2);
      if (r) seen.add(r.rule);
      return r?.ready === true;
    }, 5000, 5);
    // `until` returns at the step the predicate held: the kernels as they were when it said ready.
    expect(await cluster.counts()).toEqual([2, 2, 2]);
    // It was held back by a rule before (the run that gives its share, and the settle after it).
    expect([...seen].some((rule) => ['flags', 'run', 'newer-run', 'settle'].includes(rule))).toBe(true);
    expect(cluster.violations).toEqual([]);
  });

  it('names the flag of an UNHEALTHY node and the missing quorum of a cut-off one', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(3) });
    cluster.node(1).events.answer('monitor', 'ERROR');
    await cluster.node(1).health.check();
    await cluster.clock.advance(50);
    expect(readiness(cluster, 1)).toMatchObject({ ready: false, rule: 'flags', reason: 'this node is UNHEALTHY' });

    cluster.network.cut(0, 2);
    cluster.network.cut(1, 2);
    await cluster.clock.advance(TIMING.deadAfterMs + TIMING.heartbeatIntervalMs);
    expect(readiness(cluster, 2)).toMatchObject({ ready: false, rule: 'quorum', reason: 'its partition (node 2) has no quorum' });
  });
});

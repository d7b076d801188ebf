// wait-ok's readiness over the in-memory cluster: a restarted node is ready only once it holds the share its first run gave it.

import { addressRange, TestCluster, TIMING } from './harness/cluster';

const readiness = (cluster: TestCluster, pnn: number) => cluster.node(pnn).runtime.api.status().readiness;

describe('readiness (floatip wait-ok)', () => {
  it('says ready on every node of a settled cluster', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(6) });
    await cluster.clock.advance(2 * TIMING.heartbeatIntervalMs);
    expect([0, 1, 2].map((pnn) => readiness(cluster, pnn)?.ready)).toEqual([true, true, true]);
  });

  it.each([
    ['', false],
    [', also from a leader that sends no RUN-COUNTED (an older release)', true],
  ])('holds a restarted node back until it hosts its share: never ready while it holds none%s', async (_name, olderLeader) => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(6) });
    if (olderLeader) cluster.network.drop((_from, _to, message) => message.kind === 'run-counted');
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

describe('readiness of a node that turns OK in the middle of a run (each run tells it whether it counted it)', () => {
  /** Node 2 UNHEALTHY and holding nothing; the leader, node 0, still running. */
  async function withNode2Unhealthy(nodes: number): Promise<TestCluster> {
    const cluster = await TestCluster.start({ nodes, addresses: addressRange(2 * nodes) });
    cluster.node(2).events.answer('monitor', 'ERROR');
    await cluster.node(2).health.check();
    await cluster.until('node 2 gave its addresses up', () => cluster.node(2).runtime.hosting.list().length === 0, 5000);
    return cluster;
  }

  /** A `behave` for an event that waits until the returned function is called. */
  function holding(): { behaviour: () => Promise<'OK'>; letGo: () => void } {
    let letGo = (): void => undefined;
    const held = new Promise<void>((resolve) => { letGo = resolve; });
    return { behaviour: async () => { await held; return 'OK'; }, letGo };
  }

  it('is ready after the run that counted it, although it knew that run\'s epoch before it turned OK', async () => {
    const cluster = await withNode2Unhealthy(4);
    const [node1, node2, node3] = [cluster.node(1), cluster.node(2), cluster.node(3)];
    // Node 1 leads once node 0 dies, and its first run has every peer confirm its list before it
    // reads the view. Node 3 confirms late: the order waits behind a hung `ipreallocated` there.
    const hung = holding();
    node3.events.behave('ipreallocated', hung.behaviour);
    cluster.node(0).runtime.leader.requestRun('a run whose ipreallocated hangs on node 3');
    await cluster.until('node 3 runs ipreallocated', () => node3.events.count('ipreallocated') > 0, 5000);
    // Node 2 turns healthy right after it confirmed: it knows the run's epoch before it is OK.
    let epoch: number | undefined;
    cluster.network.drop((from, to, message) => {
      if (from === 2 && to === 1 && message.kind === 'release-ack' && epoch === undefined) {
        epoch = message.epoch;
        void node2.health.check();
      }
      return false;
    });
    await cluster.kill(0);
    await cluster.until('node 1 hears node 2 OK', () => node1.runtime.api.status().nodes[2].flags === 'OK', 900, 5);
    node3.events.behave('ipreallocated', undefined);
    hung.letGo();

    // The run counted node 2 and gave it its share; no other run follows in a stable cluster.
    await cluster.until('node 2 ready', () => readiness(cluster, 2)?.ready === true, 5000, 5);
    expect(readiness(cluster, 2)?.reason).toBe(`OK, quorate, hosting what run ${epoch} gave it`);
    expect(node1.runtime.api.leader().epoch).toBe(epoch);
    expect(await cluster.counts()).toEqual([0, 2, 3, 3]);
    expect(cluster.violations).toEqual([]);
  });

  it('is not ready after a run whose snapshot did not count it, whatever the time, until a run that does', async () => {
    const cluster = await withNode2Unhealthy(3);
    const [node1, node2] = [cluster.node(1), cluster.node(2)];
    // Node 1 leads once node 0 dies; node 2 turns healthy while node 1 takes node 0's addresses,
    // after its run read the view: that run finishes without counting node 2.
    const hung = holding();
    node1.events.behave('takeip', async () => {
      void node2.health.check();
      return hung.behaviour();
    });
    // Node 2's next words from node 1 wait once it answered the run's IPREALLOCATED, for longer than settleMs.
    let epoch: number | undefined;
    cluster.network.drop((from, to, message) => {
      if (from === 2 && to === 1 && message.kind === 'ipreallocated-ack' && epoch === undefined) {
        epoch = message.epoch;
        cluster.network.cut(1, 2, { oneWay: true, heal: 'resume' });
      }
      return false;
    });
    await cluster.kill(0);
    await cluster.until('node 1 hears node 2 OK', () => node1.runtime.api.status().nodes[2].flags === 'OK', 2000, 5);
    node1.events.behave('takeip', undefined);
    hung.letGo();
    await cluster.until('node 2 finished the run', () => epoch !== undefined, 2000, 5);

    const seen = new Set<string>();
    for (let waited = 0; waited <= 3 * TIMING.heartbeatIntervalMs; waited += 10) {
      const r = readiness(cluster, 2);
      seen.add(`${r?.rule}: ${r?.reason}`);
      await cluster.clock.advance(10);
    }
    expect([...seen]).toEqual([
      `run: run ${epoch} did not count this node as able to host (its snapshot had this node flagged or without its address list): its share comes with a run that does`,
    ]);

    cluster.network.heal();
    await cluster.until('node 2 ready', () => readiness(cluster, 2)?.ready === true, 5000, 5);
    expect(readiness(cluster, 2)?.reason).toMatch(new RegExp(`hosting what run ${epoch! + 1} gave it`));
    expect(await cluster.counts()).toEqual([0, 3, 3]);
    expect(cluster.violations).toEqual([]);
  });
});

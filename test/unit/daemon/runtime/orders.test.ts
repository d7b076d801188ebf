// Orders and frames that must not change state: stale epochs, non-leaders, forged senders, rejected frames.

import { ip } from '../../../../src/core/ip';
import { addressRange, TestCluster } from './harness/cluster';
import { play } from './harness/scenario';

const SIX = { nodes: 3, addresses: addressRange(6) };

async function started(): Promise<TestCluster> {
  return TestCluster.start(SIX);
}

describe('orders from the wrong sender or epoch', () => {
  it('ignores a TAKE of a stale epoch from the real leader, and counts it', async () => {
    const cluster = await started();
    const epoch = cluster.node(1).runtime.api.leader().epoch;
    const before = await cluster.kernelHolders();
    const victim = [...before].find(([, h]) => h[0] !== 1)![0];
    cluster.network.endpoint(0)!.send(1, { kind: 'take', epoch: epoch - 1, leader: 0, takes: [{ address: ip(victim), bits: 24, iface: 'eth0' }] });
    await cluster.clock.advance(50);
    expect(await cluster.kernelHolders()).toEqual(before);
    expect(cluster.node(1).runtime.stats().staleOrders).toBe(1);
    expect(cluster.log.some((l) => l.fields.pnn === 1 && /stale epoch/.test(l.message))).toBe(true);
  });

  it('ignores RELEASE and TAKE from a node that is not the leader, even with a newer epoch', async () => {
    const cluster = await started();
    const epoch = cluster.node(1).runtime.api.leader().epoch;
    const before = await cluster.kernelHolders();
    const mine = [...before].filter(([, h]) => h[0] === 1).map(([a]) => ip(a));
    const endpoint = cluster.network.endpoint(2)!;
    endpoint.send(1, { kind: 'release', epoch: epoch + 5, leader: 2, addresses: mine });
    endpoint.send(1, { kind: 'take', epoch: epoch + 5, leader: 2, takes: [{ address: ip('192.0.2.77'), bits: 24, iface: 'eth0' }] });
    await cluster.clock.advance(50);
    expect(await cluster.kernelHolders()).toEqual(before);
    expect(cluster.node(1).runtime.stats().ordersNotFromLeader).toBe(2);
    expect(cluster.node(1).runtime.api.leader().epoch).toBe(epoch);
  });

  it('ignores an order whose leader field names the leader but comes from another node', async () => {
    const cluster = await started();
    const epoch = cluster.node(1).runtime.api.leader().epoch;
    const before = await cluster.kernelHolders();
    cluster.network.endpoint(2)!.send(1, { kind: 'release', epoch, leader: 0, addresses: [...before.keys()].map((a) => ip(a)) });
    await cluster.clock.advance(50);
    expect(await cluster.kernelHolders()).toEqual(before);
    expect(cluster.node(1).runtime.stats().ordersNotFromLeader).toBe(1);
  });

  it('ignores a RUN-COUNTED from a node that is not the leader, even between the leader\'s own and its IPREALLOCATED', async () => {
    const cluster = await started();
    // Node 2 slips "you were not counted" in right behind the leader's RUN-COUNTED to node 1 (a
    // filter runs before the message it sees is queued: this one goes just before the IPREALLOCATED).
    let forged = 0;
    cluster.network.drop((from, to, message) => {
      if (from === 0 && to === 1 && message.kind === 'ipreallocated' && forged++ === 0) {
        cluster.network.endpoint(2)!.send(1, { kind: 'run-counted', epoch: message.epoch, leader: 0, counted: false });
      }
      return false;
    });
    cluster.node(0).runtime.leader.requestRun('a test asks');
    await cluster.until('node 1 ready after the run', () => forged > 0 && cluster.node(1).runtime.api.status().readiness?.ready === true, 2000);
    expect(cluster.node(1).runtime.api.status().readiness?.reason).toMatch(/hosting what run \d+ gave it/);
    expect(cluster.node(1).runtime.stats().ordersNotFromLeader).toBe(1);
  });

  it('ignores a heartbeat or LEAVING claiming to be another node', async () => {
    const cluster = await started();
    cluster.network.endpoint(2)!.send(1, { kind: 'leaving', pnn: 0, reason: 'shutdown' });
    const beat = cluster.node(2).runtime.heartbeats.message();
    cluster.network.endpoint(2)!.send(1, { ...beat, pnn: 0, flags: 0x04, heard: beat.heard.filter((entry) => entry.pnn !== 0) });
    await cluster.clock.advance(50);
    expect(cluster.node(1).runtime.stats().forgedMessages).toBe(2);
    await play(cluster, ['expect flags 0 OK', 'expect leader 0', 'expect counts 2 2 2']);
  });
});

describe('rejected frames', () => {
  it('are logged and counted and change nothing', async () => {
    const cluster = await started();
    const before = await cluster.kernelHolders();
    for (let i = 0; i < 5; i++) {
      cluster.network.injectRejected(1, { pnn: 2, remote: '198.51.100.3:4390', code: 'E_FRAME_MAC', detail: 'bad MAC: frame dropped' });
    }
    await cluster.clock.advance(500);
    expect(cluster.node(1).runtime.stats().rejectedFrames).toBe(5);
    expect(cluster.log.filter((l) => l.fields.pnn === 1 && l.fields.code === 'E_FRAME_MAC')).toHaveLength(5);
    expect(await cluster.kernelHolders()).toEqual(before);
    await play(cluster, ['expect flags 2 OK', 'expect leader 0']);
  });
});

describe('a lost order', () => {
  it('fails the run at its deadline, charges the silent node and retries', async () => {
    const cluster = await started();
    // Node 1 is alive (heartbeats flow) but its TAKE orders are lost once.
    let dropped = 0;
    const stopDropping = cluster.network.drop((_from, to, message) => to === 1 && message.kind === 'take' && dropped++ === 0);
    await play(cluster, ['kill 2', 'advance 3500']);
    stopDropping();
    // The address whose TAKE was lost goes to node 0: a failed take keeps it off node 1 for ban.grace_period (failed-takes.ts).
    await play(cluster, ['advance 500', 'expect counts 4 2 0', 'expect exclusive']);
    const runs = cluster.node(0).runtime.api.history(undefined);
    const failed = runs.find((r) => r.status === 'failed');
    expect(failed?.error).toMatch(/node 1 did not acknowledge TAKE/);
    expect(runs[0].status).toBe('ok');
  });
});

describe('an order that overtakes the news of its leader', () => {
  it('a new leader\'s confirmation reaching a node before it knows the old leader stopped is obeyed once it knows, not left to the run deadline', async () => {
    const cluster = await started();
    await play(cluster, ['expect leader 0']);
    // Node 2 hears nothing from node 0 for a while: it learns that node 0 stopped only after
    // node 1 (which did learn it) has become leader and sent its first run's confirmation.
    const stopDropping = cluster.network.drop((from, to) => from === 0 && to === 2);
    await play(cluster, ['on 0: stop 0', 'advance 100']);
    expect(cluster.log.some((l) => l.fields.pnn === 2 && /ignored release from node 1: it is not our leader/.test(l.message))).toBe(true);
    stopDropping();
    await play(cluster, ['advance 1500', 'expect leader 1', 'expect counts 0 3 3', 'expect exclusive']);
    const firstRun = cluster.node(1).runtime.api.history(undefined).find((r) => r.reason === 'became leader');
    expect(firstRun?.status).toBe('ok');
  });
});

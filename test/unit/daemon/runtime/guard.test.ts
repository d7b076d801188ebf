// A node without a live guardian: it hands its addresses over in order, takes nothing, deletes what the leader leaves, and comes back.

import { ip } from '../../../../src/core/ip';
import { addressRange, TestCluster } from './harness/cluster';
import { play } from './harness/scenario';

const SIX = { nodes: 3, addresses: addressRange(6) };

describe('unguarded node', () => {
  it('reports itself UNHEALTHY, so the leader moves its addresses away without overlap, and gives them back once guarded', async () => {
    const cluster = await TestCluster.start(SIX);
    await play(cluster, [
      'expect counts 2 2 2',
      'guardian 1 lost',
      'advance 50',
      'expect flags 1 UNHEALTHY',
      'expect counts 3 0 3',
      'expect exclusive',
      'guardian 1 ready',
      'advance 50',
      'expect flags 1 OK',
      'expect counts 2 2 2',
      'expect exclusive',
    ]);
    const status = cluster.node(1).runtime.api.status();
    expect(status.guardian).toEqual({ guarded: true });
    expect(cluster.node(1).runtime.guard.stats).toEqual({ losses: 1, selfReleases: 0 });
  });

  it('tells `floatip status` why it is unguarded', async () => {
    const cluster = await TestCluster.start(SIX);
    await play(cluster, ['guardian 2 lost', 'advance 30']);
    expect(cluster.node(2).runtime.api.status().guardian).toEqual({ guarded: false, reason: 'the guardian stopped answering (test)', forMs: 30 });
  });

  it('deletes its addresses itself fence_after after the loss when no run moves them (the leader waits for a crashed node)', async () => {
    const cluster = await TestCluster.start({ ...SIX, init: { crashGraceMs: 5000 } });
    await play(cluster, [
      'kill 2', // runs wait up to 5 s for node 2's guardian
      'advance 10',
      'guardian 1 lost',
      'advance 650',
      'expect counts 2 2 0',
      'advance 100', // fence_after (700 ms) after the loss
      'expect counts 2 0 0',
      'expect flags 1 UNHEALTHY',
    ]);
    expect(cluster.node(1).runtime.guard.stats.selfReleases).toBe(1);
  });

  it('deletes them at the deadline even while a hung takeip holds its address queue', async () => {
    const cluster = await TestCluster.start({ ...SIX, init: { crashGraceMs: 5000 } });
    const node = cluster.node(1);
    const scripts = cluster.clock.forOwner('scripts');
    node.events.behave('takeip', () => new Promise((resolve) => { scripts.schedule(3000, () => resolve('OK')); }));
    const fromNode0 = [...(await cluster.kernelHolders())].find(([, holders]) => holders[0] === 0)![0];
    void cluster.node(0).runtime.api.moveIp(ip(fromNode0), 1).catch(() => undefined);
    await play(cluster, [
      'advance 50', // node 1 took it; its takeip hangs for 3 s, and so does every order queued behind it
      'expect counts 1 3 2',
      'kill 2',
      'guardian 1 lost',
      'advance 760', // fence_after (700 ms) after the loss
      'expect counts 1 0 0',
    ]);
    expect(node.runtime.guard.stats.selfReleases).toBe(1);
  });

  it('does not put back an address deleted while it is unguarded (its own guardian may have fenced it): the leader moves it', async () => {
    const cluster = await TestCluster.start(SIX);
    const node = cluster.node(1);
    const held = (await node.netlink.listAddresses()).filter((a) => a.owned);
    expect(held.length).toBe(2);
    const added: string[] = [];
    node.netlink.subscribe((event) => { if (event.kind === 'address-added') added.push(event.address.address.text); });
    // As on a loaded node (6-node soak, issue 13): the guardian fenced a stall and went silent, and
    // the daemon learns of both; what the guardian deleted must stay deleted, the peers take it.
    node.runtime.setUnguarded('the guardian stopped answering (test)');
    for (const a of held) node.netlink.externalDelete(a.interface, a.address, a.bits);
    await node.runtime.reconciler.check();
    await play(cluster, ['advance 50', 'expect flags 1 UNHEALTHY', 'expect counts 3 0 3', 'expect exclusive']);
    expect(added).toEqual([]);
    expect(node.runtime.reconciler.stats).toMatchObject({ restored: 0, notRestored: 2 });
    // Guarded again, the node hosts its share as before.
    await play(cluster, ['guardian 1 ready', 'advance 50', 'expect counts 2 2 2', 'expect exclusive']);
  });

  it('a monitor that passes while unguarded does not make the node healthy', async () => {
    const cluster = await TestCluster.start(SIX);
    await play(cluster, ['guardian 1 lost', 'monitor 1 pass', 'advance 50', 'expect flags 1 UNHEALTHY', 'expect counts 3 0 3']);
  });

  it('refuses a TAKE the leader sent before it heard of the loss', async () => {
    const cluster = await TestCluster.start(SIX);
    const epoch = cluster.node(1).runtime.api.leader().epoch;
    const acks: string[] = [];
    cluster.network.endpoint(0)!.subscribe((event) => {
      if (event.kind !== 'message' || event.from !== 1 || event.message.kind !== 'take-ack') return;
      for (const result of event.message.results) acks.push(`${result.address.text} ${result.status}: ${result.error}`);
    });
    cluster.node(1).runtime.setUnguarded('the guardian ended (killed)');
    cluster.network.endpoint(0)!.send(1, { kind: 'take', epoch, leader: 0, takes: [{ address: ip('203.0.113.9'), bits: 24, iface: 'eth0' }] });
    await cluster.clock.advance(50);
    expect((await cluster.kernelHolders()).get('203.0.113.9')).toBeUndefined();
    expect(acks).toContainEqual(expect.stringMatching(/^203\.0\.113\.9 failed: .*no live guardian \(the guardian ended \(killed\)\)/));
  });
});

describe('a node whose first guardian is still starting (floatipd starts it beside the runtime)', () => {
  it('joins, is UNHEALTHY to its peers and takes nothing until the guardian is ready, then gets its share; no loss counted', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(6) });
    await cluster.kill(2);
    await cluster.clock.advance(3000);
    await cluster.restart(2, (node) => node.runtime.guardianStarting('the guardian is starting'));
    await cluster.clock.advance(2000);
    expect(cluster.node(0).runtime.api.status().nodes[2].flags).toBe('UNHEALTHY');
    expect(cluster.node(2).runtime.api.status().guardian).toMatchObject({ guarded: false, reason: 'the guardian is starting' });
    expect(await cluster.counts()).toEqual([3, 3, 0]);
    expect(cluster.node(2).runtime.guard.stats.losses).toBe(0);

    cluster.node(2).runtime.setUnguarded(undefined);
    await cluster.until('node 2 hosts its share', () => cluster.node(2).runtime.api.status().readiness?.ready === true, 3000);
    expect(await cluster.counts()).toEqual([2, 2, 2]);
    expect(cluster.violations).toEqual([]);
  });
});

// An interface of public_addresses that this node lacks: shown missing, never used, and the node keeps serving its other addresses.

import { addressRange, TestCluster } from './harness/cluster';
import { play } from './harness/scenario';

// Node 1 lists 192.0.2.1 only on fyx0, which it does not have, and 192.0.2.2 on fyx0 or eth0.
const NODE1 = ['192.0.2.1/24 fyx0', '192.0.2.2/24 fyx0,eth0', ...addressRange(6).slice(2)];

function holdersOf(cluster: TestCluster, address: string): number[][] {
  return cluster.timeline.map((entry) => [...(entry.held.get(address) ?? [])]);
}

describe('an interface that does not exist on a node', () => {
  it('is missing in ifaces; no address goes on it, the node hosts its share of the others, and it is used once it appears', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(6), lists: { 1: NODE1 } });
    const node1 = cluster.node(1);
    expect(node1.runtime.api.ifaces()).toEqual([
      { name: 'eth0', link: 'up', references: 5 }, { name: 'eth1', link: 'up', references: 4 }, { name: 'fyx0', link: 'missing', references: 2 },
    ]);
    await play(cluster, ['expect flags 1 OK', 'expect counts 2 2 2', 'expect exclusive']);
    // 192.0.2.1 cannot be hosted on node 1: the leader refuses to move it there.
    await play(cluster, ['on 0: moveip 192.0.2.1 1', 'advance 50', 'expect result E_FAILED']);
    expect(holdersOf(cluster, '192.0.2.1').flat()).not.toContain(1);
    const line2 = node1.runtime.api.ips(true).find((i) => i.address === '192.0.2.2');
    expect([line2?.configuredInterfaces, line2?.availableInterfaces]).toEqual([['fyx0', 'eth0'], ['eth0']]);

    // The bond comes up later: its link is read from the kernel event, the address may go there.
    node1.netlink.createLink('fyx0');
    await play(cluster, ['advance 50', 'on 0: moveip 192.0.2.1 1', 'advance 50', 'expect result ok', 'expect 192.0.2.1 on 1']);
    expect(node1.runtime.api.ifaces().find((i) => i.name === 'fyx0')).toEqual({ name: 'fyx0', link: 'up', references: 2 });
    expect((await node1.netlink.listAddresses('fyx0')).map((a) => a.address.text)).toEqual(['192.0.2.1']);

    // Deleted again: missing, and its address moves to a node that can host it.
    node1.netlink.removeLink('fyx0');
    await play(cluster, ['advance 1000', 'expect flags 1 OK', 'expect exclusive']);
    expect(node1.runtime.api.ifaces().find((i) => i.name === 'fyx0')).toEqual({ name: 'fyx0', link: 'missing', references: 2 });
    expect(cluster.timeline[cluster.timeline.length - 1].held.get('192.0.2.1')).toEqual([expect.any(Number)]);
    expect(cluster.timeline[cluster.timeline.length - 1].held.get('192.0.2.1')).not.toEqual([1]);
  });
});

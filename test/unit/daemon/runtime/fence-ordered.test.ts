// The fast path's fence order on the main thread (FenceGuard.ordered): the guardian removed every address, the runtime lets go of its records and never puts them back by itself.

import { TestCluster, addressRange } from './harness/cluster';
import { play } from './harness/scenario';

const SIX = { nodes: 3, addresses: addressRange(6) };

/** What the worker and the guardian do on node `pnn`: the kernel loses every floatip address, then the main thread hears the order. */
async function guardianFences(cluster: TestCluster, pnn: number): Promise<void> {
  const node = cluster.node(pnn);
  await node.netlink.removeOwnedAddresses();
  node.runtime.fenceOrdered('no quorum (test)');
  await cluster.clock.settle();
}

it('a spell the main thread never saw (its view stayed quorate): records released with releaseip, and the leader gives the share back', async () => {
  const cluster = await TestCluster.start(SIX);
  await play(cluster, ['expect counts 2 2 2']);
  const node = cluster.node(2);
  const before = node.events.count('releaseip');
  const fences = node.runtime.stats().fences; // the start counts one: no quorum until the peers are heard
  await guardianFences(cluster, 2);
  // Its own records let go at once (the reconcile would otherwise put the addresses back)...
  expect(node.runtime.hosting.size).toBe(0);
  // ...and the leader sees its heartbeat without them and places them again: on node 2, which is quorate.
  await play(cluster, ['advance 2000', 'expect counts 2 2 2', 'expect exclusive']);
  expect(node.events.count('releaseip') - before).toBe(2);
  expect(node.runtime.stats().fences - fences).toBe(1);
});

it('a real split: the order comes before the main thread\'s own fence; the majority takes the addresses once, no address on two nodes', async () => {
  const cluster = await TestCluster.start(SIX);
  await play(cluster, ['expect counts 2 2 2', 'partition 0,1|2']);
  const fences = cluster.node(2).runtime.stats().fences;
  await guardianFences(cluster, 2);
  expect(cluster.node(2).runtime.hosting.size).toBe(0);
  await play(cluster, ['advance 1500', 'expect counts 3 3 0', 'expect exclusive', 'heal', 'advance 3000', 'expect counts 2 2 2', 'expect exclusive']);
  // One fence for the spell: its quorate view from before the order did not lift the order's bar, so its own rule found it still fenced.
  expect(cluster.node(2).runtime.stats().fences - fences).toBe(1);
});

it('the order\'s bar lifts when the later of the peers\' first beats after it arrives', async () => {
  const cluster = await TestCluster.start(SIX);
  await play(cluster, ['expect counts 2 2 2', 'advance 1000']);
  const node = cluster.node(2);
  const lifted = (): number => cluster.log.filter((line) => line.message.startsWith('fence lifted') && line.fields.pnn === 2).length;
  const before = lifted();
  const orderedAt = cluster.clock.now();
  await guardianFences(cluster, 2);
  const firstHeard = new Map<number, number>();
  let liftedAt: number | undefined;
  while (liftedAt === undefined && cluster.clock.now() - orderedAt < 2000) {
    await cluster.clock.advance(1);
    for (const peer of [0, 1]) {
      if (!firstHeard.has(peer) && (node.runtime.state.view.nodes[peer].lastHeardAt ?? -Infinity) > orderedAt) firstHeard.set(peer, cluster.clock.now());
    }
    if (lifted() > before) liftedAt = cluster.clock.now();
  }
  expect(liftedAt).toBeDefined();
  expect(firstHeard.size).toBe(2);
  // Lifted when the later of the two peers' first beats arrived, not at a later hearing of quiet beats.
  expect(liftedAt).toBe(Math.max(...firstHeard.values()));
});

it('a guardian deleting while the main thread\'s own fence is letting go is no news: no warning per address, nothing put back', async () => {
  const cluster = await TestCluster.start(SIX);
  await play(cluster, ['expect counts 2 2 2']);
  const node = cluster.node(2);
  // The main thread fenced first (its bar is up, its release not done yet); then the guardian deletes.
  node.runtime.hosting.bar('fence');
  const warned = cluster.log.length;
  for (const held of node.runtime.hosting.list()) node.netlink.externalDelete(held.iface, held.address, held.bits);
  await cluster.clock.settle();
  expect(cluster.log.slice(warned).filter((line) => line.level === 'warn' && line.message.includes('deleted'))).toEqual([]);
  expect(cluster.log.slice(warned).filter((line) => line.level === 'debug' && line.message.includes('(fence): left deleted'))).toHaveLength(2);
  expect((await node.netlink.listAddresses()).filter((a) => a.owned)).toEqual([]);
  // The periodic check finds them missing too: one debug line, no warning per address.
  const checked = cluster.log.length;
  await node.runtime.reconciler.check();
  expect(cluster.log.slice(checked).filter((line) => line.level === 'warn')).toEqual([]);
  expect(cluster.log.slice(checked).filter((line) => line.message.startsWith('2 held address(es) missing from the kernel: not re-added (fence)'))).toHaveLength(1);
});

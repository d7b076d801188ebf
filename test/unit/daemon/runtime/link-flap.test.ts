// The fence counts only peers that hear this node: a one-way loss of our frames makes us let go before they take over.

import { addressRange, TestCluster, TIMING } from './harness/cluster';
import { play } from './harness/scenario';

const SIX = { nodes: 3, addresses: addressRange(6) };

describe('node 0 hears its peers but they no longer hear it', () => {
  it('node 0 releases its addresses within fence_after, before the others declare it dead at dead_after and take them', async () => {
    // The soak's link flap: node 0's own frames reach the others only after its TCP backoff,
    // while theirs reach node 0 at once. Node 0 keeps hearing a majority, so counting the
    // peers it hears would never fence it; their heartbeats say they stopped hearing it.
    const cluster = await TestCluster.start(SIX);
    await play(cluster, ['expect counts 2 2 2']);
    const t0 = cluster.clock.now();
    cluster.network.cut(0, 1, { oneWay: true });
    cluster.network.cut(0, 2, { oneWay: true });
    await play(cluster, ['advance 2000', 'expect counts 0 3 3', 'expect exclusive']);

    const released = cluster.firstMoment(t0, (held) => [...held.values()].every((holders) => !holders.includes(0)));
    expect(released).toBeDefined();
    expect(released! - t0).toBeLessThanOrEqual(TIMING.fenceAfterMs);
    // It released while it still heard a majority (only the fence uses the fact that they no
    // longer hear it); once they counted it gone at dead_after they reset their connections
    // to it, and through the cut no new one forms: it now hears nobody.
    expect(released! - t0).toBeLessThan(TIMING.deadAfterMs);
    expect(cluster.node(0).runtime.api.status()).toMatchObject({ quorate: false });

    cluster.network.heal();
    await play(cluster, ['advance 1500', 'expect counts 2 2 2', 'expect exclusive']);
  });
});

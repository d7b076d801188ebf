// Cluster-wide reloadnodes: appended lines join, commented-out lines leave, a differing file is refused everywhere, one run places the addresses.

import { nodeFlags } from '../../../../src/core/membership';
import { NodeFlag } from '../../../../src/core/flags';
import { ReloadNodesResult } from '../../../../src/protocol/control-results';
import { RuntimeNode } from '../../../../src/daemon/runtime/settings';
import { addressRange, finish, TestCluster } from './harness/cluster';

const ADDRESSES = addressRange(12);

function line(pnn: number, deleted = false): RuntimeNode {
  return deleted ? { pnn, address: null, deleted: true } : { pnn, address: `198.51.100.${pnn + 1}`, deleted: false };
}

function runs(cluster: TestCluster, leader: number): number {
  return cluster.node(leader).runtime.api.history(undefined).length;
}

/** Appends node N's line to the file every node reads, starts its daemon, and runs reloadnodes on `on`. */
async function grow(cluster: TestCluster, on: number): Promise<ReloadNodesResult> {
  cluster.nodesFile = [...cluster.nodesFile, line(cluster.nodes.length)];
  await cluster.addNode();
  return finish(cluster, cluster.node(on).runtime.api.reloadNodes());
}

describe('reloadnodes', () => {
  it('grows 3 -> 4 -> 5 and shrinks back to 3 without a restart: addresses balanced after each, never on two nodes', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: ADDRESSES });
    expect(await cluster.counts()).toEqual([4, 4, 4]);

    const runsBefore = runs(cluster, 0);
    const to4 = await grow(cluster, 1);
    expect(to4).toMatchObject({ ok: true, added: [3], removed: [], run: { status: 'ok' } });
    expect(to4.nodes.map((n) => [n.pnn, n.status])).toEqual([[0, 'ok'], [1, 'ok'], [2, 'ok']]);
    // Its daemon already runs: it connects before the run, and that one run gives it its share.
    expect(to4.run?.message).toMatch(/takeover run \d+ done in .* 3 address\(es\) moved/);
    await cluster.until('node 3 hosts its share', () => cluster.node(3).runtime.hosting.size === 3, 10_000);
    expect(await cluster.counts()).toEqual([3, 3, 3, 3]);
    await cluster.clock.advance(2000);
    expect(runs(cluster, 0) - runsBefore).toBe(1);
    for (const pnn of [0, 1, 2, 3]) expect(cluster.node(pnn).runtime.state.quorum()).toMatchObject({ quorate: true, configured: 4, members: [0, 1, 2, 3] });

    const to5 = await grow(cluster, 0);
    expect(to5).toMatchObject({ ok: true, added: [4] });
    await cluster.until('node 4 hosts addresses', () => cluster.node(4).runtime.hosting.size >= 2, 10_000);
    expect((await cluster.counts()).sort()).toEqual([2, 2, 2, 3, 3]);

    // Shrink: stop nodes 3 and 4 (their addresses move away), comment their lines out, reload.
    for (const pnn of [3, 4]) await finish(cluster, cluster.node(pnn).runtime.api.admin('stop', undefined));
    await cluster.until('nodes 3 and 4 hold nothing', () => cluster.node(3).runtime.hosting.size === 0 && cluster.node(4).runtime.hosting.size === 0, 10_000);
    cluster.nodesFile = [line(0), line(1), line(2), line(3, true), line(4, true)];
    for (const pnn of [3, 4]) cluster.nodesFileOf.set(pnn, cluster.nodesFile);
    const to3 = await finish(cluster, cluster.node(2).runtime.api.reloadNodes());
    expect(to3.nodes.map((n) => [n.pnn, n.status])).toEqual([0, 1, 2, 3, 4].map((pnn) => [pnn, 'ok']));
    expect(to3).toMatchObject({ ok: true, added: [], removed: [3, 4], run: { status: 'ok' } });
    await cluster.until('the survivors see 3 configured nodes', () => [0, 1, 2].every((pnn) => cluster.node(pnn).runtime.state.quorum().configured === 3), 5000);
    for (const pnn of [0, 1, 2]) {
      expect(cluster.node(pnn).runtime.state.view.nodes.slice(3).map((n) => nodeFlags(n) & NodeFlag.DELETED)).toEqual([NodeFlag.DELETED, NodeFlag.DELETED]);
      expect(cluster.node(pnn).runtime.state.quorum().members).toEqual([0, 1, 2]);
    }
    await cluster.clock.advance(2000);
    expect(await cluster.counts()).toEqual([4, 4, 4, 0, 0]);
    expect(cluster.network.endpoint(0)?.connected()).toEqual([1, 2]);
    expect(cluster.violations).toEqual([]);
  });

  it('a node whose file differs is named and nothing changes anywhere', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: ADDRESSES });
    cluster.nodesFile = [...cluster.nodesFile, line(3)];
    cluster.nodesFileOf.set(2, [line(0), line(1), line(2)]);
    const result = await finish(cluster, cluster.node(0).runtime.api.reloadNodes());
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/every node must have the same nodes file \(node 2: its nodes file differs \(line 4: no line here, 198\.51\.100\.4 on the coordinator\)\)/);
    expect(result.nodes.map((n) => [n.pnn, n.status])).toEqual([[0, 'ok'], [1, 'ok'], [2, 'refused']]);
    for (const pnn of [0, 1, 2]) expect(cluster.node(pnn).runtime.state.nodes).toHaveLength(3);
    // The holds ended without waiting for their time limit.
    expect(cluster.node(0).runtime.leader.nextRun()?.rule).not.toBe('reload');
  });

  it('refuses to remove a connected node that is not stopped, and one that still holds addresses', async () => {
    const cluster = await TestCluster.start({ nodes: 4, addresses: ADDRESSES });
    cluster.nodesFile = [line(0), line(1), line(2), line(3, true)];
    const result = await finish(cluster, cluster.node(0).runtime.api.reloadNodes());
    expect(result).toMatchObject({ ok: false, removed: [3] });
    expect(result.message).toMatch(/node 3 is connected and not stopped: run `floatip -n 3 stop`/);
    expect(cluster.node(0).runtime.state.quorum().configured).toBe(4);
  });

  it('refuses a growth after which the connected nodes would have no quorum', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: ADDRESSES });
    cluster.nodesFile = [0, 1, 2, 3, 4, 5].map((pnn) => line(pnn));
    const result = await finish(cluster, cluster.node(0).runtime.api.reloadNodes());
    expect(result).toMatchObject({ ok: false, added: [3, 4, 5] });
    expect(result.message).toMatch(/with 6 configured nodes the 3 of this partition would need 4 for quorum/);
    expect(await cluster.counts()).toEqual([4, 4, 4]);
  });

  it('refuses an edit that renumbers nodes', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: ADDRESSES });
    cluster.nodesFile = [line(0), { pnn: 1, address: '198.51.100.9', deleted: false }, line(2)];
    const result = await finish(cluster, cluster.node(0).runtime.api.reloadNodes());
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/line 2 \(node 1\) changed from 198\.51\.100\.2 to 198\.51\.100\.9/);
  });

  it('an unchanged file does nothing', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: ADDRESSES });
    const before = runs(cluster, 0);
    const result = await finish(cluster, cluster.node(1).runtime.api.reloadNodes());
    expect(result).toMatchObject({ ok: true, message: 'no change in the nodes file: nothing to do', run: null });
    expect(runs(cluster, 0)).toBe(before);
  });
});

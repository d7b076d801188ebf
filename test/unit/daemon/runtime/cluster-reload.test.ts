// Cluster-wide reloadips: one run after every listed node has re-read its file, whatever the order of the replies; failures named; the hold is bounded.

import { PublicAddress } from '../../../../src/core/address';
import { Pnn } from '../../../../src/core/flags';
import { ReloadIpsResult } from '../../../../src/protocol/control-results';
import { addressRange, finish, lines, TestCluster } from './harness/cluster';

const BEFORE = addressRange(6); // 192.0.2.1..6
const AFTER = [...addressRange(4), '192.0.2.6/24', '192.0.2.9/24']; // .5 replaced by .9

/** Every node's "file": what its loader returns now, after `delayMs` on the manual clock (a slow disk, a busy node). */
function files(cluster: () => TestCluster, delays: Readonly<Record<number, number>>, fail: Readonly<Record<number, string>> = {}) {
  const content = new Map<Pnn, readonly PublicAddress[]>();
  const loader = (pnn: Pnn) => async (): Promise<readonly PublicAddress[]> => {
    const delay = delays[pnn] ?? 0;
    if (delay > 0) await new Promise<void>((resolve) => { cluster().clock.forOwner(`disk${pnn}`).schedule(delay, resolve); });
    if (fail[pnn] !== undefined) throw new Error(fail[pnn]);
    return content.get(pnn) ?? lines(BEFORE);
  };
  return { content, loader };
}

async function startWithFiles(delays: Readonly<Record<number, number>>, fail: Readonly<Record<number, string>> = {}, init = {}) {
  const started: { cluster?: TestCluster } = {};
  const disk = files(() => started.cluster as TestCluster, delays, fail);
  const cluster = await TestCluster.start({ nodes: 3, addresses: BEFORE, loadPublicAddresses: disk.loader, init });
  started.cluster = cluster;
  for (const pnn of [0, 1, 2]) disk.content.set(pnn, lines(AFTER));
  return cluster;
}

function runs(cluster: TestCluster, leader: Pnn): number {
  return cluster.node(leader).runtime.api.history(undefined).length;
}

describe('cluster-wide reloadips', () => {
  // Node 0 (the leader) reads its file last: a run made when the first lists arrived would
  // give .9 to node 1 or 2 only (node 0 does not list it yet) and LCP2 would leave it there.
  it.each([
    ['the leader answers last', { 0: 900, 1: 0, 2: 300 }],
    ['the leader answers first', { 0: 0, 1: 900, 2: 300 }],
    ['node 2 answers last', { 0: 300, 1: 0, 2: 900 }],
  ])('%s: one run after all have answered puts the new address where the removed one was', async (_name, delays) => {
    const cluster = await startWithFiles(delays);
    const before = await cluster.kernelHolders();
    const runsBefore = runs(cluster, 0);
    const result: ReloadIpsResult = await finish(cluster, cluster.node(1).runtime.api.reloadIps(undefined));
    expect(result).toMatchObject({ ok: true, run: { status: 'ok' } });
    expect(result.nodes.map((n) => [n.pnn, n.status, n.message])).toEqual([0, 1, 2].map((pnn) => [pnn, 'ok', 'public addresses reloaded: 1 added, 1 removed, 0 changed']));
    await cluster.clock.advance(100);
    const after = await cluster.kernelHolders();
    expect(after.get('192.0.2.9')).toEqual(before.get('192.0.2.5'));
    expect(after.has('192.0.2.5')).toBe(false);
    for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.6']) expect([address, after.get(address)]).toEqual([address, before.get(address)]);
    expect(await cluster.counts()).toEqual([2, 2, 2]);
    expect(runs(cluster, 0) - runsBefore).toBe(1);
    expect(cluster.violations).toEqual([]);
  });

  it('three reloads asked at once of three nodes still end in the same layout', async () => {
    const cluster = await startWithFiles({ 0: 500, 1: 0, 2: 200 });
    const before = await cluster.kernelHolders();
    const results = await finish(cluster, Promise.all([0, 1, 2].map((pnn) => cluster.node(pnn).runtime.api.reloadIps(undefined))));
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    await cluster.clock.advance(100);
    expect((await cluster.kernelHolders()).get('192.0.2.9')).toEqual(before.get('192.0.2.5'));
    expect(await cluster.counts()).toEqual([2, 2, 2]);
  });

  it('a node that fails to reload is named with its error; the others apply, and the run places their lists', async () => {
    const cluster = await startWithFiles({}, { 1: '/etc/floatip/public_addresses:3: 192.0.2.9/33: bits 33 is more than 32' });
    const result = await finish(cluster, cluster.node(2).runtime.api.reloadIps(undefined));
    expect(result.ok).toBe(false);
    expect(result.nodes.map((n) => [n.pnn, n.status])).toEqual([[0, 'ok'], [1, 'failed'], [2, 'ok']]);
    expect(result.nodes[1].message).toMatch(/public_addresses:3: 192\.0\.2\.9\/33/);
    expect(result.run.status).toBe('ok');
    await cluster.clock.advance(100);
    // Node 1 still lists .5 and not .9: .5 can only be on node 1, .9 only on 0 or 2.
    expect(await cluster.holderOf('192.0.2.5')).toBe(1);
    expect([0, 2]).toContain(await cluster.holderOf('192.0.2.9'));
    expect(cluster.node(1).runtime.state.addressList(1)?.map((l) => l.address.text)).toContain('192.0.2.5');
  });

  it('-n with one node reloads only that node', async () => {
    const cluster = await startWithFiles({});
    const result = await finish(cluster, cluster.node(2).runtime.api.reloadIps([2]));
    expect(result.nodes.map((n) => n.pnn)).toEqual([2]);
    expect(cluster.node(0).runtime.state.addressList(0)?.map((l) => l.address.text)).toContain('192.0.2.5');
    expect(cluster.node(0).runtime.state.addressList(2)?.map((l) => l.address.text)).toContain('192.0.2.9');
  });

  it('a peer of an older release drops the new message: it is named as not answering, the others apply and the run follows', async () => {
    const cluster = await startWithFiles({}, {}, { takeoverDeadlineMs: 500 });
    // Node 2 runs the older release: a RELOAD-REQUEST to it is dropped unread.
    cluster.network.drop((_from, to, message) => to === 2 && message.kind === 'reload-request');
    const result = await finish(cluster, cluster.node(1).runtime.api.reloadIps(undefined));
    expect(result.nodes.map((n) => [n.pnn, n.status])).toEqual([[0, 'ok'], [1, 'ok'], [2, 'failed']]);
    expect(result.nodes[2].message).toMatch(/did not answer the hold step within 1000 ms.*older floatip/);
    expect(result.run.status).toBe('ok');
  });

  it('refuses a node that is not in the nodes file before holding anything', async () => {
    const cluster = await startWithFiles({});
    await expect(cluster.node(0).runtime.api.reloadIps([0, 7])).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
  });
});

describe('the reload hold on the leader', () => {
  it('holds a requested run until it is released, then runs at once', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: BEFORE });
    const leader = cluster.node(0).runtime.leader;
    const runs = cluster.node(0).runtime.api.history(undefined).length;
    leader.holdForReload('test', 10_000);
    leader.requestRun('a list changed');
    await cluster.clock.advance(5000);
    expect(cluster.node(0).runtime.api.history(undefined).length).toBe(runs);
    leader.endReloadHold('test');
    await cluster.clock.advance(50);
    expect(cluster.node(0).runtime.api.history(undefined).length).toBe(runs + 1);
  });

  it('ends by itself after its bound, so a coordinator that vanished cannot hold runs for ever', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: BEFORE });
    const leader = cluster.node(0).runtime.leader;
    const runs = cluster.node(0).runtime.api.history(undefined).length;
    leader.holdForReload('gone', 2000);
    leader.requestRun('a list changed');
    await cluster.clock.advance(1900);
    expect(cluster.node(0).runtime.api.history(undefined).length).toBe(runs);
    await cluster.clock.advance(200);
    expect(cluster.node(0).runtime.api.history(undefined).length).toBe(runs + 1);
    expect(cluster.log.some((l) => /reload hold gone ran out/.test(l.message))).toBe(true);
  });

  it('answers whenIdle only once the run under way has ended', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: BEFORE, init: { runDebounceMs: 0 } });
    const leader = cluster.node(0).runtime.leader;
    const before = runs(cluster, 0);
    leader.requestRun('test');
    await cluster.clock.advance(0);
    let runsWhenIdle: number | undefined;
    void leader.whenIdle().then(() => { runsWhenIdle = runs(cluster, 0); });
    await cluster.clock.advance(200);
    expect(runsWhenIdle).toBe(before + 1);
  });
});

// Administrator commands: disable/enable, stop/continue, ban (and its expiry), moveip, ipreallocate, addip/delip/reload.

import { addressRange, TestCluster } from './harness/cluster';
import { play } from './harness/scenario';

const SIX = { nodes: 3, addresses: addressRange(6) };

describe('disable / enable', () => {
  it('moves a disabled node\'s addresses away and back, from the node itself', async () => {
    const cluster = await TestCluster.start(SIX);
    await play(cluster, [
      'on 1: disable',
      'expect result ok',
      'advance 50',
      'expect flags 1 DISABLED',
      'expect counts 3 0 3',
      'on 1: enable',
      'advance 50',
      'expect flags 1 OK',
      'expect counts 2 2 2',
      'expect exclusive',
    ]);
  });

  it('returns only when the takeover run it causes has moved the addresses (from the node, and relayed)', async () => {
    // A slow debounce: a command that answered when its flag was set would come back long before the run.
    const cluster = await TestCluster.start({ ...SIX, init: { runDebounceMs: 300 } });
    await play(cluster, [
      'on 1: disable',
      'expect result ok',
      'expect counts 3 0 3',
      'on 1: enable',
      'expect counts 2 2 2',
      'on 2: stop 0', // node 2 -> leader 0 sets its own flag; the run is led by node 1
      'expect result ok',
      'expect counts 0 3 3',
      'expect exclusive',
    ]);
  });

  it('banning the leader from another node: the run comes from the next leader, and the command waits for it', async () => {
    const cluster = await TestCluster.start({ ...SIX, init: { runDebounceMs: 300 } });
    await play(cluster, [
      'on 2: ban 60 0',
      'expect result ok',
      'expect counts 0 3 3',
      'expect leader 1',
      'expect exclusive',
    ]);
  });

  it('relays a command about another node through the leader', async () => {
    const cluster = await TestCluster.start(SIX);
    await play(cluster, [
      'on 2: disable 1', // node 2 -> leader 0 -> node 1
      'expect result ok',
      'advance 50',
      'expect flags 1 DISABLED',
      'expect counts 3 0 3',
      'on 1: enable 1',
      'advance 50',
      'expect counts 2 2 2',
    ]);
  });

  it('stop and continue work like disable, with STOPPED', async () => {
    const cluster = await TestCluster.start(SIX);
    await play(cluster, [
      'on 0: stop 2',
      'advance 50',
      'expect flags 2 STOPPED',
      'expect counts 3 3 0',
      'on 0: continue 2',
      'advance 50',
      'expect counts 2 2 2',
    ]);
  });

  it('answers within its bound while the runs it waits for are held for partition agreement', async () => {
    // Seen in the CI soak: a `ban` during disagreeing partitions waited five times for a held
    // run (10 s each) and the CLI gave up after 20 s. The whole wait is now one deadline
    // (2 x takeover_deadline, 6 s here); the flag stands and the addresses move with the next run.
    const cluster = await TestCluster.start(SIX);
    cluster.network.cut(0, 1); // 0 and 1 stop hearing each other; 2 hears both: the members disagree
    await play(cluster, ['advance 1300']);
    const t0 = cluster.clock.now();
    await play(cluster, ['on 2: disable 2', 'expect result ok', 'expect flags 2 DISABLED']);
    expect(cluster.clock.now() - t0).toBeLessThanOrEqual(6000 + 10);
    expect(cluster.log.some((l) => l.message.startsWith('takeover run held until the partition agrees'))).toBe(true);
  });

  it('moveip and ipreallocate on a leader whose runs are held answer within 1.5 x takeover_deadline, saying why', async () => {
    const cluster = await TestCluster.start(SIX);
    cluster.network.cut(0, 1);
    await play(cluster, ['advance 1300']);
    const t0 = cluster.clock.now();
    await play(cluster, ['on 2: ipreallocate', 'expect result E_REFUSED']);
    expect(cluster.clock.now() - t0).toBeLessThanOrEqual(4500 + 10);
  });

  it('refuses a node that is not in the nodes file', async () => {
    const cluster = await TestCluster.start(SIX);
    await play(cluster, ['on 0: disable 7', 'expect result E_REFUSED']);
  });
});

describe('ban', () => {
  it('bans a node for the given time, then it comes back by itself', async () => {
    const cluster = await TestCluster.start(SIX);
    await play(cluster, [
      'on 0: ban 5 1',
      'expect result ok',
      'advance 50',
      'expect flags 1 BANNED',
      'expect counts 3 0 3',
      'advance 4000',
      'expect flags 1 BANNED',
      'advance 1100',
      'expect flags 1 OK',
      'expect counts 2 2 2',
      'expect exclusive',
    ]);
  });

  it('unban lifts it at once', async () => {
    const cluster = await TestCluster.start(SIX);
    await play(cluster, [
      'on 1: ban 60',
      'advance 50',
      'expect counts 3 0 3',
      'on 1: unban',
      'advance 50',
      'expect flags 1 OK',
      'expect counts 2 2 2',
    ]);
  });

  it('bans a node whose takes keep failing (ban credits), and its addresses go elsewhere', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(6), init: { ban: { enabled: true, creditsThreshold: 3, periodMs: 60_000, gracePeriodMs: 120_000 } } });
    await play(cluster, ['kill 2', 'advance 50', 'expect counts 3 3 0']);
    // Restarted, node 2's takeip fails: each failed run charges it a credit until it is banned.
    await cluster.restart(2, (node) => node.events.answer('takeip', ...Array(20).fill('ERROR')));
    await play(cluster, [
      'advance 3000',
      'expect flags 2 BANNED',
      'expect counts 3 3 0',
      'expect exclusive',
    ]);
    const history = cluster.node(0).runtime.api.history(undefined);
    // One credit per failed run, to the node with the most failed actions (CTDB's takeover helper), although node 2
    // failed two takes in each: banned at the third failed run, not during the second.
    expect(history.filter((r) => r.status === 'failed')).toHaveLength(3);
    expect(history.find((r) => r.status === 'failed')?.error).toMatch(/node 2 could not take .*takeip/);
  });
});

describe('ban credits per run', () => {
  it('a run in which a node fails ten takes is one credit, as in CTDB, not ten: it is not banned', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(30), init: { ban: { enabled: true, creditsThreshold: 3, periodMs: 60_000, gracePeriodMs: 120_000 } } });
    await play(cluster, ['kill 2', 'advance 50', 'expect counts 15 15 0']);
    await cluster.restart(2, (node) => node.events.answer('takeip', ...Array(10).fill('ERROR')));
    await play(cluster, ['advance 3000', 'expect flags 2 OK', 'expect exclusive']);
    const failed = cluster.node(0).runtime.api.history(undefined).filter((r) => r.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].error.match(/node 2 could not take/g)?.length).toBe(10);
  });
});

describe('failed takes held against a node', () => {
  it('end after ban.grace_period with a run: a node whose takes all failed gets its share back, without any other event', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(6), init: { ban: { enabled: true, creditsThreshold: 100, periodMs: 60_000, gracePeriodMs: 5_000 } } });
    await play(cluster, ['kill 2', 'advance 50', 'expect counts 3 3 0']);
    // Restarted, node 2's first six takeip fail: every address is held against it, and it is left empty, healthy.
    await cluster.restart(2, (node) => node.events.answer('takeip', ...Array(6).fill('ERROR')));
    await play(cluster, ['advance 3000', 'expect counts 3 3 0', 'expect flags 2 OK']);
    expect(cluster.node(2).events.count('takeip')).toBe(6);
    await play(cluster, ['advance 5000', 'expect counts 2 2 2', 'expect exclusive']);
    const reasons = cluster.node(0).runtime.api.history(undefined).map((r) => r.reason);
    expect(reasons).toContain('failed takes are no longer held against their nodes (ban.grace_period passed)');
  });
});

describe('moveip', () => {
  it('moves one address to the given node and leaves the others', async () => {
    const cluster = await TestCluster.start(SIX);
    const from = await cluster.holderOf('192.0.2.1');
    const to = (from + 1) % 3;
    const before = await cluster.kernelHolders();
    await play(cluster, [`on 2: moveip 192.0.2.1 ${to}`, 'expect result ok', `expect 192.0.2.1 on ${to}`, 'expect exclusive']);
    const after = await cluster.kernelHolders();
    const moved = [...after].filter(([a, h]) => before.get(a)?.[0] !== h[0]).map(([a]) => a);
    expect(moved).toEqual(['192.0.2.1']);
  });

  it('a request the leader fails to carry out (a throw) is answered as failed, not left waiting: the asker hears why', async () => {
    const cluster = await TestCluster.start(SIX);
    const leader = cluster.node(0).runtime;
    expect(leader.api.leader().leader).toBe(0);
    leader.leader.pin = () => { throw new Error('pin broke'); };
    await play(cluster, ['on 2: moveip 192.0.2.1 1', 'expect result E_FAILED']);
    expect(cluster.log.filter((l) => l.fields.code === 'E_ADMIN_FAILED').map((l) => l.fields.pnn)).toEqual([0]);
  });

  it('refuses a node that does not list the address', async () => {
    const cluster = await TestCluster.start({ nodes: 3, lists: { 0: addressRange(6), 1: addressRange(6), 2: addressRange(3) } });
    await play(cluster, ['on 0: moveip 192.0.2.6 2', 'expect result E_REFUSED']);
  });
});

describe('ipreallocate', () => {
  it('runs a takeover with nothing to move and reports it', async () => {
    const cluster = await TestCluster.start(SIX);
    const runs = cluster.node(0).runtime.api.history(undefined).length;
    await play(cluster, ['on 1: ipreallocate', 'expect result ok', 'expect counts 2 2 2']);
    const history = cluster.node(0).runtime.api.history(undefined);
    expect(history.length).toBe(runs + 1);
    expect(history[0]).toMatchObject({ status: 'ok', moves: 0, reason: 'ipreallocate' });
  });

  it('--rebalance lets LCP2 move onto nodes that hold addresses, relayed to the leader, once', async () => {
    const cluster = await TestCluster.start(SIX);
    // Fresh: .3 .6 on 0, .2 .5 on 1, .1 .4 on 2. Two moveips leave 1 1 4; every node holds some,
    // so a plain run has no failback target and moves nothing.
    await play(cluster, [
      'on 0: moveip 192.0.2.3 2', 'expect result ok',
      'on 0: moveip 192.0.2.2 2', 'expect result ok',
      'on 1: ipreallocate', 'expect result ok', 'expect counts 1 1 4',
      // Node 2 asks leader 0. `floatip ipalloc --nodes 0,0,0 --rebalance 1` on this layout gives .3 to node 1.
      'on 2: ipreallocate 1', 'expect result ok',
      'expect counts 1 2 3', 'expect 192.0.2.3 on 1',
      // The run ended ok, so the leader dropped node 1 as a target: after node 1 loses .5 again,
      // a plain run leaves 1 1 4 (with node 1 still a target it would move one there).
      'on 0: moveip 192.0.2.5 2', 'expect result ok',
      'on 0: ipreallocate', 'expect result ok', 'expect counts 1 1 4',
      'expect exclusive',
    ]);
    const history = cluster.node(0).runtime.api.history(undefined);
    expect(history.slice(0, 3)).toMatchObject([
      { status: 'ok', moves: 0, reason: 'ipreallocate' },
      { status: 'ok', moves: 1, reason: 'moveip 192.0.2.5 2' },
      { status: 'ok', moves: 1, reason: 'ipreallocate --rebalance 1' },
    ]);
  });

  it('--rebalance refuses a node that is not in the nodes file', async () => {
    const cluster = await TestCluster.start(SIX);
    await play(cluster, ['on 1: ipreallocate 0,3', 'expect result E_BAD_ARGUMENT']);
  });
});

describe('reloadips / addip / delip', () => {
  it('adds one address and removes another: only those two change', async () => {
    const cluster = await TestCluster.start(SIX);
    const before = await cluster.kernelHolders();
    const next = [...addressRange(5), '192.0.2.9/24'];
    await play(cluster, [
      `on 0: reload ${next.join(' ')}`,
      `on 1: reload ${next.join(' ')}`,
      `on 2: reload ${next.join(' ')}`,
      'advance 100',
      'expect 192.0.2.6 on -1',
      'expect counts 2 2 2',
      'expect exclusive',
    ]);
    const after = await cluster.kernelHolders();
    for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5']) {
      expect(after.get(address)).toEqual(before.get(address));
    }
    expect(after.get('192.0.2.9')).toHaveLength(1);
  });

  it('addip on one node makes the address hostable only there; delip takes it away', async () => {
    const cluster = await TestCluster.start(SIX);
    await play(cluster, [
      'on 1: addip 198.51.100.50/24 eth1',
      'expect result ok',
      'advance 100',
      'expect 198.51.100.50 on 1',
      'on 1: delip 198.51.100.50',
      'expect result ok',
      'advance 100',
      'expect 198.51.100.50 on -1',
      'on 1: delip 198.51.100.50',
      'expect result E_NO_SUCH_ADDRESS',
    ]);
    expect(cluster.node(1).runtime.api.ips(true).find((s) => s.address === '198.51.100.50')).toBeUndefined();
  });
});

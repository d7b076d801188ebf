// Failures: a node dies, the leader dies, the network splits 2|1 and heals.

import { addressRange, TestCluster } from './harness/cluster';
import { play } from './harness/scenario';
import { Allocator, inlineAllocator } from '../../../../src/daemon/runtime/allocator';
import { ip } from '../../../../src/core/ip';
import { fenceDeleteMs } from '../../../../src/core/quorum';

const SIX = { nodes: 3, addresses: addressRange(6) };
/**
 * 300 addresses, 100 per node: deleting them (fenceDeleteMs: 10 ms) outlasts the 5 ms between this fence_after and
 * dead_after. No debounce: the run would otherwise start 10 ms after dead_after, past the wait it is to keep.
 */
const MANY = { nodes: 3, addresses: [...addressRange(150), ...addressRange(150, '198.51.100')], init: { fenceAfterMs: 995, runDebounceMs: 0 } };

/** How many addresses `pnn` holds in a layout of the timeline. */
function holds(layout: ReadonlyMap<string, readonly number[]>, pnn: number): number {
  return [...layout.values()].filter((h) => h.includes(pnn)).length;
}

/** Allocators that count, per node, the allocations they ran (`calls[pnn]`). */
function countingAllocators(calls: number[]): (pnn: number) => Allocator {
  return (pnn) => {
    const inner = inlineAllocator();
    return { allocate: (state) => { calls[pnn] = (calls[pnn] ?? 0) + 1; return inner.allocate(state); }, close: () => inner.close() };
  };
}

describe('node death', () => {
  it('moves the dead node\'s addresses to the others at once (its stream closed)', async () => {
    const cluster = await TestCluster.start(SIX);
    await play(cluster, [
      'expect counts 2 2 2',
      'kill 1',
      'advance 50',
      'expect counts 3 0 3',
      'expect leader 0',
      'expect exclusive',
    ]);
  });

  it('waits crash_grace before re-placing a crashed node\'s addresses, so its guardian removes them first', async () => {
    const cluster = await TestCluster.start({ ...SIX, init: { crashGraceMs: 40 } });
    await play(cluster, [
      'kill 1',
      'advance 35',
      'expect counts 2 0 2',
      'expect flags 1 DISCONNECTED',
      'advance 25',
      'expect counts 3 0 3',
      'expect exclusive',
    ]);
  });

  it('ends the crash_grace wait as soon as the dead node\'s guardian reports its addresses removed', async () => {
    const cluster = await TestCluster.start({ ...SIX, init: { crashGraceMs: 5000 } });
    await play(cluster, [
      'kill 1',
      'advance 100',
      'expect counts 2 0 2', // held: 5 s of grace
      'fenced 1 2',
      'advance 50',
      'expect counts 3 0 3',
      'expect exclusive',
    ]);
  });

  it('allocates while it waits for the guardians, so the run after their notices finds the answer ready', async () => {
    // Two nodes killed at once: the failure forecast foresees one at a time, so this state is new when the hold begins.
    const calls: number[] = [];
    const counting = countingAllocators(calls);
    const cluster = await TestCluster.start({ nodes: 5, addresses: addressRange(10), init: { crashGraceMs: 5000 }, allocator: counting });
    await play(cluster, ['advance 2000', 'expect counts 2 2 2 2 2']);
    const before = calls[0];
    await play(cluster, ['kill 3', 'kill 4', 'advance 100', 'expect counts 2 2 2 0 0']);
    expect(calls[0]).toBe(before + 1); // allocated ahead, during the hold
    await play(cluster, ['fenced 3 2', 'fenced 4 2', 'advance 50', 'expect counts 4 3 3 0 0', 'expect exclusive']);
    expect(calls[0]).toBe(before + 1); // the run reused it
  });

  it.each([
    ['a member (the leader foresaw it)', 2, 'expect counts 3 3 0'],
    ['the leader (node 1, which leads then, foresaw it)', 0, 'expect counts 0 3 3'],
  ])('foresees the failure of %s once the view is still, so the run after the kill allocates nothing', async (_, victim, counts) => {
    const calls = [0, 0, 0];
    const counting = countingAllocators(calls);
    const cluster = await TestCluster.start({ ...SIX, allocator: counting });
    await play(cluster, ['advance 2000', 'expect counts 2 2 2']);
    const settled = [...calls];
    expect(settled[1]).toBeGreaterThan(0); // node 1 allocated for node 0's failure, though it never led
    expect(settled[2]).toBe(0); // node 2 leads after no single failure
    await play(cluster, [`kill ${victim}`, 'advance 50', counts, 'expect exclusive']);
    expect(calls).toEqual(settled); // the run's state was foreseen
  });

  it('forecasts only once the node\'s own queued work is done, not in the middle of its takes', async () => {
    const calls = [0, 0, 0, 0, 0];
    const cluster = await TestCluster.start({ nodes: 5, addresses: addressRange(10), allocator: countingAllocators(calls) });
    await play(cluster, ['advance 2000', 'expect counts 2 2 2 2 2']);
    const settled = calls[1]; // node 1 leads if node 0 fails
    // Node 1's address queue is busy for 3 s (a slow takeip, say) when node 4 dies.
    const busy = cluster.clock.forOwner('queue1');
    void cluster.node(1).runtime.hosting.enqueue(() => new Promise<void>((resolve) => { busy.schedule(3000, resolve); }));
    await play(cluster, ['kill 4', 'advance 1000']);
    expect(calls[1]).toBe(settled);
    await play(cluster, ['advance 3000']);
    expect(calls[1]).toBeGreaterThan(settled);
  });

  it('has a node with no failure to foresee get its allocator ready once the cluster is still, and only once', async () => {
    // A worker allocator starts its thread then (worker-allocator.ts): a leader chosen after two failures does not wait for it.
    const prepared: number[][] = [[], [], [], [], []];
    const preparing = (pnn: number): Allocator => {
      const inner = inlineAllocator();
      return {
        allocate: (state) => inner.allocate(state),
        prepare: (state) => {
          prepared[pnn].push(state.addresses.length);
          return true;
        },
        close: () => inner.close(),
      };
    };
    const cluster = await TestCluster.start({ nodes: 5, addresses: addressRange(10), allocator: preparing });
    await play(cluster, ['expect counts 2 2 2 2 2', 'advance 2000', 'kill 4', 'advance 2000', 'expect exclusive']);
    // Node 0 leads and node 1 would: they allocate ahead instead (the tests above). Nodes 2 and 3 got ready once, with every address.
    expect(prepared.slice(0, 4)).toEqual([[], [], [10], [10]]);
  });

  it('holds for a node killed in the middle of a TAKE: it may hold what it was told to take, though no heartbeat said so yet', async () => {
    // CI, lab-guardian (2026-12-06): node 2, back from a frozen guardian and holding nothing,
    // was given its share and killed in the middle of that TAKE, with the addresses in its
    // kernel before its heartbeat or TAKE ack said so. The leader's view showed node 2 holding
    // nothing, so no crash hold: the next run put the addresses on node 0 before node 2's
    // guardian had removed them (0.2 ms on two nodes, seen by the sampler).
    const cluster = await TestCluster.start({ ...SIX, init: { crashGraceMs: 5000 } });
    await play(cluster, ['guardian 2 lost', 'advance 1000', 'expect counts 3 3 0']);
    const node2 = cluster.node(2);
    // From now on node 2's gratuitous ARP (sent once the kernel has the address) never ends: its takes stay unfinished.
    const hung: string[] = [];
    node2.announcer.announce = (target) => {
      hung.push(target.text);
      return new Promise<void>(() => undefined);
    };
    await play(cluster, ['guardian 2 ready']);
    await cluster.until('node 2 to have its share in its kernel', () => hung.length === 2, 1000, 1);
    expect(cluster.node(0).runtime.state.view.nodes[2].hosted).toEqual([]); // no heartbeat said so
    await play(cluster, [
      'kill 2',
      'advance 100',
      ...hung.map((address) => `expect ${address} on -1`), // held: node 2's guardian may not have removed them yet
      'fenced 2 2',
      'advance 50',
      'expect counts 3 3 0',
      'expect exclusive',
    ]);
  });

  it('needs no grace when the guardian\'s notice overtook the closed stream', async () => {
    const cluster = await TestCluster.start({ ...SIX, init: { crashGraceMs: 5000 } });
    cluster.network.notifyFenced(1, 'pipe-closed', 2); // queued before the peer-down of the kill
    await play(cluster, ['kill 1', 'advance 50', 'expect counts 3 0 3', 'expect exclusive']);
  });

  it('still waits the grace after a notice older than the node\'s last heartbeat (it restarted and spoke since)', async () => {
    const cluster = await TestCluster.start({ ...SIX, init: { crashGraceMs: 5000 } });
    await play(cluster, ['fenced 1 0', 'advance 200', 'kill 1', 'advance 100', 'expect counts 2 0 2']);
  });

  it('needs no grace after a planned stop: a LEAVING node has released already', async () => {
    const cluster = await TestCluster.start({ ...SIX, init: { crashGraceMs: 5000 } });
    const node = cluster.node(1);
    const stopping = node.runtime.stop();
    await cluster.clock.advance(50);
    await stopping;
    node.alive = false;
    await play(cluster, ['advance 100', 'expect counts 3 0 3', 'expect exclusive']);
  });

  it('fails back when the node returns (LCP2 rebalances)', async () => {
    const cluster = await TestCluster.start(SIX);
    await play(cluster, [
      'kill 2',
      'advance 50',
      'expect counts 3 3 0',
      'restart 2',
      'advance 500',
      'expect counts 2 2 2',
      'expect exclusive',
    ]);
  });

  it('keeps addresses where they are on return with no_ip_failback', async () => {
    const cluster = await TestCluster.start({ ...SIX, init: { tunables: { noIpFailback: true, noIpTakeover: false } } });
    await play(cluster, [
      'kill 2',
      'advance 50',
      'restart 2',
      'advance 500',
      'expect counts 3 3 0',
      'expect flags 2 OK',
    ]);
  });
});

describe('leader death', () => {
  it('elects the next node, which runs with a higher epoch', async () => {
    const cluster = await TestCluster.start(SIX);
    const before = cluster.node(1).runtime.api.leader().epoch;
    await play(cluster, [
      'kill 0',
      'advance 50',
      'expect leader 1',
      'expect counts 0 3 3',
      'expect exclusive',
    ]);
    const after = cluster.node(1).runtime.api.leader();
    expect(after.epoch).toBeGreaterThan(before);
    expect(cluster.node(2).runtime.api.leader().epoch).toBe(after.epoch);
    expect(cluster.node(1).runtime.api.history(1)[0]).toMatchObject({ leader: 1, status: 'ok', moves: 2 });
  });
});

describe('partition 2|1', () => {
  it('fences the minority at fence_after, before the majority takes over at dead_after', async () => {
    const cluster = await TestCluster.start(SIX);
    const t0 = cluster.clock.now();
    await play(cluster, [
      'partition 0,1|2',
      'advance 950', // past fence_after (700) of the last heartbeat, short of dead_after (1000)
      'expect counts 2 2 0',
      'advance 300', // past dead_after: the majority declares node 2 dead and takes its addresses
      'expect counts 3 3 0',
      'expect exclusive',
    ]);
    const released = cluster.firstMoment(t0, (held) => holds(held, 2) === 0);
    const taken = cluster.firstMoment(t0, (held) => holds(held, 0) === 3 && holds(held, 1) === 3);
    expect(released).toBeDefined();
    expect(taken).toBeDefined();
    // Heartbeats every 200 ms: the last one before the split came at most 200 ms before it.
    expect(released! - t0).toBeLessThanOrEqual(700 + 200);
    expect(released! - t0).toBeGreaterThanOrEqual(700 - 200);
    expect(taken! - t0).toBeGreaterThanOrEqual(1000 - 200);
    expect(taken!).toBeGreaterThan(released!);
    expect(cluster.node(2).runtime.api.status()).toMatchObject({ quorate: false, leader: -1 });
    expect(cluster.node(2).runtime.stats().fences).toBeGreaterThan(0);
  });

  it('waits for a silent node to delete what it held: last heartbeat + fence_after + fenceDeleteMs(held), when later than dead_after', async () => {
    const cluster = await TestCluster.start(MANY);
    const t0 = cluster.clock.now();
    await play(cluster, ['partition 0,1|2']);
    const heard = cluster.node(0).runtime.state.view.nodes[2].lastHeardAt as number;
    const held = cluster.node(0).runtime.state.view.nodes[2].hosted.length;
    expect(held).toBe(100);
    await play(cluster, ['advance 1500', 'expect counts 150 150 0', 'expect exclusive']);
    const released = cluster.firstMoment(t0, (layout) => holds(layout, 2) === 0);
    const firstTaken = cluster.firstMoment(t0, (layout) => holds(layout, 0) + holds(layout, 1) > 200);
    // dead_after (1000) alone would have let the majority take them 5 ms earlier.
    expect(firstTaken!).toBeGreaterThanOrEqual(heard + 995 + fenceDeleteMs(held));
    expect(firstTaken!).toBeGreaterThan(released!);
    expect(cluster.log.some((line) => line.message.startsWith('fenced (no-quorum)'))).toBe(true);
  });

  it('needs no such wait once the silent node\'s guardian reported its addresses deleted (a frozen daemon)', async () => {
    const cluster = await TestCluster.start(MANY);
    const t0 = cluster.clock.now();
    await play(cluster, ['partition 0,1|2']);
    const heard = cluster.node(0).runtime.state.view.nodes[2].lastHeardAt as number;
    await cluster.clock.advance(heard + 998 - cluster.clock.now());
    await play(cluster, ['fenced 2 100', 'advance 600', 'expect counts 150 150 0', 'expect exclusive']);
    const firstTaken = cluster.firstMoment(t0, (layout) => holds(layout, 0) + holds(layout, 1) > 200);
    expect(firstTaken!).toBeLessThan(heard + 995 + fenceDeleteMs(100));
  });

  it('the fence deletes every address before it runs releaseip, so slow scripts cannot keep them past fence_after', async () => {
    const cluster = await TestCluster.start(SIX);
    const node = cluster.node(2);
    const inKernelAtReleaseip: string[] = [];
    const run = node.events.run.bind(node.events);
    node.events.run = async (event, args = [], options) => {
      if (event === 'releaseip' && (await node.netlink.listAddresses()).some((a) => a.address.text === args[1])) inKernelAtReleaseip.push(args[1]);
      return run(event, args, options);
    };
    await play(cluster, ['partition 0,1|2', 'advance 1300', 'expect counts 3 3 0', 'expect exclusive']);
    expect(node.events.count('releaseip')).toBe(2);
    expect(inKernelAtReleaseip).toEqual([]);
  });

  it('fences at fence_after while a hung takeip holds the address queue, and still releases when quorum is back before it ran', async () => {
    // Seen in the 5-node soak (seed 2026): the fence's release waited in the address queue
    // behind other work; when it ran the partition had healed, it saw quorum and returned,
    // and the majority had taken the addresses at dead_after: three on two nodes for 1.6 s.
    const cluster = await TestCluster.start(SIX);
    const node = cluster.node(2);
    const scripts = cluster.clock.forOwner('scripts');
    node.events.behave('takeip', () => new Promise((resolve) => { scripts.schedule(2500, () => resolve('OK')); }));
    const fromNode0 = [...(await cluster.kernelHolders())].find(([, holders]) => holders[0] === 0)![0];
    const takeipsBefore = node.events.count('takeip');
    void cluster.node(0).runtime.api.moveIp(ip(fromNode0), 2).catch(() => undefined);
    await cluster.clock.advance(50);
    expect(node.events.count('takeip')).toBe(takeipsBefore + 1); // under way, and it hangs for 2.5 s
    const t0 = cluster.clock.now();
    await play(cluster, [
      'partition 0,1|2',
      'advance 1300', // node 2 fenced at ~fence_after (700); the majority took over at dead_after (1000)
      'expect counts 3 3 0',
      'heal', // quorum is back before the hung takeip ended
      'advance 3000',
      'expect exclusive',
    ]);
    const released = cluster.firstMoment(t0, (held) => holds(held, 2) === 0);
    expect(released! - t0).toBeLessThanOrEqual(700 + 200);
    expect(cluster.node(2).runtime.stats().fences).toBeGreaterThan(0);
  });

  it('heals: the minority rejoins and gets addresses back', async () => {
    const cluster = await TestCluster.start(SIX);
    await play(cluster, [
      'partition 0,1|2',
      'advance 1300',
      'expect counts 3 3 0',
      'heal',
      'advance 500',
      'expect counts 2 2 2',
      'expect leader 0',
      'expect exclusive',
    ]);
  });

  it('a cut-off leader that rejoins leads no run until it has heard every peer, so it never takes what the others moved meanwhile', async () => {
    // Seen in the failover bench: node 0 back from a link loss heard node 2 first, led
    // {0,2} at once and took addresses node 1 had taken meanwhile (it still counted node 1
    // DISCONNECTED), so they were on two nodes for ~200 ms until its next run.
    const cluster = await TestCluster.start(SIX);
    await play(cluster, ['partition 0|1,2', 'advance 1300', 'expect counts 0 3 3']);
    cluster.network.heal();
    cluster.network.cut(0, 1);
    const t0 = cluster.clock.now();
    await play(cluster, [
      'advance 150',
      'expect counts 0 3 3',
      'expect exclusive',
    ]);
    expect(cluster.node(0).runtime.api.leader().leader).toBe(0);
    cluster.network.heal();
    await play(cluster, ['advance 300', 'expect counts 2 2 2', 'expect leader 0', 'expect exclusive']);
    const rebalanced = cluster.firstMoment(t0, (held) => [...held.values()].filter((h) => h.includes(0)).length === 2);
    expect(rebalanced! - t0).toBeLessThan(1000);
  });

  it('a rejoining leader counts a peer it does not hear as gone only dead_after after it regained quorum', async () => {
    const cluster = await TestCluster.start(SIX);
    await play(cluster, [
      'partition 0|1,2',
      'advance 1300',
      'expect counts 0 3 3',
      'kill 1', // node 2, alone now, fences
      'advance 300',
      'expect counts 0 0 0',
      'heal',
      'advance 800', // node 0 leads {0,2} but has not heard node 1 since: it waits
      'expect counts 0 0 0',
      'advance 400', // dead_after passed: node 1 counts as gone
      'expect counts 3 0 3',
      'expect exclusive',
    ]);
  });

  it('a peer heard since quorum came back and then killed waits only crash_grace, not dead_after', async () => {
    // Seen in CI: a kill -9 within dead_after of the cluster settling held the run until
    // dead_after, as if the dead node had never been heard since.
    const cluster = await TestCluster.start({ ...SIX, init: { crashGraceMs: 40 } });
    await play(cluster, [
      'partition 0|1,2',
      'advance 1300',
      'expect counts 0 3 3',
      'heal',
      'advance 300',
      'expect counts 2 2 2',
      'kill 1',
      'advance 100', // crash_grace 40 ms + fenceDeleteMs(2): 1 ms, far below dead_after (1000)
      'expect counts 3 0 3',
      'expect exclusive',
    ]);
  });

  it('a leader cut off alone fences itself; the other two elect node 1', async () => {
    const cluster = await TestCluster.start(SIX);
    await play(cluster, [
      'partition 0|1,2',
      'advance 1300',
      'expect counts 0 3 3',
      'expect exclusive',
    ]);
    expect(cluster.node(1).runtime.api.leader().leader).toBe(1);
    expect(cluster.node(0).runtime.api.leader().leader).toBe(-1);
  });
});

describe('leader change while the old leader\'s orders are in flight', () => {
  it('a node back from a ban that leads at once confirms every list first, so it never takes what the old leader just gave away', async () => {
    // The 5-node soak: node 0's ban ended while leader 1's run moved an unhealthy node's
    // addresses onto node 1; node 0 led at once, planned from lists without those takes and
    // took seven of them too (~214 ms on two nodes). The takes' timing relative to the ban's
    // end decides it, so every moment around it is tried (with 15 ms between nodes).
    const bad: string[] = [];
    for (let offset = 1760; offset <= 1880; offset += 10) {
      const cluster = await TestCluster.start({ ...SIX, networkDelayMs: 15 });
      await play(cluster, ['on 0: ban 2 0']);
      await cluster.clock.advance(offset);
      await play(cluster, ['monitor 2 fail', 'advance 3000']);
      if (cluster.violations.length > 0) bad.push(`monitor failed ${offset} ms into the 2 s ban: ${cluster.violations.slice(0, 3).join('; ')}`);
    }
    expect(bad).toEqual([]);
  }, 60_000);
});

describe('orders held in TCP through a link outage', () => {
  it('a node counted gone by silence has its connection reset, so a TAKE queued before cannot arrive after the leader gave the address away', async () => {
    // The 5-node soak: leader 0 sent TAKE orders to node 2 just as node 2's links went down;
    // at dead_after node 0 counted node 2 gone and gave them to nodes 3 and 4; the link came
    // back, TCP delivered the held heartbeat and TAKE, node 2's fence lifted and it took them
    // (~100 ms on two nodes). The partition heals with 'resume' (TCP retransmitted what waited).
    const bad: string[] = [];
    for (let offset = 0; offset <= 30; offset += 5) {
      const cluster = await TestCluster.start({ ...SIX, networkDelayMs: 5 });
      const fromNode0 = [...(await cluster.kernelHolders())].find(([, holders]) => holders[0] === 0)![0];
      void cluster.node(0).runtime.api.moveIp(ip(fromNode0), 2).catch(() => undefined);
      await cluster.clock.advance(offset);
      cluster.network.partition([[0, 1], [2]], 'resume');
      await cluster.clock.advance(1500);
      cluster.network.heal();
      await cluster.clock.advance(2000);
      if (cluster.violations.length > 0) bad.push(`cut ${offset} ms after the moveip: ${cluster.violations.slice(0, 3).join('; ')}`);
      await play(cluster, ['expect counts 2 2 2']);
    }
    expect(bad).toEqual([]);
  }, 60_000);
});

// Quorum by cluster lock: two runtimes over the memory mesh and one memory lock service, on one manual clock.
//
// Two-node clusters are the reason the lock exists (a majority of two survives no
// failure), so every scenario here has two nodes: who takes the lock at start, a
// partition (only the holder's side serves), the holder killed (the other side takes
// the lock and the addresses), a lost lock (the holder fences at once, and tries again),
// and a holder that stops serving (it lets go so the other node can lead). After every
// clock step the test cluster checks that no address is on both nodes.

import { NO_NODE, Pnn } from '../../../../src/core/flags';
import { MemoryLockService } from '../../../../src/adapters/memory/lock';
import { ClusterLockError } from '../../../../src/adapters/lock/errors';
import { ClusterState } from '../../../../src/daemon/runtime/cluster-state';
import { LockQuorum } from '../../../../src/daemon/runtime/lock-quorum';
import { ClusterOptions, TestCluster, TIMING } from './harness/cluster';
import { ManualClock } from '../../../../src/adapters/memory/clock';
import { LogLine, recordingLogger } from './harness/recording-logger';
import { ClusterLock } from '../../../../src/adapters/lock/port';

const ADDRESSES = ['203.0.113.1/24', '203.0.113.2/24', '203.0.113.3/24', '203.0.113.4/24'];

/** `nodes` lock-quorum runtimes sharing the lock `service`, each node's lock named `nodeN`. */
function lockOptions(service: MemoryLockService, nodes = 2): ClusterOptions {
  return {
    nodes,
    addresses: ADDRESSES.map((a) => `${a} eth0`),
    init: { quorum: 'lock', crashGraceMs: 40, ban: { enabled: true, creditsThreshold: 4, periodMs: 300_000, gracePeriodMs: 120_000 } },
    lock: (pnn) => service.lock(`node${pnn}`),
  };
}

const start = (service: MemoryLockService, nodes = 2, settleMs = 1500): Promise<TestCluster> => TestCluster.start(lockOptions(service, nodes), settleMs);

/** Addresses node `pnn` holds, by its runtime's record (equal to its kernel between steps). */
function held(cluster: TestCluster, pnn: Pnn): string[] {
  return cluster.node(pnn).runtime.hosting.list().map((h) => h.address.text).sort();
}

/** This node can no longer reach the lock service (its tries fail); the others still can. */
function cutFromLock(cluster: TestCluster, pnn: Pnn): void {
  const lock = cluster.node(pnn).lock;
  if (!lock) throw new Error(`node ${pnn} has no lock`);
  lock.acquire = async () => ({ outcome: 'error', error: new ClusterLockError('E_LOCK_ETCD', `node ${pnn} is cut off from the lock service by the test`) });
}

const ALL = ADDRESSES.map((a) => a.split('/')[0]).sort();
const lockLog = (service: MemoryLockService): string[] => service.log.filter((line) => !line.endsWith('contended'));

describe('lock quorum: two nodes', () => {
  it('at start the lowest node takes the lock, leads, and the addresses spread over both nodes', async () => {
    const service = new MemoryLockService();
    const cluster = await start(service);
    expect(service.holder).toBe('node0');
    expect(cluster.nodes.map((n) => n.runtime.state.quorum().leader)).toEqual([0, 0]);
    expect(cluster.nodes.map((n) => n.runtime.state.quorum().quorate)).toEqual([true, true]);
    expect([...held(cluster, 0), ...held(cluster, 1)].sort()).toEqual(ALL);
    expect(held(cluster, 0).length).toBe(2);
    // Node 1 may try before it hears node 0 (each is alone at first), but never gets it.
    expect(lockLog(service)).toEqual(['node0: held']);
    // It learns the leader from the first heartbeat that says so, so it obeys the first run's orders.
    expect(cluster.log.filter((l) => /not our leader/.test(l.message))).toEqual([]);
    expect(cluster.nodes[0].runtime.history.list().filter((r) => r.status === 'failed')).toEqual([]);
    expect(cluster.violations).toEqual([]);
  });

  it('a partition: only the holder\'s side serves; the other side fences within fence_after and cannot take the lock', async () => {
    const service = new MemoryLockService();
    const cluster = await start(service);
    cluster.network.partition([[0], [1]]);
    const fenced = await cluster.until('node 1 holds nothing', () => held(cluster, 1).length === 0, 2000);
    const taken = fenced + await cluster.until('node 0 holds everything', () => held(cluster, 0).length === ALL.length, 3000);
    expect(fenced).toBeLessThanOrEqual(TIMING.fenceAfterMs + TIMING.heartbeatIntervalMs);
    expect(fenced).toBeLessThan(taken);
    await cluster.clock.advance(5000);
    expect(held(cluster, 1)).toEqual([]);
    expect(cluster.nodes[1].runtime.state.quorum().quorate).toBe(false);
    // Node 1, alone and the lowest active node of its side, tried and was refused.
    expect(service.log.filter((l) => l.startsWith('node1'))).toContain('node1: contended');
    expect(service.holder).toBe('node0');
    expect(cluster.violations).toEqual([]);

    cluster.network.heal();
    await cluster.until('both nodes serve again', () => held(cluster, 1).length === 2 && held(cluster, 0).length === 2, 5000);
    expect(cluster.violations).toEqual([]);
  });

  it('the holder killed: the other node takes the lock and every address', async () => {
    const service = new MemoryLockService();
    const cluster = await start(service);
    await cluster.kill(0);
    await cluster.until('node 1 holds everything', () => held(cluster, 1).length === ALL.length, 3000);
    expect(service.holder).toBe('node1');
    expect(cluster.nodes[1].runtime.state.quorum().leader).toBe(1);
    expect(cluster.violations).toEqual([]);
  });

  it('the non-holder killed: the holder keeps the lock and takes the addresses', async () => {
    const service = new MemoryLockService();
    const cluster = await start(service);
    await cluster.kill(1);
    await cluster.until('node 0 holds everything', () => held(cluster, 0).length === ALL.length, 3000);
    expect(lockLog(service)).toEqual(['node0: held']);
  });

  it('a holder cut off from the lock service in a partition loses it, fences at once, and the other side serves once it gets the lock', async () => {
    const service = new MemoryLockService();
    const cluster = await start(service);
    cluster.network.partition([[0], [1]]);
    await cluster.until('node 1 fenced', () => held(cluster, 1).length === 0, 2000);
    cutFromLock(cluster, 0);
    service.breakLock('E_LOCK_LOST_LEASE_EXPIRED', 'the test expired the lease');
    expect(cluster.nodes[0].runtime.state.quorum().quorate).toBe(false);
    await cluster.until('node 0 holds nothing', () => held(cluster, 0).length === 0, 200, 1);
    await cluster.until('node 1 holds everything', () => held(cluster, 1).length === ALL.length, 5000);
    expect(service.holder).toBe('node1');
    expect(cluster.log.some((l) => l.level === 'error' && /cluster lock lost/.test(l.message) && l.fields.pnn === 0)).toBe(true);
    expect(cluster.violations).toEqual([]);
  });

  it('a holder that loses the lock while the cluster is whole takes it again and the addresses come back', async () => {
    const service = new MemoryLockService();
    const cluster = await start(service);
    service.breakLock();
    await cluster.until('nobody serves', () => held(cluster, 0).length + held(cluster, 1).length === 0, 1000, 1);
    await cluster.until('the lock held again', () => service.holder !== undefined, 3000);
    await cluster.until('every address served again', () => held(cluster, 0).length + held(cluster, 1).length === ALL.length, 5000);
    expect(cluster.violations).toEqual([]);
  });

  it('a lock service that cannot be reached: nobody serves, and once it answers again the lowest node takes it', async () => {
    const service = new MemoryLockService();
    service.failTries();
    const cluster = await start(service, 2, 3000);
    expect(held(cluster, 0).length + held(cluster, 1).length).toBe(0);
    expect(cluster.log.some((l) => l.level === 'warn' && /cluster lock/.test(l.message))).toBe(true);
    service.healTries();
    await cluster.until('every address served', () => held(cluster, 0).length + held(cluster, 1).length === ALL.length, 5000);
    expect(service.holder).toBe('node0');
  });

  it('a holder that is stopped lets the lock go, so the other node can lead and serve', async () => {
    const service = new MemoryLockService();
    const cluster = await start(service);
    cluster.nodes[0].runtime.state.observe({ kind: 'admin', pnn: 0, action: 'stop' });
    await cluster.until('node 1 holds everything', () => held(cluster, 1).length === ALL.length, 5000);
    expect(service.holder).toBe('node1');
    expect(held(cluster, 0)).toEqual([]);
    expect(cluster.violations).toEqual([]);
  });

  it('a node that comes back does not take the lock from the node that serves', async () => {
    const service = new MemoryLockService();
    const cluster = await start(service);
    await cluster.kill(0);
    await cluster.until('node 1 holds everything', () => held(cluster, 1).length === ALL.length, 3000);
    await cluster.restart(0);
    await cluster.until('both nodes serve', () => held(cluster, 0).length === 2 && held(cluster, 1).length === 2, 5000);
    expect(service.holder).toBe('node1');
    expect(service.log.filter((l) => l.startsWith('node0')).slice(-1)[0]).not.toBe('node0: held');
    expect(cluster.violations).toEqual([]);
  });
});

describe('lock quorum: three nodes', () => {
  it('a holder cut off from the lock service only: its partner fences too before the other side takes the lock', async () => {
    // 0,1 | 2: node 0 holds the lock, then loses it (its lease ran out) while node 1 still hears it.
    const service = new MemoryLockService();
    const cluster = await start(service, 3);
    expect(service.holder).toBe('node0');
    cluster.network.partition([[0, 1], [2]]);
    await cluster.until('the majority side holds everything', () => held(cluster, 0).length + held(cluster, 1).length === ALL.length, 3000);
    cutFromLock(cluster, 0);
    cutFromLock(cluster, 1);
    service.breakLock('E_LOCK_LOST_LEASE_EXPIRED', 'the test expired the lease');
    await cluster.until('node 2 holds everything', () => held(cluster, 2).length === ALL.length, 5000);
    expect(service.holder).toBe('node2');
    expect(held(cluster, 1)).toEqual([]);
    expect(cluster.violations).toEqual([]);
  });
});

describe('LockQuorum.poll on one node', () => {
  function single(localPnn: Pnn): { state: ClusterState; service: MemoryLockService; quorum: LockQuorum; clock: ManualClock; lock: ClusterLock; log: LogLine[] } {
    const clock = new ManualClock();
    const state = new ClusterState(new TestCluster(lockOptions(new MemoryLockService())).initFor(localPnn), clock.forOwner('n'), recordingLogger());
    const service = new MemoryLockService();
    const lock = service.lock(`node${localPnn}`);
    const log = recordingLogger();
    const quorum = new LockQuorum(lock, state, log);
    return { state, service, quorum, clock, lock, log: log.lines };
  }

  const heartbeatFrom = (pnn: Pnn, leader: Pnn) => ({
    kind: 'heartbeat' as const, pnn, seq: 1, flags: 0, epoch: 1, leader, hosted: [], links: { eth0: 'up' as const }, heard: [],
  });

  it('the candidate tries; a connected peer that leads itself is taken as the holder and nobody tries', async () => {
    const a = single(0);
    a.quorum.poll();
    await a.clock.settle();
    expect(a.service.holder).toBe('node0');
    expect(a.state.rule()).toEqual({ mode: 'lock', holder: 0 });

    const b = single(1);
    b.state.observe(heartbeatFrom(0, 0));
    b.quorum.poll();
    await b.clock.settle();
    expect(b.state.rule()).toEqual({ mode: 'lock', holder: 0 });
    expect(b.service.log).toEqual([]);
  });

  it('a node that is not the candidate does not try', async () => {
    const b = single(1);
    b.state.observe(heartbeatFrom(0, NO_NODE));
    b.quorum.poll();
    await b.clock.settle();
    expect(b.service.log).toEqual([]);
    expect(b.state.rule()).toEqual({ mode: 'lock', holder: NO_NODE });
  });

  it('a lock backend that breaks its contract (acquire rejects) is logged with its code (before: an unhandled rejection, fatal to floatipd)', async () => {
    const a = single(0);
    a.lock.acquire = () => Promise.reject(new Error('backend bug'));
    a.quorum.poll();
    await a.clock.settle();
    expect(a.log.filter((l) => l.level === 'error').map((l) => l.fields.code)).toEqual(['E_LOCK_ACQUIRE']);
    // Nothing was taken.
    expect(a.state.rule()).toEqual({ mode: 'lock', holder: NO_NODE });
  });

  it('close releases a held lock', async () => {
    const a = single(0);
    a.quorum.poll();
    await a.clock.settle();
    await a.quorum.close();
    expect(a.service.holder).toBeUndefined();
  });
});

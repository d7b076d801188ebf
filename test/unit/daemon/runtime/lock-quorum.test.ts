// Quorum by cluster lock: two runtimes over the memory mesh and one memory lock service, on one manual clock.
//
// Two-node clusters are the reason the lock exists (a majority of two survives no
// failure), so every scenario here has two nodes: who takes the lock at start, a
// partition (only the holder's side serves), the holder killed (the other side takes
// the lock and the addresses), a lost lock (the holder fences at once, and tries again),
// and a holder that stops serving (it lets go so the other node can lead). After every
// clock step the rig checks that no address is on both nodes.

import { PublicAddress } from '../../../../src/core/address';
import { NO_NODE, Pnn } from '../../../../src/core/flags';
import { parsePrefix } from '../../../../src/core/ip';
import { DEFAULT_TUNABLES } from '../../../../src/core/ipalloc';
import { MemoryClusterLock, MemoryLockService } from '../../../../src/adapters/memory/lock';
import { ClusterLockError } from '../../../../src/adapters/lock/errors';
import { MemoryNetlink } from '../../../../src/adapters/memory/netlink';
import { MemoryAnnouncer } from '../../../../src/adapters/memory/packet';
import { MemoryNetwork } from '../../../../src/adapters/memory/peer';
import { MemoryEventRunner } from '../../../../src/adapters/memory/scripts';
import { MemorySockDiag } from '../../../../src/adapters/memory/sockdiag';
import { MemoryTickler } from '../../../../src/adapters/memory/tickle';
import { createTakeover } from '../../../../src/adapters/takeover/takeover';
import { ClusterState } from '../../../../src/daemon/runtime/cluster-state';
import { LockQuorum } from '../../../../src/daemon/runtime/lock-quorum';
import { createNodeRuntime, InspectableNodeRuntime } from '../../../../src/daemon/runtime/node';
import { RuntimeInit } from '../../../../src/daemon/runtime/settings';
import { ManualClock } from './harness/manual-clock';
import { ManualHealth } from './harness/manual-health';
import { LogLine, recordingLogger } from './harness/recording-logger';

const ADDRESSES = ['198.51.100.1/24', '198.51.100.2/24', '198.51.100.3/24', '198.51.100.4/24'];
const TIMING = { heartbeatIntervalMs: 200, fenceAfterMs: 700, deadAfterMs: 1000 };

function publicLines(): PublicAddress[] {
  return ADDRESSES.map((text) => {
    const parsed = parsePrefix(text);
    if (!parsed.ok) throw new Error(parsed.error);
    return { address: parsed.value.address, bits: parsed.value.bits, interfaces: ['eth0'] };
  });
}

function initFor(pnn: Pnn, nodes = 2): RuntimeInit {
  return {
    localPnn: pnn,
    nodes: Array.from({ length: nodes }, (_, i) => ({ pnn: i, address: `192.0.2.${i + 1}`, deleted: false })),
    publicAddresses: publicLines(),
    ...TIMING,
    takeoverDeadlineMs: 3000,
    reconcileIntervalMs: 1000,
    tickleScanIntervalMs: 1000,
    crashGraceMs: 40,
    algorithm: 'lcp2',
    tunables: DEFAULT_TUNABLES,
    quorum: 'lock',
    ban: { enabled: true, creditsThreshold: 4, periodMs: 300_000, gracePeriodMs: 120_000 },
    runDebounceMs: 10,
  };
}

interface RigNode {
  readonly pnn: Pnn;
  runtime: InspectableNodeRuntime;
  lock: MemoryClusterLock;
  readonly netlink: MemoryNetlink;
  alive: boolean;
}

/** Two (or more) lock-quorum runtimes sharing one lock service. */
class LockRig {
  readonly clock = new ManualClock();
  readonly network = new MemoryNetwork();
  readonly service = new MemoryLockService();
  readonly log: LogLine[] = [];
  readonly nodes: RigNode[] = [];
  /** Every step at which an address was on two nodes. */
  readonly violations: string[] = [];

  constructor(private readonly count = 2) {
    this.clock.onStep = () => this.check();
    for (let pnn = 0; pnn < count; pnn++) this.nodes.push(this.makeNode(pnn, new MemoryNetlink({ eth0: {} })));
  }

  /** Starts a killed node again: same kernel, new process. */
  async restart(pnn: Pnn): Promise<void> {
    const node = this.makeNode(pnn, this.nodes[pnn].netlink);
    this.nodes[pnn] = node;
    await node.runtime.start();
  }

  private makeNode(pnn: Pnn, netlink: MemoryNetlink): RigNode {
    const clock = this.clock.forOwner(`node${pnn}`);
    const events = new MemoryEventRunner(() => clock.wallNow());
    const sockets = new MemorySockDiag();
    void netlink.start();
    const takeover = createTakeover({ socketKill: 'destroy' }, {
      addresses: netlink, announcer: new MemoryAnnouncer(), tickler: new MemoryTickler(), connections: sockets,
      openReplyCapture: () => ({ awaitReply: async () => undefined, close: () => undefined }), clock,
    });
    const lock = this.service.lock(`node${pnn}`);
    const runtime = createNodeRuntime(initFor(pnn, this.count), {
      mesh: this.network.join(pnn), takeover, netlink, connections: sockets, events, health: new ManualHealth(events), clock,
      lock, logger: recordingLogger(this.log), loopDelay: { start: () => ({ stop: () => null }) },
    });
    return { pnn, runtime, lock, netlink, alive: true };
  }

  async start(settleMs = 1500): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.runtime.start()));
    await this.clock.advance(settleMs);
  }

  /** Addresses each live node holds, by its runtime's record (equal to its kernel between steps). */
  held(pnn: Pnn): string[] {
    return this.nodes[pnn].runtime.hosting.list().map((h) => h.address.text).sort();
  }

  private check(): void {
    const seen = new Map<string, Pnn>();
    for (const node of this.nodes) {
      if (!node.alive) continue;
      for (const address of this.held(node.pnn)) {
        const other = seen.get(address);
        if (other !== undefined) this.violations.push(`t=${this.clock.now()} ${address} on ${other} and ${node.pnn}`);
        seen.set(address, node.pnn);
      }
    }
  }

  /** The first clock reading, stepping `stepMs` at a time up to `limitMs`, at which `predicate` holds. */
  async until(what: string, predicate: () => boolean, limitMs: number, stepMs = 10): Promise<number> {
    const start = this.clock.now();
    while (!predicate()) {
      if (this.clock.now() - start > limitMs) throw new Error(`not within ${limitMs} ms: ${what}`);
      await this.clock.advance(stepMs);
    }
    return this.clock.now() - start;
  }

  /** This node can no longer reach the lock service (its tries fail); the others still can. */
  cutFromLock(pnn: Pnn): void {
    const lock = this.nodes[pnn].lock;
    lock.acquire = async () => ({ outcome: 'error', error: new ClusterLockError('E_LOCK_ETCD', `node ${pnn} is cut off from the lock service by the test`) });
  }

  /** The process dies: timers stop, mesh closes, its guardian removes its addresses, the kernel frees its lock. */
  async kill(pnn: Pnn): Promise<void> {
    const node = this.nodes[pnn];
    node.alive = false;
    this.clock.kill(`node${pnn}`);
    this.network.kill(pnn);
    await node.netlink.removeOwnedAddresses();
    // An fcntl lock dies with its process; a helper watching its parent exits; an etcd lease runs out.
    if (this.service.holder === node.lock.name) await node.lock.release();
    await this.clock.settle();
  }
}

const ALL = ADDRESSES.map((a) => a.split('/')[0]).sort();
const lockLog = (rig: LockRig): string[] => rig.service.log.filter((line) => !line.endsWith('contended'));

describe('lock quorum: two nodes', () => {
  it('at start the lowest node takes the lock, leads, and the addresses spread over both nodes', async () => {
    const rig = new LockRig();
    await rig.start();
    expect(rig.service.holder).toBe('node0');
    expect(rig.nodes.map((n) => n.runtime.state.quorum().leader)).toEqual([0, 0]);
    expect(rig.nodes.map((n) => n.runtime.state.quorum().quorate)).toEqual([true, true]);
    expect([...rig.held(0), ...rig.held(1)].sort()).toEqual(ALL);
    expect(rig.held(0).length).toBe(2);
    // Node 1 may try before it hears node 0 (each is alone at first), but never gets it.
    expect(lockLog(rig)).toEqual(['node0: held']);
    // It learns the leader from the first heartbeat that says so, so it obeys the first run's orders.
    expect(rig.log.filter((l) => /not our leader/.test(l.message))).toEqual([]);
    expect(rig.nodes[0].runtime.history.list().filter((r) => r.status === 'failed')).toEqual([]);
    expect(rig.violations).toEqual([]);
  });

  it('a partition: only the holder\'s side serves; the other side fences within fence_after and cannot take the lock', async () => {
    const rig = new LockRig();
    await rig.start();
    rig.network.partition([[0], [1]]);
    const fenced = await rig.until('node 1 holds nothing', () => rig.held(1).length === 0, 2000);
    const taken = fenced + await rig.until('node 0 holds everything', () => rig.held(0).length === ALL.length, 3000);
    expect(fenced).toBeLessThanOrEqual(TIMING.fenceAfterMs + TIMING.heartbeatIntervalMs);
    expect(fenced).toBeLessThan(taken);
    await rig.clock.advance(5000);
    expect(rig.held(1)).toEqual([]);
    expect(rig.nodes[1].runtime.state.quorum().quorate).toBe(false);
    // Node 1, alone and the lowest active node of its side, tried and was refused.
    expect(rig.service.log.filter((l) => l.startsWith('node1'))).toContain('node1: contended');
    expect(rig.service.holder).toBe('node0');
    expect(rig.violations).toEqual([]);

    rig.network.heal();
    await rig.until('both nodes serve again', () => rig.held(1).length === 2 && rig.held(0).length === 2, 5000);
    expect(rig.violations).toEqual([]);
  });

  it('the holder killed: the other node takes the lock and every address', async () => {
    const rig = new LockRig();
    await rig.start();
    await rig.kill(0);
    await rig.until('node 1 holds everything', () => rig.held(1).length === ALL.length, 3000);
    expect(rig.service.holder).toBe('node1');
    expect(rig.nodes[1].runtime.state.quorum().leader).toBe(1);
    expect(rig.violations).toEqual([]);
  });

  it('the non-holder killed: the holder keeps the lock and takes the addresses', async () => {
    const rig = new LockRig();
    await rig.start();
    await rig.kill(1);
    await rig.until('node 0 holds everything', () => rig.held(0).length === ALL.length, 3000);
    expect(lockLog(rig)).toEqual(['node0: held']);
  });

  it('a holder cut off from the lock service in a partition loses it, fences at once, and the other side serves once it gets the lock', async () => {
    const rig = new LockRig();
    await rig.start();
    rig.network.partition([[0], [1]]);
    await rig.until('node 1 fenced', () => rig.held(1).length === 0, 2000);
    rig.cutFromLock(0);
    rig.service.breakLock('E_LOCK_LOST_LEASE_EXPIRED', 'the test expired the lease');
    expect(rig.nodes[0].runtime.state.quorum().quorate).toBe(false);
    await rig.until('node 0 holds nothing', () => rig.held(0).length === 0, 200, 1);
    await rig.until('node 1 holds everything', () => rig.held(1).length === ALL.length, 5000);
    expect(rig.service.holder).toBe('node1');
    expect(rig.log.some((l) => l.level === 'error' && /cluster lock lost/.test(l.message) && l.fields.pnn === 0)).toBe(true);
    expect(rig.violations).toEqual([]);
  });

  it('a holder that loses the lock while the cluster is whole takes it again and the addresses come back', async () => {
    const rig = new LockRig();
    await rig.start();
    rig.service.breakLock();
    await rig.until('nobody serves', () => rig.held(0).length + rig.held(1).length === 0, 1000, 1);
    await rig.until('the lock held again', () => rig.service.holder !== undefined, 3000);
    await rig.until('every address served again', () => rig.held(0).length + rig.held(1).length === ALL.length, 5000);
    expect(rig.violations).toEqual([]);
  });

  it('a lock service that cannot be reached: nobody serves, and once it answers again the lowest node takes it', async () => {
    const rig = new LockRig();
    rig.service.failTries();
    await rig.start(3000);
    expect(rig.held(0).length + rig.held(1).length).toBe(0);
    expect(rig.log.some((l) => l.level === 'warn' && /cluster lock/.test(l.message))).toBe(true);
    rig.service.healTries();
    await rig.until('every address served', () => rig.held(0).length + rig.held(1).length === ALL.length, 5000);
    expect(rig.service.holder).toBe('node0');
  });

  it('a holder that is stopped lets the lock go, so the other node can lead and serve', async () => {
    const rig = new LockRig();
    await rig.start();
    rig.nodes[0].runtime.state.observe({ kind: 'admin', pnn: 0, action: 'stop' });
    await rig.until('node 1 holds everything', () => rig.held(1).length === ALL.length, 5000);
    expect(rig.service.holder).toBe('node1');
    expect(rig.held(0)).toEqual([]);
    expect(rig.violations).toEqual([]);
  });

  it('a node that comes back does not take the lock from the node that serves', async () => {
    const rig = new LockRig();
    await rig.start();
    await rig.kill(0);
    await rig.until('node 1 holds everything', () => rig.held(1).length === ALL.length, 3000);
    await rig.restart(0);
    await rig.until('both nodes serve', () => rig.held(0).length === 2 && rig.held(1).length === 2, 5000);
    expect(rig.service.holder).toBe('node1');
    expect(rig.service.log.filter((l) => l.startsWith('node0')).slice(-1)[0]).not.toBe('node0: held');
    expect(rig.violations).toEqual([]);
  });
});

describe('lock quorum: three nodes', () => {
  it('a holder cut off from the lock service only: its partner fences too before the other side takes the lock', async () => {
    // 0,1 | 2: node 0 holds the lock, then loses it (its lease ran out) while node 1 still hears it.
    const rig = new LockRig(3);
    await rig.start();
    expect(rig.service.holder).toBe('node0');
    rig.network.partition([[0, 1], [2]]);
    await rig.until('the majority side holds everything', () => rig.held(0).length + rig.held(1).length === ALL.length, 3000);
    rig.cutFromLock(0);
    rig.cutFromLock(1);
    rig.service.breakLock('E_LOCK_LOST_LEASE_EXPIRED', 'the test expired the lease');
    await rig.until('node 2 holds everything', () => rig.held(2).length === ALL.length, 5000);
    expect(rig.service.holder).toBe('node2');
    expect(rig.held(1)).toEqual([]);
    expect(rig.violations).toEqual([]);
  });
});

describe('LockQuorum.poll on one node', () => {
  function single(localPnn: Pnn): { state: ClusterState; service: MemoryLockService; quorum: LockQuorum; clock: ManualClock } {
    const clock = new ManualClock();
    const state = new ClusterState(initFor(localPnn), clock.forOwner('n'), recordingLogger());
    const service = new MemoryLockService();
    const quorum = new LockQuorum(service.lock(`node${localPnn}`), state, recordingLogger());
    return { state, service, quorum, clock };
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

  it('close releases a held lock', async () => {
    const a = single(0);
    a.quorum.poll();
    await a.clock.settle();
    await a.quorum.close();
    expect(a.service.holder).toBeUndefined();
  });
});

// An in-process cluster of node runtimes over MemoryNetwork and memory fakes, on one manual clock.
//
// Each node has its own pretend kernel (MemoryNetlink) under the real Takeover component,
// its own event runner, sockets and health; the kernels are the truth the tests check.
// A check after every clock step records any moment an address sat on two kernels.

import { PublicAddress } from '../../../../../src/core/address';
import { NO_NODE, Pnn } from '../../../../../src/core/flags';
import { ip, parsePrefix } from '../../../../../src/core/ip';
import { MemoryNetwork } from '../../../../../src/adapters/memory/peer';
import { MemoryNetlink } from '../../../../../src/adapters/memory/netlink';
import { MemoryAnnouncer } from '../../../../../src/adapters/memory/packet';
import { MemorySockDiag } from '../../../../../src/adapters/memory/sockdiag';
import { MemoryTickler } from '../../../../../src/adapters/memory/tickle';
import { MemoryEventRunner } from '../../../../../src/adapters/memory/scripts';
import { ClusterLock } from '../../../../../src/adapters/lock/port';
import { createTakeover } from '../../../../../src/adapters/takeover/takeover';
import { createNodeRuntime, InspectableNodeRuntime } from '../../../../../src/daemon/runtime/node';
import { RuntimeInit, RuntimeNode } from '../../../../../src/daemon/runtime/settings';
import { DEFAULT_TUNABLES } from '../../../../../src/core/ipalloc';
import { Allocator } from '../../../../../src/daemon/runtime/allocator';
import { ManualClock } from '../../../../../src/adapters/memory/clock';
import { ManualHealth } from './manual-health';
import { LogLine, recordingLogger } from './recording-logger';

export interface ClusterOptions {
  readonly nodes: number;
  /** `ADDR/BITS` lines every node lists on eth0,eth1, unless `lists` says otherwise. */
  readonly addresses?: readonly string[];
  /** A node's own public_addresses (overrides `addresses` for that node). */
  readonly lists?: Readonly<Record<number, readonly string[]>>;
  readonly init?: Partial<RuntimeInit>;
  /** One-way delay of every mesh delivery on the manual clock (connects and messages alike). @default 0: the next microtask */
  readonly networkDelayMs?: number;
  /** A node's allocator. @default the runtime's own (inline) */
  readonly allocator?: (pnn: Pnn) => Allocator | undefined;
  /** A node's way to re-read its public_addresses (reloadips). @default none: reloadips of that node is refused */
  readonly loadPublicAddresses?: (pnn: Pnn) => (() => Promise<readonly PublicAddress[]>) | undefined;
  /** A node's cluster lock, asked again for each start (a new process); with init.quorum = "lock". @default none */
  readonly lock?: (pnn: Pnn) => ClusterLock | undefined;
}

export interface TestNode {
  readonly pnn: Pnn;
  runtime: InspectableNodeRuntime;
  readonly netlink: MemoryNetlink;
  readonly events: MemoryEventRunner;
  readonly health: ManualHealth;
  readonly sockets: MemorySockDiag;
  readonly tickler: MemoryTickler;
  readonly announcer: MemoryAnnouncer;
  readonly lock: ClusterLock | undefined;
  alive: boolean;
}

export const TIMING = { heartbeatIntervalMs: 200, deadAfterMs: 1000, fenceAfterMs: 700 };

/** `ADDR/BITS` lines as PublicAddress on eth0,eth1; `ADDR/BITS IFACE[,IFACE...]` on the interfaces given. */
export function lines(texts: readonly string[], interfaces: readonly string[] = ['eth0', 'eth1']): PublicAddress[] {
  return texts.map((text) => {
    const [prefix, own] = text.split(' ');
    const parsed = parsePrefix(prefix);
    if (!parsed.ok) throw new Error(parsed.error);
    return { address: parsed.value.address, bits: parsed.value.bits, interfaces: own === undefined ? interfaces : own.split(',') };
  });
}

export function addressRange(count: number, base = '192.0.2'): string[] {
  return Array.from({ length: count }, (_, i) => `${base}.${i + 1}/24`);
}

/** Steps the manual clock 10 ms at a time until `call` settles (at most `limitMs`); its value, or its error thrown. */
export async function finish<T>(cluster: TestCluster, call: Promise<T>, limitMs = 60_000): Promise<T> {
  let result: { value: T } | undefined;
  let failure: unknown;
  call.then((value) => { result = { value }; }, (error: unknown) => { failure = error ?? new Error('rejected'); });
  for (let waited = 0; result === undefined && failure === undefined && waited < limitMs; waited += 10) await cluster.clock.advance(10);
  if (failure !== undefined) throw failure;
  if (result === undefined) throw new Error(`the call did not finish within ${limitMs} ms`);
  return result.value;
}

export class TestCluster {
  readonly clock = new ManualClock();
  readonly network: MemoryNetwork;
  readonly nodes: TestNode[] = [];
  readonly log: LogLine[] = [];
  /** Every moment an address was on two kernels: `t=1200 192.0.2.1 on 0,2`. */
  readonly violations: string[] = [];
  /** The `nodes` file every node reads (reloadnodes) and a node added later starts with; `nodesFileOf` overrides it for one node. */
  nodesFile: RuntimeNode[];
  readonly nodesFileOf = new Map<Pnn, RuntimeNode[]>();
  /** Layout after every step where it changed. */
  readonly timeline: Array<{ readonly t: number; readonly held: ReadonlyMap<string, readonly Pnn[]>; readonly text: string }> = [];

  constructor(readonly options: ClusterOptions) {
    const delayMs = options.networkDelayMs ?? 0;
    const wire = this.clock.forOwner('network');
    this.network = new MemoryNetwork(delayMs > 0 ? { schedule: (task) => { wire.schedule(delayMs, task); } } : {});
    this.clock.onStep = () => this.check();
    this.nodesFile = Array.from({ length: options.nodes }, (_, i) => ({ pnn: i, address: `198.51.100.${i + 1}`, deleted: false }));
    for (let pnn = 0; pnn < options.nodes; pnn++) this.nodes.push(this.makeNode(pnn));
  }

  static async start(options: ClusterOptions, settleMs = 1000): Promise<TestCluster> {
    const cluster = new TestCluster(options);
    await Promise.all(cluster.nodes.map((n) => n.runtime.start()));
    await cluster.clock.advance(settleMs);
    return cluster;
  }

  node(pnn: Pnn): TestNode {
    return this.nodes[pnn];
  }

  initFor(pnn: Pnn): RuntimeInit {
    const { options } = this;
    const own = options.lists?.[pnn] ?? options.addresses ?? addressRange(6);
    return {
      localPnn: pnn,
      nodes: this.nodesFileOf.get(pnn) ?? this.nodesFile,
      publicAddresses: lines(own),
      ...TIMING,
      takeoverDeadlineMs: 3000,
      reconcileIntervalMs: 1000,
      tickleScanIntervalMs: 1000,
      algorithm: 'lcp2',
      tunables: DEFAULT_TUNABLES,
      quorum: 'majority',
      ban: { enabled: true, creditsThreshold: 2 * options.nodes, periodMs: 300_000, gracePeriodMs: 120_000 },
      runDebounceMs: 10,
      ...options.init,
    };
  }

  private makeNode(pnn: Pnn, netlink = new MemoryNetlink({ eth0: {}, eth1: {} })): TestNode {
    const clock = this.clock.forOwner(`node${pnn}`);
    const events = new MemoryEventRunner(() => clock.wallNow());
    const sockets = new MemorySockDiag();
    const tickler = new MemoryTickler();
    const mesh = this.network.join(pnn);
    const health = new ManualHealth(events, () => mesh.running);
    const announcer = new MemoryAnnouncer();
    void netlink.start();
    const takeover = createTakeover({ socketKill: 'destroy' }, {
      addresses: netlink, announcer, tickler, connections: sockets,
      openReplyCapture: () => ({ awaitReply: async () => undefined, close: () => undefined }),
      clock,
    });
    const allocator = this.options.allocator?.(pnn);
    const loadPublicAddresses = this.options.loadPublicAddresses?.(pnn);
    const lock = this.options.lock?.(pnn);
    const runtime = createNodeRuntime(this.initFor(pnn), {
      mesh, takeover, netlink, connections: sockets, events, health, clock,
      logger: recordingLogger(this.log),
      loopDelay: { start: () => ({ stop: () => null }) },
      ...(allocator ? { allocator } : {}),
      ...(loadPublicAddresses ? { loadPublicAddresses } : {}),
      ...(lock ? { lock } : {}),
      loadNodes: async () => this.nodesFileOf.get(pnn) ?? this.nodesFile,
    });
    return { pnn, runtime, netlink, events, health, sockets, tickler, announcer, lock, alive: true };
  }

  /** Addresses on each node's kernel (floatip's), address -> holders. */
  async kernelHolders(): Promise<Map<string, Pnn[]>> {
    const out = new Map<string, Pnn[]>();
    for (const node of this.nodes) {
      for (const a of await node.netlink.listAddresses()) {
        if (!a.owned) continue;
        out.set(a.address.text, [...(out.get(a.address.text) ?? []), node.pnn]);
      }
    }
    return out;
  }

  /** Synchronous kernel view through the runtimes' records (equal to the kernels between steps). */
  private heldNow(): Map<string, Pnn[]> {
    const out = new Map<string, Pnn[]>();
    for (const node of this.nodes) {
      if (!node.alive) continue;
      for (const h of node.runtime.hosting.list()) out.set(h.address.text, [...(out.get(h.address.text) ?? []), node.pnn]);
    }
    return out;
  }

  private check(): void {
    const held = this.heldNow();
    for (const [address, holders] of held) {
      if (holders.length > 1) this.violations.push(`t=${this.clock.now()} ${address} on ${holders.join(',')}`);
    }
    const text = [...held].map(([a, h]) => `${a}=${h.join(',')}`).sort().join(' ');
    if (this.timeline[this.timeline.length - 1]?.text !== text) this.timeline.push({ t: this.clock.now(), held, text });
  }

  /** The first moment after `t` at which the layout satisfied `predicate`. */
  firstMoment(after: number, predicate: (held: ReadonlyMap<string, readonly Pnn[]>) => boolean): number | undefined {
    return this.timeline.find((entry) => entry.t > after && predicate(entry.held))?.t;
  }

  /** Kernel addresses per node: [count of node 0, count of node 1, ...]. */
  async counts(): Promise<number[]> {
    const holders = await this.kernelHolders();
    const counts = this.nodes.map(() => 0);
    for (const h of holders.values()) for (const pnn of h) counts[pnn]++;
    return counts;
  }

  /** Who holds `address` per the kernels (NO_NODE when nobody, throws when two do). */
  async holderOf(address: string): Promise<Pnn> {
    const holders = (await this.kernelHolders()).get(ip(address).text) ?? [];
    if (holders.length > 1) throw new Error(`${address} is on nodes ${holders.join(',')}`);
    return holders[0] ?? NO_NODE;
  }

  /** The process dies: its mesh closes, its timers stop, the guardian removes its addresses, a lock it held is freed. */
  async kill(pnn: Pnn): Promise<void> {
    const node = this.nodes[pnn];
    node.alive = false;
    this.clock.kill(`node${pnn}`);
    this.network.kill(pnn);
    await node.netlink.removeOwnedAddresses();
    // An fcntl lock dies with its process; a helper watching its parent exits; an etcd lease runs out.
    if (node.lock?.holder) await node.lock.release();
    await this.clock.settle();
  }

  /**
   * Stops nodes on purpose, all at once (SIGTERM: STOPPED, release everything, LEAVING, shutdown),
   * letting time pass until every stop has finished.
   */
  async shutdown(pnns: readonly Pnn[]): Promise<void> {
    let pending = pnns.length;
    for (const pnn of pnns) {
      const node = this.nodes[pnn];
      void node.runtime.stop().finally(() => {
        node.alive = false;
        pending--;
      });
    }
    for (let waited = 0; pending > 0; waited += 10) {
      if (waited > 10_000) throw new Error(`nodes ${pnns.join(',')} did not stop within 10 s`);
      await this.clock.advance(10);
    }
  }

  /** The time it took, stepping `stepMs` at a time up to `limitMs`, until `predicate` holds; throws naming `what` after that. */
  async until(what: string, predicate: () => boolean, limitMs: number, stepMs = 10): Promise<number> {
    const start = this.clock.now();
    while (!predicate()) {
      if (this.clock.now() - start > limitMs) throw new Error(`not within ${limitMs} ms: ${what}`);
      await this.clock.advance(stepMs);
    }
    return this.clock.now() - start;
  }

  /** A new node, numbered after the others, started with the current nodes file (which must list it). */
  async addNode(): Promise<TestNode> {
    const node = this.makeNode(this.nodes.length);
    this.nodes.push(node);
    await node.runtime.start();
    return node;
  }

  /** Starts the node again (same kernel, new process); `prepare` sets up its fakes before it starts. */
  async restart(pnn: Pnn, prepare?: (node: TestNode) => void): Promise<void> {
    const old = this.nodes[pnn];
    const fresh = this.makeNode(pnn, old.netlink);
    this.nodes[pnn] = fresh;
    prepare?.(fresh);
    await fresh.runtime.start();
  }
}

// The node runtime: the composition of membership, heartbeats, orders, leader runs, fence, reconcile and tickles.
//
// `createNodeRuntime(init, components)` takes options and ports only: src/daemon/main.ts
// hands it the real adapters, tests hand it memory fakes on one manual clock.
// Start: remove leftover floatip addresses, run `init` and `setup`, join the mesh,
// then `startup` and the monitor (the HealthSource). Stop (SIGTERM): report STOPPED,
// release every address, send LEAVING, run `shutdown`. Reload (SIGHUP): a new
// public_addresses list, of which only what changed moves.

import { PublicAddress } from '../../core/address';
import { Pnn } from '../../core/flags';
import { describeChange, MembershipChange } from '../../core/membership';
import { MeshEvent, PeerMesh } from '../../adapters/peer/port';
import { describeRefusals } from '../../adapters/peer/refusal-tally';
import { AddressPort, LinkPort, NetlinkWatchPort } from '../../adapters/netlink/port';
import { ConnectionPort } from '../../adapters/sockdiag/port';
import { EventRunner } from '../../adapters/scripts/port';
import { eventFailed } from '../../adapters/scripts/status';
import { ClusterLock } from '../../adapters/lock/port';
import { AddressProber } from '../../adapters/packet/prober';
import { Takeover } from '../../adapters/takeover/port';
import { heartbeatObservation } from '../../protocol/frame-heartbeat';
import { MonitorState, PublicAddressesMessage } from '../../protocol/frame-messages';
import { DaemonApi } from '../control/api';
import { AdminRelay } from './admin';
import { ClusterReload } from './cluster-reload';
import { Allocator, inlineAllocator, rememberingAllocator } from './allocator';
import { createDaemonApi } from './api';
import { BanCredits } from './bans';
import { CancelTimer, every, RuntimeClock } from './clock';
import { ClusterState } from './cluster-state';
import { DuplicateWatch } from './duplicate-probe';
import { FenceGuard } from './fence';
import { DEFAULT_FLAP_DAMPING, FlapDamper } from './flap-damping';
import { GuardState } from './guard';
import { HealthSource } from './health-source';
import { Heartbeats } from './heartbeat';
import { RunHistory } from './history';
import { LocalAddresses } from './hosting';
import { TakeoverLeader } from './leader';
import { LockQuorum } from './lock-quorum';
import { Logger } from './logger';
import { LoopDelayProbe, perfHooksLoopDelayProbe } from './loop-delay';
import { SessionMessage } from './messages';
import { OrderHandler } from './orders';
import { Reconciler } from './reconcile';
import { PING_EVERY_HEARTBEATS, RoundTripListener, RoundTrips } from './rtt';
import { FailoverListener } from './failover-timer';
import { checkedInit, RuntimeInit } from './settings';
import { ConnectionTracker } from './tickles';
import type { CtdbToolKernel } from '../control/ctdb-tool';
import { AddressListChange, applyAddressList } from './address-list';

export interface RuntimeComponents {
  readonly mesh: PeerMesh;
  readonly takeover: Takeover;
  /** Kernel addresses (reconcile, leftovers), links and their events. */
  readonly netlink: AddressPort & LinkPort & NetlinkWatchPort;
  /** The tickle scan's sock_diag dump. */
  readonly connections: Pick<ConnectionPort, 'listEstablished'>;
  readonly events: EventRunner;
  readonly health: HealthSource;
  /** Needed for cluster.quorum = "lock". */
  readonly lock?: ClusterLock;
  readonly clock: RuntimeClock;
  readonly logger: Logger;
  /** @default inlineAllocator() (the daemon passes workerAllocator()) */
  readonly allocator?: Allocator;
  /** @default perfHooksLoopDelayProbe() */
  readonly loopDelay?: LoopDelayProbe;
  /** Re-reads public_addresses for reloadips / SIGHUP. */
  readonly loadPublicAddresses?: () => Promise<readonly PublicAddress[]>;
  /** Duplicate detection's probes; without it (or with init.duplicateProbeIntervalMs 0) nothing is probed. */
  readonly prober?: AddressProber;
  /**
   * Publishes the list this node applies, for event scripts (FLOATIP_PUBLIC_ADDRESSES): at
   * start and after every change, before any script runs for it. Scripts must see what the
   * daemon applied, not the file as edited (a refused reload changed nothing).
   */
  readonly publishAddresses?: (list: readonly PublicAddress[]) => Promise<void>;
  /** What the `ctdb` stand-in of event scripts needs from the kernel (tickle, killtcp, checktcpport); without it those verbs fail. */
  readonly ctdbKernel?: CtdbToolKernel;
}

/** Counters for metrics and tests: plain numbers. */
export interface RuntimeStats {
  readonly heartbeatsSent: number;
  readonly rejectedFrames: number;
  readonly forgedMessages: number;
  readonly refusedObservations: number;
  readonly ordersAccepted: number;
  readonly staleOrders: number;
  readonly ordersNotFromLeader: number;
  readonly fences: number;
  readonly reconcileChecks: number;
  readonly reconcileRestored: number;
  readonly reconcileRemoved: number;
  readonly linkMoves: number;
  readonly tickleScans: number;
  readonly pingsSent: number;
  readonly roundTripSamples: number;
  /** PONGs that answered no PING of ours: ignored. */
  readonly unmatchedPongs: number;
}

export interface NodeRuntime {
  readonly pnn: Pnn;
  readonly api: DaemonApi;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** SIGHUP: re-read public_addresses (or take `list`); only what changed moves. */
  reload(list?: readonly PublicAddress[]): Promise<AddressListChange>;
  stats(): RuntimeStats;
  /** Every heartbeat round trip measured (peer, ms) from now on; the returned function removes the listener. */
  onRoundTrip(listener: RoundTripListener): () => void;
  /** The failover time (ms) of every address this node, as leader, moves off a failed node (failover-timer.ts). */
  onFailover(listener: FailoverListener): () => void;
  /**
   * The guardian keeper's word: `why` the node has no live guardian, or undefined once one
   * is ready. A runtime starts guarded: floatipd starts the guardian before runtime.start().
   */
  setUnguarded(why: string | undefined): void;
}

export class RuntimeStartError extends Error {
  readonly code = 'E_RUNTIME_START';
}

export function createNodeRuntime(init: RuntimeInit, components: RuntimeComponents): NodeRuntime {
  return new NodeRuntimeImpl(checkedInit(init), components);
}

/** The parts the control API reads (api.ts). */
export class NodeRuntimeImpl implements NodeRuntime {
  readonly pnn: Pnn;
  readonly api: DaemonApi;
  readonly state: ClusterState;
  readonly hosting: LocalAddresses;
  readonly tracker: ConnectionTracker;
  readonly history: RunHistory;
  readonly leader: TakeoverLeader;
  readonly orders: OrderHandler;
  readonly admin: AdminRelay;
  readonly clusterReload: ClusterReload;
  readonly fence: FenceGuard;
  readonly guard: GuardState;
  readonly reconciler: Reconciler;
  readonly heartbeats: Heartbeats;
  readonly roundTrips: RoundTrips;
  readonly duplicates: DuplicateWatch | undefined;
  readonly log: Logger;
  monitor: MonitorState = 'pending';
  /** Holds this node out while its monitor flaps (status, metrics). */
  readonly flapDamper: FlapDamper;
  startedAt = 0;
  private readonly allocator: Allocator;
  private readonly lockQuorum: LockQuorum | undefined;
  private readonly cleanups: Array<() => void> = [];
  private readonly timers: CancelTimer[] = [];
  private rejectedFrames = 0;
  private forgedMessages = 0;
  private started = false;
  private stopping = false;

  constructor(readonly init: RuntimeInit, readonly components: RuntimeComponents) {
    const { clock } = components;
    const logger = components.logger.child({ pnn: init.localPnn });
    this.pnn = init.localPnn;
    this.log = logger.child({ component: 'runtime' });
    this.allocator = rememberingAllocator(components.allocator ?? inlineAllocator());
    this.state = new ClusterState(init, clock, logger.child({ component: 'membership' }));
    this.tracker = new ConnectionTracker(components.connections, { broadcast: (m) => { components.mesh.broadcast(m); } });
    this.hosting = new LocalAddresses({
      takeover: components.takeover,
      events: components.events,
      log: logger.child({ component: 'hosting' }),
      ticklesFor: (address) => this.tracker.ticklesFor(address),
      onChange: () => this.hostingChanged(),
    });
    this.heartbeats = new Heartbeats(init.heartbeatIntervalMs, {
      state: this.state, hosting: this.hosting, clock,
      monitor: () => this.monitor,
      broadcast: (m) => { if (this.started) components.mesh.broadcast(m); },
    });
    this.roundTrips = new RoundTrips(init.heartbeatIntervalMs * PING_EVERY_HEARTBEATS, {
      clock,
      broadcast: (m) => (this.started ? components.mesh.broadcast(m) : []),
      send: (to, m) => components.mesh.send(to, m),
    });
    const announce = (): void => this.heartbeats.sendNow();
    this.history = new RunHistory(init.historyLimit ?? 100);
    this.flapDamper = new FlapDamper(init.flapDamping ?? DEFAULT_FLAP_DAMPING);
    this.leader = new TakeoverLeader(init, {
      state: this.state, clock, log: logger.child({ component: 'leader' }),
      allocator: this.allocator,
      loopDelay: components.loopDelay ?? perfHooksLoopDelayProbe(),
      history: this.history,
      credits: new BanCredits(init.ban),
      send: (to, m) => this.sendTo(to, m),
      announce,
      ban: (pnn, seconds) => this.admin.ban(pnn, seconds),
    });
    this.guard = new GuardState({
      clock, hosting: this.hosting, log: logger.child({ component: 'guard' }), handoverMs: init.fenceAfterMs,
      changed: () => this.reportHealth(),
    });
    this.orders = new OrderHandler({
      state: this.state, hosting: this.hosting, events: components.events, log: logger.child({ component: 'orders' }), clock,
      reply: (to, m) => { this.sendTo(to, m); }, announce, refusal: () => this.guard.refusal(),
    });
    this.admin = new AdminRelay({
      state: this.state, clock, log: logger.child({ component: 'admin' }), leader: this.leader,
      send: (to, m) => this.sendTo(to, m), announce, timeoutMs: 2 * init.takeoverDeadlineMs,
      retryDelayMs: init.heartbeatIntervalMs,
    });
    this.clusterReload = new ClusterReload({
      state: this.state, clock, log: logger.child({ component: 'reload' }), leader: this.leader,
      send: (to, m) => this.sendTo(to, m), reloadLocal: () => this.reload(), stepTimeoutMs: 2 * init.takeoverDeadlineMs,
    });
    this.fence = new FenceGuard(this.state, this.hosting, logger.child({ component: 'fence' }));
    this.reconciler = new Reconciler({
      netlink: components.netlink, takeover: components.takeover, state: this.state, hosting: this.hosting,
      log: logger.child({ component: 'reconcile' }), announce,
    });
    this.duplicates = components.prober
      ? new DuplicateWatch({ probeIntervalMs: init.duplicateProbeIntervalMs ?? 0 }, {
        prober: components.prober, hosting: this.hosting, clock, log: logger.child({ component: 'duplicates' }),
      })
      : undefined;
    this.lockQuorum = init.quorum === 'lock' && components.lock
      ? new LockQuorum(components.lock, this.state, logger.child({ component: 'lock' }))
      : undefined;
    this.api = createDaemonApi(this);
  }

  async start(): Promise<void> {
    const { netlink, mesh, clock, health } = this.components;
    if (this.init.quorum === 'lock' && !this.lockQuorum) {
      throw new RuntimeStartError('cluster.quorum = "lock" needs a cluster lock: set cluster.cluster_lock');
    }
    this.startedAt = clock.wallNow();
    const leftovers = await netlink.removeOwnedAddresses();
    if (leftovers.length > 0) {
      this.log.warn({ addresses: leftovers.map((a) => `${a.address.text}/${a.bits} ${a.interface}`) }, `removed ${leftovers.length} leftover floatip address(es)`);
    }
    await this.reconciler.readLinks();
    await this.components.publishAddresses?.(this.init.publicAddresses);
    await this.requiredEvent('init');
    await this.requiredEvent('setup');

    this.cleanups.push(this.state.onChange((changes) => this.viewChanged(changes)));
    this.cleanups.push(mesh.subscribe((event) => this.meshEvent(event)));
    this.cleanups.push(netlink.subscribe((event) => this.reconciler.onNetlinkEvent(event)));
    this.started = true;
    await mesh.start();
    this.heartbeats.start();
    this.roundTrips.start();
    this.timers.push(every(clock, this.init.reconcileIntervalMs, () => { void this.reconciler.check(); }));
    this.timers.push(every(clock, this.init.tickleScanIntervalMs, () => this.scanTickles()));
    this.duplicates?.start();
    if (this.lockQuorum) {
      const lock = this.lockQuorum;
      this.timers.push(every(clock, this.init.heartbeatIntervalMs, () => lock.poll()));
      lock.poll();
    }
    this.log.info({ nodes: this.init.nodes.length, addresses: this.init.publicAddresses.length }, 'joined the cluster');
    await health.start((healthy) => this.healthReported(healthy));
  }

  async stop(): Promise<void> {
    if (this.stopping || !this.started) return;
    this.stopping = true;
    const { mesh, events, health } = this.components;
    this.log.info({ holding: this.hosting.size }, 'stopping: releasing every address');
    this.state.observe({ kind: 'admin', pnn: this.pnn, action: 'stop' });
    this.heartbeats.sendNow();
    await this.fence.settled();
    await this.hosting.enqueue(async () => { if (this.hosting.size > 0) await this.hosting.releaseAll(); });
    mesh.broadcast({ kind: 'leaving', pnn: this.pnn, reason: 'shutdown' });
    const shutdown = await events.run('shutdown').catch((error: unknown) => {
      this.log.error({}, `shutdown event could not run: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    if (shutdown && eventFailed(shutdown)) this.log.warn({ status: shutdown.status }, `shutdown event ${shutdown.status}`);
    await health.stop();
    this.guard.stop();
    for (const cancel of this.timers.splice(0)) cancel();
    this.duplicates?.stop();
    this.heartbeats.stop();
    this.roundTrips.stop();
    this.leader.stop();
    this.admin.stop();
    this.clusterReload.stop();
    this.started = false;
    await mesh.stop();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    await this.allocator.close();
    await this.lockQuorum?.close();
  }

  async reload(list?: readonly PublicAddress[]): Promise<AddressListChange> {
    const next = list ?? await this.components.loadPublicAddresses?.();
    if (next === undefined) throw new RuntimeStartError('this runtime was given no way to re-read public_addresses');
    return this.setAddressList(next, 'reload');
  }

  /** Replaces this node's list: releases what it may no longer hold, tells every peer, re-plans. */
  async setAddressList(next: readonly PublicAddress[], why: string): Promise<AddressListChange> {
    const change = applyAddressList(this.state.addressList(this.pnn) ?? [], next, this.hosting.list());
    this.state.setAddressList(this.pnn, next);
    await this.components.publishAddresses?.(next);
    if (change.release.length > 0) {
      await this.hosting.enqueue(() => this.hosting.release(change.release.map((h) => ({ address: h.address, bits: h.bits }))));
    }
    this.components.mesh.broadcast(this.addressMessage());
    await this.reconciler.readLinks();
    this.leader.requestRun(`${why}: node ${this.pnn} public addresses changed`);
    this.log.info({ added: change.added, removed: change.removed, changed: change.changed }, `${why}: public addresses updated`);
    return change;
  }

  stats(): RuntimeStats {
    const r = this.reconciler.stats;
    return {
      heartbeatsSent: this.heartbeats.sent,
      rejectedFrames: this.rejectedFrames,
      forgedMessages: this.forgedMessages,
      refusedObservations: this.state.refusedObservations,
      ordersAccepted: this.orders.stats.accepted,
      staleOrders: this.orders.stats.staleEpoch,
      ordersNotFromLeader: this.orders.stats.notFromLeader,
      fences: this.fence.fences,
      reconcileChecks: r.checks,
      reconcileRestored: r.restored,
      reconcileRemoved: r.removed,
      linkMoves: r.moved,
      tickleScans: this.tracker.scans,
      pingsSent: this.roundTrips.stats.pingsSent,
      roundTripSamples: this.roundTrips.stats.samples,
      unmatchedPongs: this.roundTrips.stats.unmatchedPongs,
    };
  }

  onRoundTrip(listener: RoundTripListener): () => void {
    return this.roundTrips.subscribe(listener);
  }

  onFailover(listener: FailoverListener): () => void {
    return this.leader.failovers.subscribe(listener);
  }

  setUnguarded(why: string | undefined): void {
    this.guard.set(why);
  }

  /** Sends to a peer, or delivers to ourselves (the leader orders itself like any node). */
  sendTo(to: Pnn, message: SessionMessage): boolean {
    if (to === this.pnn) {
      queueMicrotask(() => this.onMessage(this.pnn, message));
      return true;
    }
    return this.components.mesh.send(to, message);
  }

  private addressMessage(): PublicAddressesMessage {
    const list = this.state.addressList(this.pnn) ?? [];
    return { kind: 'public-addresses', pnn: this.pnn, addresses: list.map((l) => ({ address: l.address, bits: l.bits, interfaces: l.interfaces })) };
  }

  private async requiredEvent(event: 'init' | 'setup'): Promise<void> {
    const result = await this.components.events.run(event);
    if (eventFailed(result)) {
      throw new RuntimeStartError(`event ${event} ${result.status}${result.reason ? `: ${result.reason}` : ''}: `
        + `floatipd does not start until it passes; see \`floatip event status ${event}\` output in the log`);
    }
  }

  /** Every finished monitor's verdict; a flapping one keeps the node UNHEALTHY for the hold-down (flap-damping.ts). */
  private healthReported(monitorHealthy: boolean): void {
    const damping = this.flapDamper.record(monitorHealthy, this.components.clock.now());
    if (damping.hold) this.log.warn({ flips: damping.flips }, `held out of hosting: ${damping.reason}`);
    const healthy = monitorHealthy && !damping.heldOut;
    const next: MonitorState = healthy ? 'healthy' : 'unhealthy';
    const changed = next !== this.monitor;
    this.monitor = next;
    if (this.stopping) return;
    this.reportHealth();
    if (changed) this.heartbeats.sendNow();
  }

  /** The node's health as the cluster sees it: its monitor passes and a guardian stands behind it (guard.ts). */
  private reportHealth(): void {
    // Before the first monitor the node is UNHEALTHY anyway; the monitor's verdict will fold `guarded` in.
    if (this.stopping || this.monitor === 'pending') return;
    this.state.observe({ kind: 'health', pnn: this.pnn, healthy: this.monitor === 'healthy' && this.guard.guarded });
  }

  private hostingChanged(): void {
    this.state.observe({ kind: 'hosting', pnn: this.pnn, addresses: this.hosting.list().map((h) => h.address) });
    this.heartbeats.sendNow();
    this.duplicates?.heldChanged();
  }

  private viewChanged(changes: readonly MembershipChange[]): void {
    for (const change of changes) {
      if (change.kind !== 'hosted' || change.pnn !== this.pnn) this.log.info({ change: change.kind, node: change.pnn }, describeChange(change));
    }
    this.heartbeats.armTick();
    this.fence.evaluate();
    this.leader.onViewChange(changes);
    if (changes.some((c) => c.kind === 'flags' && c.pnn === this.pnn)) this.heartbeats.sendNow();
  }

  private scanTickles(): void {
    this.tracker.scan(this.hosting.list().map((h) => h.address)).catch((error: unknown) => {
      this.log.warn({}, `tickle scan failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  private meshEvent(event: MeshEvent): void {
    switch (event.kind) {
      case 'peer-up': {
        const { mesh } = this.components;
        mesh.send(event.pnn, this.heartbeats.message());
        mesh.send(event.pnn, this.addressMessage());
        for (const full of this.tracker.fullLists()) mesh.send(event.pnn, full);
        this.roundTrips.ping(event.pnn);
        return;
      }
      case 'peer-down':
        this.log.info({ peer: event.pnn, reason: event.reason }, `connection to node ${event.pnn} down (${event.reason}): ${event.detail}`);
        if (event.reason !== 'leaving' && event.reason !== 'stopped' && this.state.view.nodes[event.pnn].hosted.length > 0) {
          this.leader.holdForCrash(event.pnn, this.state.view.nodes[event.pnn].hosted.length);
        }
        this.state.observe({ kind: 'stream-closed', pnn: event.pnn });
        this.roundTrips.peerDown(event.pnn);
        return;
      case 'fenced': {
        const left = this.leader.guardianFenced(event.pnn);
        this.log.info({ peer: event.pnn, cause: event.cause, removed: event.removed, graceLeftMs: Math.round(left) },
          `node ${event.pnn}'s guardian removed its ${event.removed} address(es) (${event.cause})`
          + (left > 0 ? `: no need to wait the ${Math.round(left)} ms of crash grace left` : ''));
        return;
      }
      case 'rejected':
        this.rejectedFrames++;
        this.log.warn({ peer: event.pnn, remote: event.remote, code: event.code }, `rejected: ${event.detail}`);
        return;
      case 'refused':
        this.log.warn({ codes: event.counts, sources: event.sources, intervalMs: event.intervalMs }, describeRefusals(event));
        return;
      case 'message':
        this.onMessage(event.from, event.message);
        return;
    }
  }

  private forged(from: Pnn, kind: string, claimed: Pnn): void {
    this.forgedMessages++;
    this.log.warn({ from, kind, claimed }, `ignored ${kind} from node ${from} claiming to be node ${claimed}`);
  }

  onMessage(from: Pnn, message: SessionMessage): void {
    if (this.stopping && message.kind !== 'release-ack' && message.kind !== 'admin-reply' && message.kind !== 'reload-reply') return;
    switch (message.kind) {
      case 'heartbeat':
        if (message.pnn !== from) return this.forged(from, message.kind, message.pnn);
        this.state.observe(heartbeatObservation(message, this.components.clock.now()));
        return;
      case 'leaving':
        if (message.pnn !== from) return this.forged(from, message.kind, message.pnn);
        this.state.observe({ kind: 'stream-closed', pnn: from });
        return;
      case 'public-addresses': {
        if (message.pnn !== from) return this.forged(from, message.kind, message.pnn);
        const lines = message.addresses.map((a) => ({ address: a.address, bits: a.bits, interfaces: a.interfaces }));
        if (this.state.setAddressList(from, lines)) this.leader.requestRun(`node ${from} public addresses changed`);
        return;
      }
      case 'ping':
        // Only a peer's session gets an answer; a message from ourselves came through sendTo.
        if (from !== this.pnn) this.roundTrips.onPing(from, message);
        return;
      case 'pong':
        this.roundTrips.onPong(from, message);
        return;
      case 'release':
      case 'take':
      case 'ipreallocated':
        this.orders.handle(from, message);
        return;
      case 'release-ack':
      case 'take-ack':
      case 'ipreallocated-ack':
        this.leader.onAck(from, message);
        return;
      case 'tickle-full':
        this.tracker.onFull(message);
        return;
      case 'tickle-delta':
        this.tracker.onDelta(message);
        return;
      case 'admin-request':
        this.admin.onRequest(from, message);
        return;
      case 'admin-reply':
        this.admin.onReply(from, message);
        return;
      case 'reload-request':
        this.clusterReload.onRequest(from, message);
        return;
      case 'reload-reply':
        this.clusterReload.onReply(from, message);
        return;
    }
  }
}

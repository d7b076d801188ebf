// The node runtime: the composition of membership, heartbeats, orders, leader runs, fence, reconcile and tickles.
//
// `createNodeRuntime(init, components)` takes options and ports only: src/daemon/main.ts
// hands it the real adapters, tests hand it memory fakes on one manual clock.
// Start: remove leftover floatip addresses, run `init` and `setup`, join the mesh,
// then `startup` and the monitor (the HealthSource). Stop (SIGTERM): report STOPPED,
// release every address, send LEAVING, run `shutdown`. Reload (SIGHUP): a new
// public_addresses list, of which only what changed moves. What arrives from the mesh goes
// through mesh-events.ts, and each peer message through router.ts's table.

import { PublicAddress } from '../../core/address';
import { Pnn } from '../../core/flags';
import { ip } from '../../core/ip';
import { MembershipChange } from '../../core/membership';
import { boundedList, logChange } from './change-log';
import { eventFailed } from '../../adapters/scripts/status';
import { MonitorState, PublicAddressesMessage } from '../../protocol/frame-messages';
import { DaemonApi } from '../control/api';
import { AdminRelay } from './admin';
import { ClusterNodes } from './cluster-nodes';
import { ClusterReload } from './cluster-reload';
import { Allocator, inlineAllocator, rememberingAllocator } from './allocator';
import { RuntimeComponents } from './components';
import { ApiSources, createDaemonApi } from './api';
import { BanCredits } from './bans';
import { CancelTimer, every } from '../../adapters/clock';
import { ClusterState } from './cluster-state';
import { DuplicateWatch } from './duplicate-probe';
import { FenceGuard } from './fence';
import { DEFAULT_FLAP_DAMPING, FlapDamper } from './flap-damping';
import { LocalHealth } from './local-health';
import { GuardState } from './guard';
import { Heartbeats } from './heartbeat';
import { RunHistory, runRecordMessage } from './history';
import { Reannouncer } from './reannounce';
import { LocalAddresses } from './hosting';
import { TakeoverLeader } from './leader';
import { LockQuorum } from './lock-quorum';
import { Logger } from './logger';
import { perfHooksLoopDelayProbe } from './loop-delay';
import { MeshEvents } from './mesh-events';
import { SessionMessage } from './messages';
import { OrderHandler } from './orders';
import { ReadinessWatch } from './readiness';
import { Reconciler } from './reconcile';
import { PING_EVERY_HEARTBEATS, RoundTripListener, RoundTrips } from './rtt';
import { MessageRouter, nodeRoutes } from './router';
import { RuntimeStats, runtimeStats } from './runtime-stats';
import { FailoverListener } from './failover-timer';
import { checkedInit, RuntimeInit, RuntimeNode } from './settings';
import { ConnectionTracker } from './tickles';
import { addressListMessage, AddressListChange, applyAddressList } from './address-list';
import { inBackground } from './background';

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
   * is ready. A runtime starts guarded unless told guardianStarting() before start().
   */
  setUnguarded(why: string | undefined): void;
  /** The fast path ordered the guardian to remove every address (no quorum on its hearing): bar adds now, release the records (FenceGuard.ordered). */
  fenceOrdered(detail: string): void;
  /** Before start(): no guardian yet (`why`), one is starting; setUnguarded(undefined) once it is ready. */
  guardianStarting(why: string): void;
}

/**
 * A runtime with its parts in view: what the in-process cluster tests read (a node's view,
 * addresses, leader, guardian, runs) and drive (messages handed in as if from the mesh).
 */
export interface InspectableNodeRuntime extends NodeRuntime {
  readonly state: ClusterState;
  readonly hosting: LocalAddresses;
  readonly leader: TakeoverLeader;
  readonly guard: GuardState;
  readonly history: RunHistory;
  readonly heartbeats: Heartbeats;
  readonly reannouncer: Reannouncer;
  readonly reconciler: Reconciler;
  /** Handles a peer message as if it had come off the mesh (the router's entry). */
  receive(from: Pnn, message: SessionMessage): void;
}

export class RuntimeStartError extends Error {
  readonly code = 'E_RUNTIME_START';
}

export function createNodeRuntime(init: RuntimeInit, components: RuntimeComponents): InspectableNodeRuntime {
  return new NodeRuntimeImpl(checkedInit(init), components);
}

class NodeRuntimeImpl implements InspectableNodeRuntime, ApiSources {
  readonly pnn: Pnn;
  readonly api: DaemonApi;
  readonly state: ClusterState;
  readonly hosting: LocalAddresses;
  readonly tracker: ConnectionTracker;
  readonly history: RunHistory;
  readonly leader: TakeoverLeader;
  readonly orders: OrderHandler;
  readonly readiness: ReadinessWatch;
  readonly admin: AdminRelay;
  readonly clusterReload: ClusterReload;
  readonly clusterNodes: ClusterNodes;
  private readonly fence: FenceGuard;
  readonly reannouncer: Reannouncer;
  readonly guard: GuardState;
  readonly reconciler: Reconciler;
  readonly heartbeats: Heartbeats;
  readonly roundTrips: RoundTrips;
  readonly duplicates: DuplicateWatch | undefined;
  private readonly log: Logger;
  startedAt = 0;
  private readonly health: LocalHealth;
  private readonly router: MessageRouter;
  private readonly meshEvents: MeshEvents;
  private readonly allocator: Allocator;
  private readonly lockQuorum: LockQuorum | undefined;
  private readonly cleanups: Array<() => void> = [];
  private readonly timers: CancelTimer[] = [];
  private started = false;
  private stopping = false;

  constructor(readonly init: RuntimeInit, readonly components: RuntimeComponents) {
    const { clock } = components;
    const logger = components.logger.child({ pnn: init.localPnn });
    this.pnn = init.localPnn;
    this.log = logger.child({ component: 'runtime' });
    this.allocator = rememberingAllocator(components.allocator ?? inlineAllocator(), undefined, (then) => clock.nextTurn(then));
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
      monitor: () => this.health.monitor,
      broadcast: (m) => { if (this.started) components.mesh.broadcast(m); },
      flush: () => components.mesh.flush?.(),
    });
    this.roundTrips = new RoundTrips(init.heartbeatIntervalMs * PING_EVERY_HEARTBEATS, {
      clock,
      broadcast: (m) => (this.started ? components.mesh.broadcast(m) : []),
      send: (to, m) => components.mesh.send(to, m),
    });
    const announce = (): void => this.heartbeats.sendNow();
    this.history = new RunHistory(init.historyLimit ?? 100);
    this.health = new LocalHealth(init.flapDamping ?? DEFAULT_FLAP_DAMPING, {
      self: this.pnn, state: this.state, clock, log: this.log,
      guarded: () => this.guard.guarded, stopping: () => this.stopping, announce,
    });
    this.leader = new TakeoverLeader(init, {
      state: this.state, clock, log: logger.child({ component: 'leader' }),
      allocator: this.allocator,
      loopDelay: components.loopDelay ?? perfHooksLoopDelayProbe(),
      history: this.history,
      credits: new BanCredits(init.ban),
      send: (to, m) => this.sendTo(to, m),
      afterQueuedWork: (then) => inBackground(this.hosting.enqueue(async () => then()), this.log, 'E_FORECAST', 'the failure forecast'),
      announce,
      publishRun: (record) => { if (this.started) components.mesh.broadcast(runRecordMessage(record)); },
      ban: (pnn, seconds) => this.admin.ban(pnn, seconds),
    });
    this.guard = new GuardState({
      clock, hosting: this.hosting, log: logger.child({ component: 'guard' }), handoverMs: init.fenceAfterMs,
      changed: () => this.health.report(),
    });
    this.orders = new OrderHandler({
      state: this.state, hosting: this.hosting, events: components.events, log: logger.child({ component: 'orders' }), clock,
      reply: (to, m) => { this.sendTo(to, m); }, announce, refusal: () => this.guard.refusal(), keepEarlyReleaseMs: init.deadAfterMs,
    });
    this.readiness = new ReadinessWatch({ state: this.state, clock, lastRun: () => this.orders.lastRun, settleMs: 2 * init.heartbeatIntervalMs });
    this.admin = new AdminRelay({
      state: this.state, clock, log: logger.child({ component: 'admin' }), leader: this.leader,
      send: (to, m) => this.sendTo(to, m), announce, timeoutMs: 2 * init.takeoverDeadlineMs,
      runWaitMs: Math.round(1.5 * init.takeoverDeadlineMs), retryDelayMs: init.heartbeatIntervalMs,
    });
    this.clusterReload = new ClusterReload({
      state: this.state, clock, log: logger.child({ component: 'reload' }), leader: this.leader,
      send: (to, m) => this.sendTo(to, m), reloadLocal: () => this.reload(), stepTimeoutMs: 2 * init.takeoverDeadlineMs,
      nodeSet: { check: (lines) => this.clusterNodes.check(lines), apply: (lines) => this.clusterNodes.apply(lines) },
    });
    this.clusterNodes = new ClusterNodes({
      state: this.state, log: logger.child({ component: 'nodes' }), reload: this.clusterReload,
      ...(components.loadNodes ? { loadNodes: components.loadNodes } : {}),
      applyNodes: (nodes) => this.nodesApplied(nodes), clock, joinWaitMs: init.deadAfterMs,
    });
    this.reannouncer = new Reannouncer({ self: this.pnn, state: this.state, hosting: this.hosting, log: logger.child({ component: 'reannounce' }) });
    this.fence = new FenceGuard(this.state, this.hosting, logger.child({ component: 'fence' }));
    this.reconciler = new Reconciler({
      netlink: components.netlink, takeover: components.takeover, state: this.state, hosting: this.hosting,
      log: logger.child({ component: 'reconcile' }), announce, refusal: () => this.guard.refusal(),
    });
    this.duplicates = components.prober
      ? new DuplicateWatch({ probeIntervalMs: init.duplicateProbeIntervalMs ?? 0 }, {
        prober: components.prober, hosting: this.hosting, clock, log: logger.child({ component: 'duplicates' }),
      })
      : undefined;
    this.lockQuorum = init.quorum === 'lock' && components.lock
      ? new LockQuorum(components.lock, this.state, logger.child({ component: 'lock' }))
      : undefined;
    this.router = new MessageRouter(nodeRoutes({
      self: this.pnn, clock, state: this.state, leader: this.leader, orders: this.orders, roundTrips: this.roundTrips,
      tracker: this.tracker, admin: this.admin, clusterReload: this.clusterReload, history: this.history,
    }), { stopping: () => this.stopping, log: this.log });
    this.meshEvents = new MeshEvents({
      mesh: components.mesh, state: this.state, leader: this.leader, heartbeats: this.heartbeats, tracker: this.tracker,
      roundTrips: this.roundTrips, addressMessage: () => this.addressMessage(),
      runRecords: () => this.history.list().reverse().map(runRecordMessage), route: (from, m) => this.receive(from, m), log: this.log,
    });
    this.api = createDaemonApi(this);
  }

  get monitor(): MonitorState {
    return this.health.monitor;
  }

  get flapDamper(): FlapDamper {
    return this.health.flapDamper;
  }

  async start(): Promise<void> {
    const { netlink, mesh, clock, health } = this.components;
    if (this.init.quorum === 'lock' && !this.lockQuorum) {
      throw new RuntimeStartError('cluster.quorum = "lock" needs a cluster lock: set cluster.cluster_lock');
    }
    this.startedAt = clock.wallNow();
    const leftovers = await netlink.removeOwnedAddresses();
    if (leftovers.length > 0) {
      this.log.warn({ count: leftovers.length, addresses: boundedList(leftovers.map((a) => `${a.address.text}/${a.bits} ${a.interface}`)) },
        `removed ${leftovers.length} leftover floatip address(es)`);
    }
    await this.reconciler.readLinks();
    await this.components.publishAddresses?.(this.init.publicAddresses);
    await this.requiredEvent('init');
    await this.requiredEvent('setup');
    // Its one long turn (health-source.ts prepare) now, before the mesh opens: after joining it held heartbeats and runs.
    health.prepare();

    this.cleanups.push(this.state.onChange((changes) => this.viewChanged(changes)));
    this.cleanups.push(mesh.subscribe((event, ageMs) => this.state.heardAgo(ageMs ?? 0, () => this.meshEvents.handle(event))));
    this.cleanups.push(netlink.subscribe((event) => this.reconciler.onNetlinkEvent(event)));
    this.started = true;
    await mesh.start();
    this.heartbeats.start();
    this.roundTrips.start();
    this.timers.push(every(clock, this.init.reconcileIntervalMs, () => inBackground(this.reconciler.check(), this.log, 'E_RECONCILE', 'the periodic reconcile check')));
    this.timers.push(every(clock, this.init.tickleScanIntervalMs, () => this.scanTickles()));
    this.duplicates?.start();
    if (this.lockQuorum) {
      const lock = this.lockQuorum;
      this.timers.push(every(clock, this.init.heartbeatIntervalMs, () => lock.poll()));
      lock.poll();
    }
    this.log.info({ nodes: this.state.nodes.length, addresses: this.init.publicAddresses.length }, 'joined the cluster');
    await health.start((healthy) => this.health.monitorReported(healthy));
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
    // Our last heartbeat went out with the release; LEAVING is the last word. A heartbeat after
    // it (the pace timer while the shutdown event runs) counted us back in the peers' partition,
    // and then our closing stream as a failure, not a leave.
    this.heartbeats.sendNow();
    this.heartbeats.stop();
    mesh.broadcast({ kind: 'leaving', pnn: this.pnn, reason: 'shutdown' });
    const shutdown = await events.run('shutdown').catch((error: unknown) => {
      this.log.error({}, `shutdown event could not run: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    if (shutdown && eventFailed(shutdown)) this.log.warn({ status: shutdown.status }, `shutdown event ${shutdown.status}`);
    await health.stop();
    this.guard.stop();
    for (const cancel of this.timers.splice(0)) cancel();
    this.state.stop();
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
    return runtimeStats({
      heartbeats: this.heartbeats, meshEvents: this.meshEvents, router: this.router, state: this.state, orders: this.orders,
      fence: this.fence, reconciler: this.reconciler, tracker: this.tracker, roundTrips: this.roundTrips,
    });
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

  fenceOrdered(detail: string): void {
    this.fence.ordered(detail);
  }

  guardianStarting(why: string): void {
    this.guard.starting(why);
  }

  /** Sends to a peer, or delivers to ourselves (the leader orders itself like any node). */
  sendTo(to: Pnn, message: SessionMessage): boolean {
    if (to === this.pnn) {
      queueMicrotask(() => this.receive(this.pnn, message));
      return true;
    }
    return this.components.mesh.send(to, message);
  }

  receive(from: Pnn, message: SessionMessage): void {
    this.router.route(from, message);
  }

  /** A new node set (reloadnodes): the mesh dials and drops, and whoever else follows `nodes` hears it. */
  private nodesApplied(nodes: readonly RuntimeNode[]): void {
    this.components.mesh.setNodes(nodes.map((n) => ({ pnn: n.pnn, address: n.address === null ? null : ip(n.address) })));
    this.components.nodesApplied?.(nodes);
  }

  private addressMessage(): PublicAddressesMessage {
    return addressListMessage(this.pnn, this.state.addressList(this.pnn) ?? []);
  }

  private async requiredEvent(event: 'init' | 'setup'): Promise<void> {
    const result = await this.components.events.run(event);
    if (eventFailed(result)) {
      throw new RuntimeStartError(`event ${event} ${result.status}${result.reason ? `: ${result.reason}` : ''}: `
        + `floatipd does not start until it passes; see \`floatip event status ${event}\` output in the log`);
    }
  }

  private hostingChanged(): void {
    this.state.observe({ kind: 'hosting', pnn: this.pnn, addresses: this.hosting.list().map((h) => h.address) });
    this.heartbeats.sendNow();
    this.duplicates?.heldChanged();
  }

  private viewChanged(changes: readonly MembershipChange[]): void {
    for (const change of changes) {
      if (change.kind !== 'hosted' || change.pnn !== this.pnn) logChange(this.log, change);
      // A peer counted gone by silence: drop its connection, so nothing either side queued
      // during the silence (an order, a stale heartbeat) arrives once the link is back.
      if (change.kind === 'flags' && change.cause === 'silence' && change.pnn !== this.pnn) {
        this.components.mesh.reset(change.pnn, `node ${change.pnn} was silent for dead_after: its connection is reset so nothing queued meanwhile arrives late`);
      }
    }
    this.heartbeats.armTick();
    this.fence.evaluate();
    this.readiness.viewChanged();
    this.reannouncer.viewChanged();
    this.leader.onViewChange(changes);
    this.orders.viewChanged();
    if (changes.some((c) => c.kind === 'flags' && c.pnn === this.pnn)) this.heartbeats.sendNow();
  }

  private scanTickles(): void {
    this.tracker.scan(this.hosting.list().map((h) => h.address)).catch((error: unknown) => {
      this.log.warn({}, `tickle scan failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
}

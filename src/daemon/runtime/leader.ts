// Takeover runs on the leader, as ctdb_takeover_helper does them, under ONE deadline (timing.takeover_deadline):
//
//   0. agree     a run starts only when every member of the partition reports the same
//                members as this node sees (core/quorum.ts partitionAgreed); until then it
//                is held, and it starts at the view change that makes them agree.
//   1. epoch     a new epoch, above every epoch any node has reported; we adopt it first.
//                The first run after this node gained quorum has every peer confirm it
//                (an empty RELEASE, acked after a fresh heartbeat) before it plans.
//   2. allocate  the target assignment from the view (flags, links, every node's list),
//                through the Allocator port (a worker thread for big clusters).
//   3. plan      core/plan: current + target -> release / take / ipreallocated actions.
//   4. release   RELEASE to every node that must give an address up, in parallel; wait
//                for every ack. A node that goes DISCONNECTED (silent for dead_after, or
//                its stream closed) counts as released. Addresses whose release failed
//                are not taken anywhere in this run.
//   5. take      TAKE to every new owner, in parallel; wait for every ack.
//   6. ipreallocated  to every member of the partition; wait for every ack.
//
// A change of the view during a run supersedes it at the next boundary before the takes
// (releases are always safe to have done); once takes went out their acks are awaited,
// so the next run starts from what the nodes really hold. A failed run is retried; every
// failed action is a ban credit for its node (bans.ts), and a failed take also keeps the
// address off that node in the next runs (failed-takes.ts).
//
// Settled means every address the last run placed is hosted: an address no node hosts
// while the allocator had a node for it (a take failed or timed out, a node dropped it
// after the run) always leads to another run, at once.

import { NO_NODE, NodeFlag, Pnn } from '../../core/flags';
import { IpAddress, parseIp } from '../../core/ip';
import { canHostAddress, claimedHolders, MembershipChange, nodeFlags } from '../../core/membership';
import { canHostWithFlags } from '../../core/flags';
import { disagreeingMembers, FENCE_DELETE_MS_PER_ADDRESS, partitionAgreed, partitionMembers } from '../../core/quorum';
import { planTakeover, ReleaseAction, TakeAction } from '../../core/plan';
import {
  IpReallocatedAck, ReleaseAck, SessionMessageOf, TakeAck,
} from './messages';
import { TakeoverRunRecord } from '../../protocol/control-results';
import { AckOutcome, AckWait, PhaseAck } from './acks';
import { Allocator } from './allocator';
import { BanCredits } from './bans';
import { FailedTakes } from './failed-takes';
import { FailoverTimer } from './failover-timer';
import { Clock, OneTimer } from '../../adapters/clock';
import { ClusterState } from './cluster-state';
import { RunHistory } from './history';
import { Logger } from './logger';
import { LoopDelayProbe } from './loop-delay';
import { buildRunInputs } from './run-inputs';
import { RuntimeInit } from './settings';

export interface LeaderComponents {
  readonly state: ClusterState;
  readonly clock: Clock;
  readonly log: Logger;
  readonly allocator: Allocator;
  readonly loopDelay: LoopDelayProbe;
  readonly history: RunHistory;
  readonly credits: BanCredits;
  /** Sends an order to a node (ourselves included); false when it cannot be delivered. */
  readonly send: (to: Pnn, message: SessionMessageOf<'release' | 'take' | 'ipreallocated'>) => boolean;
  /** Our heartbeat, at once: peers learn the new epoch before the orders. */
  readonly announce: () => void;
  /** Bans a node that collected enough credits. */
  readonly ban: (pnn: Pnn, seconds: number) => void;
}

type Status = TakeoverRunRecord['status'];

class RunAborted extends Error {
  constructor(readonly status: Status, message: string) {
    super(message);
  }
}

/** Waiters for "the next run that starts after now has finished" (moveip, ipreallocate). */
interface RunWaiter {
  readonly after: number;
  readonly resolve: (record: TakeoverRunRecord) => void;
}

export class TakeoverLeader {
  private running = false;
  private pendingReason: string | undefined;
  private readonly debounce: OneTimer;
  private readonly retry: OneTimer;
  private readonly deadline: OneTimer;
  private wait: AckWait<PhaseAck> | undefined;
  private wasLeader = false;
  private stopped = false;
  private lastEpoch = 0;
  private runCounter = 0;
  /** Where the last finished run put every address: hosted changes that match it need no run. */
  private lastTarget: Map<string, Pnn> | undefined;
  /** Where the last run that planned wanted every address, failed takes included: an unhosted one among them means not settled. */
  private lastPlaced = new Map<string, Pnn>();
  private readonly failedTakes: FailedTakes;
  /** moveip: address text -> node it must go to in the next run. */
  private readonly pins = new Map<string, Pnn>();
  /**
   * ipreallocate --rebalance: nodes LCP2 may move addresses onto although they hold some. They
   * stay until a run that used them ends ok, as CTDB's recovery daemon keeps its list.
   */
  private readonly rebalanceTargets = new Set<Pnn>();
  /** The targets the current run allocated with. */
  private rebalanceInRun: readonly Pnn[] = [];
  private readonly waiters: RunWaiter[] = [];
  /** Crashed or silent peer -> no run starts before this clock reading (it, or its guardian, is still deleting its addresses). */
  private readonly crashHolds = new Map<Pnn, number>();
  /** When each peer's guardian last reported its addresses deleted (FENCED). */
  private readonly fencedAt = new Map<Pnn, number>();
  /** The pending run waits until every member of the partition reports our members (step 0). */
  private heldForAgreement = false;
  /** When this node's partition last became quorate (start, or back from a partition); undefined while it is not. */
  private quorateSince: number | undefined;
  /** The pending run waits for peers not heard since quorum came back (rejoinWait). */
  private heldForRejoin = false;
  /** Nodes whose hosted list changed while a run was under way (looked at again when it ends). */
  private readonly hostedDuringRun = new Set<Pnn>();
  /** Cluster-wide reloadips (cluster-reload.ts): hold name -> clock reading at which it ends by itself. */
  private readonly reloadHolds = new Map<string, number>();
  /** Callers of whenIdle, answered when the run under way ends. */
  private idleWaiters: Array<() => void> = [];
  /** The quorateSince for which every peer has confirmed a run's epoch, so their lists are current since. */
  private confirmedSince: number | undefined;
  lastRunEndedAt: number | null = null;
  lastRunMs: number | null = null;
  /** Failover time of each address moved off a failed node (the floatip_address_failover_seconds histogram). */
  readonly failovers = new FailoverTimer();

  constructor(private readonly init: RuntimeInit, private readonly components: LeaderComponents) {
    this.debounce = new OneTimer(components.clock);
    this.retry = new OneTimer(components.clock);
    this.deadline = new OneTimer(components.clock);
    this.failedTakes = new FailedTakes(init.ban.gracePeriodMs);
  }

  isLeader(): boolean {
    return !this.stopped && this.components.state.leader() === this.init.localPnn;
  }

  /** Asks for a run soon; a burst of requests within runDebounceMs makes one run. */
  requestRun(reason: string): void {
    if (!this.isLeader()) return;
    this.pendingReason ??= reason;
    if (this.running) return; // the active run sees pendingReason at its next boundary
    if (this.debounce.due === undefined) this.debounce.set(this.init.runDebounceMs ?? 10, () => this.startPending());
  }

  /** Resolves when a run that starts after this call has finished (ok or failed). */
  runAndWait(reason: string): Promise<TakeoverRunRecord> {
    const promise = new Promise<TakeoverRunRecord>((resolve) => this.waiters.push({ after: this.runCounter, resolve }));
    this.requestRun(reason);
    return promise;
  }

  /**
   * A peer that held `held` addresses broke its stream without LEAVING: its guardian
   * deletes them on the dead node, and no node may add them before that. Runs wait until
   * `crashGraceMs` plus FENCE_DELETE_MS_PER_ADDRESS for each address after the break (the
   * guardian deletes one by one: 333 addresses took it 305 ms); heartbeats and everything
   * else go on. The guardian's FENCED notice (guardianFenced) ends the wait early.
   */
  holdForCrash(pnn: Pnn, held: number): void {
    this.failovers.ownerFailed(this.components.state.view.nodes[pnn]?.hosted ?? [], this.components.clock.now());
    const grace = this.init.crashGraceMs ?? 0;
    if (grace <= 0) return;
    this.holdUntil(pnn, this.components.clock.now() + grace + held * FENCE_DELETE_MS_PER_ADDRESS);
  }

  /**
   * A peer fell silent for dead_after. It fences itself (or its guardian fences it) at
   * fence_after of silence, and then needs time to delete what it held: 333 addresses took
   * 450 ms while the other nodes added theirs (the failover bench, fast profile, where
   * dead_after leaves only 75 ms after fence_after). So runs wait until its last heartbeat +
   * fence_after + FENCE_DELETE_MS_PER_ADDRESS per address it held, when that is later than
   * now; its guardian's FENCED notice (a frozen daemon) ends the wait early.
   */
  holdForSilence(pnn: Pnn): void {
    const node = this.components.state.view.nodes[pnn];
    if (node?.lastHeardAt === undefined || node.hosted.length === 0) return;
    this.holdUntil(pnn, node.lastHeardAt + this.init.fenceAfterMs + node.hosted.length * FENCE_DELETE_MS_PER_ADDRESS);
  }

  /**
   * No run starts before `until` because of `pnn`, unless its guardian already reported
   * the addresses gone (the notice overtook the closed stream, or a frozen daemon's stream
   * closes only when it thaws) and the node has not spoken since.
   */
  private holdUntil(pnn: Pnn, until: number): void {
    const fencedAt = this.fencedAt.get(pnn);
    const heardAt = this.components.state.view.nodes[pnn]?.lastHeardAt;
    if (fencedAt !== undefined && (heardAt === undefined || heardAt <= fencedAt)) return;
    if (until <= this.components.clock.now()) return;
    this.crashHolds.set(pnn, Math.max(this.crashHolds.get(pnn) ?? 0, until));
  }

  /**
   * `pnn`'s guardian reports every address of that node deleted: a run held for its crash
   * may start now. Returns how long the hold had left (0 when there was none).
   */
  guardianFenced(pnn: Pnn): number {
    this.fencedAt.set(pnn, this.components.clock.now());
    const until = this.crashHolds.get(pnn);
    if (until === undefined) return 0;
    this.crashHolds.delete(pnn);
    const left = Math.max(0, until - this.components.clock.now());
    if (left > 0 && this.pendingReason !== undefined && !this.running) {
      this.debounce.clear();
      this.debounce.set(0, () => this.startPending());
    }
    return left;
  }

  /** How long runs must still wait for crashed peers' guardians; expired holds are dropped. */
  private crashWait(): number {
    const now = this.components.clock.now();
    let wait = 0;
    for (const [pnn, until] of this.crashHolds) {
      if (until <= now) this.crashHolds.delete(pnn);
      else wait = Math.max(wait, until - now);
    }
    return wait;
  }

  /**
   * A cluster-wide reloadips: no run starts (should this node lead) until endReloadHold(name)
   * or until `ms` have passed, so that every node's new list is in the view before the one
   * run that places them; a run started on a partial view would give an address to the
   * first node that listed it, and LCP2 does not move it later. The bound keeps a
   * coordinator that died or lost contact from holding runs for ever.
   */
  holdForReload(name: string, ms: number): void {
    this.reloadHolds.set(name, this.components.clock.now() + ms);
    this.components.log.info({ hold: name, ms }, `takeover runs held for a cluster-wide reloadips (${name}) for at most ${ms} ms`);
  }

  /** Ends a reload hold; a run asked for meanwhile starts now, unless another hold remains. */
  endReloadHold(name: string): void {
    if (!this.reloadHolds.delete(name)) return;
    if (this.reloadHoldWait() === 0 && this.pendingReason !== undefined && !this.running) {
      this.debounce.clear();
      this.debounce.set(0, () => this.startPending());
    }
  }

  /** Resolves when no run is under way (at once if none is). */
  whenIdle(): Promise<void> {
    if (!this.running || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** How long runs must still wait for reload holds; expired holds are dropped. */
  private reloadHoldWait(): number {
    const now = this.components.clock.now();
    let wait = 0;
    for (const [name, until] of this.reloadHolds) {
      if (until <= now) {
        this.reloadHolds.delete(name);
        this.components.log.warn({ hold: name }, `reload hold ${name} ran out before it was released: takeover runs go on`);
      } else {
        wait = Math.max(wait, until - now);
      }
    }
    return wait;
  }

  /** moveip: the next run puts `address` on `pnn` if that node can host it. */
  pin(address: string, pnn: Pnn): void {
    this.pins.set(address, pnn);
  }

  /** ipreallocate --rebalance: the next runs let LCP2 move addresses onto `pnns` (see rebalanceTargets). */
  rebalanceOnto(pnns: readonly Pnn[]): void {
    for (const pnn of pnns) this.rebalanceTargets.add(pnn);
  }

  /** Decides whether a view change calls for a run. */
  onViewChange(changes: readonly MembershipChange[]): void {
    for (const change of changes) {
      if (change.kind === 'flags' && change.cause === 'silence') this.holdForSilence(change.pnn);
      this.timeFailovers(change);
    }
    const quorate = this.components.state.quorum().quorate;
    if (!quorate) this.quorateSince = undefined;
    else this.quorateSince ??= this.components.clock.now();
    const leader = this.isLeader();
    if (!leader) {
      this.wasLeader = false;
      // Asked of this leader only; a later leader term starts without them (the command failed).
      this.rebalanceTargets.clear();
      // The nodes now obey another leader and will not answer this run: end its wait, phase() then supersedes it.
      this.wait?.expire();
      return;
    }
    if (!this.wasLeader) {
      this.wasLeader = true;
      this.requestRun('became leader');
      return;
    }
    for (const change of changes) {
      if (change.kind === 'flags') this.requestRun(`node ${change.pnn} flags changed`);
      else if (change.kind === 'link') this.requestRun(`node ${change.pnn} link ${change.iface} ${change.after ?? 'gone'}`);
      else if (change.kind === 'hosted' && this.running) this.hostedDuringRun.add(change.pnn);
      else if (change.kind === 'hosted' && this.drifted(change.pnn)) {
        this.requestRun(`node ${change.pnn} holds addresses the last run did not give it`);
      } else if (change.kind === 'hosted' && change.removed.some((address) => this.unserved().includes(address))) {
        this.requestRun(`node ${change.pnn} dropped an address the last run placed, and no node hosts it`);
      }
    }
    // Nodes we wait for that went away count as released (DESIGN: silent for dead_after).
    const view = this.components.state.view;
    for (const pnn of this.wait?.pending() ?? []) if (!view.nodes[pnn].connected) this.wait?.gone(pnn);
    // A member now reporting another partition voids the run's premise: supersede it before its takes.
    if (this.running && changes.some((c) => c.kind === 'partition') && !partitionAgreed(view)) {
      this.requestRun('the members of the partition no longer agree on it');
    }
    // A run held for agreement starts at the view change that brings it.
    if (this.heldForAgreement && partitionAgreed(view)) {
      this.heldForAgreement = false;
      this.debounce.clear();
      this.debounce.set(0, () => this.startPending());
    }
    // A run held back for unheard peers starts as soon as the last of them is heard.
    if (this.heldForRejoin && this.unheardPeers().length === 0) {
      this.heldForRejoin = false;
      this.debounce.clear();
      this.debounce.set(0, () => this.startPending());
    }
  }

  /** An ack from a node; acks of other epochs or phases are ignored. */
  onAck(from: Pnn, message: PhaseAck): void {
    if (!this.wait?.offer(from, message)) {
      this.components.log.debug({ from, kind: message.kind, epoch: message.epoch }, 'ack for no waiting phase ignored');
      return;
    }
    if (message.kind === 'take-ack') this.failovers.takeAcked(message, this.components.clock.now());
  }

  /** Where a failover starts (a silent owner's last heartbeat), and when one that began is off (the owner is back). */
  private timeFailovers(change: MembershipChange): void {
    if (change.kind !== 'flags') return;
    const node = this.components.state.view.nodes[change.pnn];
    if (node === undefined) return;
    const wasDisconnected = (change.before & NodeFlag.DISCONNECTED) !== 0;
    const isDisconnected = (change.after & NodeFlag.DISCONNECTED) !== 0;
    if (change.cause === 'silence' && isDisconnected) this.failovers.ownerFailed(node.hosted, node.lastHeardAt ?? this.components.clock.now());
    if (wasDisconnected && !isDisconnected) this.failovers.forget(node.hosted);
  }

  stop(): void {
    this.stopped = true;
    this.debounce.clear();
    this.retry.clear();
    this.deadline.clear();
    this.wait?.expire();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private drifted(pnn: Pnn): boolean {
    if (!this.lastTarget) return true;
    const hosted = this.components.state.view.nodes[pnn].hosted;
    const expected = [...this.lastTarget].filter(([, owner]) => owner === pnn).map(([address]) => address);
    return hosted.length !== expected.length || hosted.some((address) => this.lastTarget?.get(address) !== pnn);
  }

  /** Addresses the last run placed on a node that no node hosts now: the cluster is not settled. */
  private unserved(): string[] {
    const holders = claimedHolders(this.components.state.view);
    return [...this.lastPlaced].filter(([address, pnn]) => pnn !== NO_NODE && !holders.has(address)).map(([address]) => address);
  }

  /** True when the node holds an address the last run gave to another node. */
  private misplaced(pnn: Pnn): boolean {
    return this.lastTarget !== undefined && this.components.state.view.nodes[pnn].hosted.some((address) => this.lastTarget?.get(address) !== pnn);
  }

  /**
   * Peers not heard since this node's partition became quorate. One heard since and then
   * lost (a kill -9 just after start) is not among them: its hosted list is current, and
   * its loss is handled as at any other time (holdForCrash, dead_after).
   */
  private unheardPeers(): Pnn[] {
    const since = this.quorateSince ?? this.components.clock.now();
    return this.components.state.view.nodes
      .filter((n) => !n.local && !n.deleted && !(n.lastHeardAt !== undefined && n.lastHeardAt >= since))
      .map((n) => n.pnn);
  }

  /**
   * How long a run must still wait because this node only just gained quorum (it started,
   * or came back from a partition). Its view of the peers it has not heard since is from
   * before: one of them may have taken addresses in the quorate partition this node was
   * cut from, and counting it as released (it is DISCONNECTED here) would put those
   * addresses on two nodes. A live, reachable peer is heard within a heartbeat interval;
   * one still silent after dead_after counts as gone, as everywhere else.
   */
  private rejoinWait(): number {
    if (this.quorateSince === undefined) return 0;
    const left = this.quorateSince + this.init.deadAfterMs - this.components.clock.now();
    return left > 0 && this.unheardPeers().length > 0 ? left : 0;
  }

  /**
   * Step 0: true (and the run held) while a member of our partition reports other members
   * than we see. Connectivity is not transitive: a restarted node that reached only some
   * peers can be quorate and lowest-numbered in its view while the rest still follow
   * another leader; counting that leader's node as gone would put its addresses on two
   * nodes. A shared member reports both sides, so neither agrees until the cluster is
   * whole again or the split is real (the cut nodes' streams closed or dead_after passed).
   */
  private holdForAgreement(): boolean {
    const view = this.components.state.view;
    const disagreeing = disagreeingMembers(view);
    if (disagreeing.length === 0) return false;
    if (!this.heldForAgreement) {
      const reports = disagreeing.map((pnn) => `node ${pnn} reports ${view.nodes[pnn].reportedPartition?.join(',') ?? 'nothing yet'}`);
      this.components.log.info({ members: partitionMembers(view), disagreeing },
        `takeover run held until the partition agrees: this node sees ${partitionMembers(view).join(',')}, ${reports.join(', ')}`);
    }
    this.heldForAgreement = true;
    return true;
  }

  private startPending(): void {
    if (this.running || this.pendingReason === undefined) return;
    if (!this.isLeader()) {
      this.pendingReason = undefined;
      return;
    }
    const reloadWait = this.reloadHoldWait();
    if (reloadWait > 0) {
      this.debounce.set(reloadWait, () => this.startPending());
      return;
    }
    const rejoinWait = this.rejoinWait();
    this.heldForRejoin = rejoinWait > 0;
    const crashWait = this.crashWait();
    const wait = Math.max(crashWait, rejoinWait);
    if (wait > 0) {
      if (crashWait > 0) this.allocateAhead();
      this.debounce.set(wait, () => this.startPending());
      return;
    }
    if (this.holdForAgreement()) return;
    const reason = this.pendingReason;
    this.pendingReason = undefined;
    this.running = true;
    this.hostedDuringRun.clear();
    this.retry.clear();
    // An address a live node holds now did not fail over, whatever was recorded while another node led.
    this.failovers.forget(this.components.state.view.nodes.filter((n) => n.connected).flatMap((n) => n.hosted));
    void this.execute(reason).then((record) => this.finished(record));
  }

  /** The inputs of a run from the view as it is now. */
  private runInputs(): ReturnType<typeof buildRunInputs> {
    const { state, clock } = this.components;
    return buildRunInputs(state.view, state.addressLists(), {
      algorithm: this.init.algorithm, tunables: this.init.tunables, members: state.quorum().members,
      avoid: (pnn, address, others) => this.failedTakes.avoid(pnn, address, others, clock.now()),
      forceRebalance: [...this.rebalanceTargets].sort((a, b) => a - b),
    });
  }

  /**
   * While a run waits for a crashed peer's guardian, allocate for the view as it is: the
   * dead node is already DISCONNECTED in it, and the run that follows reads the same view
   * and finds the answer ready (the allocator remembers it). LCP2 over 1000 addresses took
   * 35-80 ms on a 2-core machine, all of it on the failover's path after the FENCED notice.
   * A failure is the run's to report: it allocates again.
   */
  private allocateAhead(): void {
    this.components.allocator.allocate(this.runInputs().alloc).catch(() => undefined);
  }

  private finished(record: TakeoverRunRecord): void {
    this.running = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.components.history.add(record);
    if (record.status === 'ok') for (const pnn of this.rebalanceInRun) this.rebalanceTargets.delete(pnn);
    this.rebalanceInRun = [];
    const fields = { epoch: record.epoch, status: record.status, reason: record.reason, moves: record.moves, phases: record.phases, loopDelayP99Ms: record.loopDelayP99Ms };
    if (record.status === 'failed') this.components.log.warn({ ...fields, error: record.error }, `takeover run ${record.epoch} failed: ${record.error}`);
    else this.components.log.info(fields, `takeover run ${record.epoch} ${record.status}`);
    if (record.status !== 'superseded') {
      const ready = this.waiters.filter((w) => w.after < this.runCounter);
      this.waiters.splice(0, this.waiters.length, ...this.waiters.filter((w) => w.after >= this.runCounter));
      for (const waiter of ready) waiter.resolve(record);
    }
    if (this.stopped) return;
    // A node that reported, while the run went on, an address this run gave to another
    // node (it took it under an earlier leader, or its list reached us late) must give it
    // up; no later view change would say so, and both would keep it.
    const misplaced = [...this.hostedDuringRun].find((pnn) => this.misplaced(pnn));
    if (this.pendingReason === undefined && record.status === 'ok' && misplaced !== undefined) {
      this.pendingReason = `node ${misplaced} holds addresses the last run gave to another node`;
    }
    // Not settled: an address the run placed is hosted nowhere (its node dropped it while the
    // run went on). The next run places it again, at once. After a failed take the run
    // failed, and its retry below places the address elsewhere (failed-takes.ts).
    const unserved = this.unserved();
    if (this.pendingReason === undefined && record.status === 'ok' && unserved.length > 0) {
      this.pendingReason = `${unserved.length} address(es) hosted by no node after run ${record.epoch} (${unserved.slice(0, 3).join(', ')})`;
    }
    if (this.pendingReason !== undefined) {
      this.debounce.set(0, () => this.startPending());
    } else if (record.status === 'failed') {
      this.retry.set(this.init.heartbeatIntervalMs, () => this.requestRun(`retry of failed run ${record.epoch}`));
    }
  }

  private nextEpoch(): number {
    const seen = Math.max(...this.components.state.view.nodes.map((n) => n.epoch));
    this.lastEpoch = Math.max(this.lastEpoch, seen) + 1;
    return this.lastEpoch;
  }

  private async execute(reason: string): Promise<TakeoverRunRecord> {
    const { state, clock, allocator } = this.components;
    this.runCounter++;
    const measurement = this.components.loopDelay.start();
    const startedAt = clock.wallNow();
    const t0 = clock.now();
    const phases = { allocate: 0, release: 0, take: 0, ipreallocated: 0, total: 0 };
    const failures: string[] = [];
    let moves = 0;
    let deadlineHit = false;
    let status: Status = 'ok';
    let error = '';

    // 1. epoch
    const epoch = this.nextEpoch();
    state.observe({ kind: 'epoch', pnn: this.init.localPnn, epoch, leader: this.init.localPnn });
    this.components.announce();
    this.deadline.set(this.init.takeoverDeadlineMs, () => {
      deadlineHit = true;
      this.wait?.expire();
    });
    const boundary = (beforeTakes: boolean): void => {
      if (this.stopped) throw new RunAborted('superseded', 'the runtime stopped');
      if (!this.isLeader()) throw new RunAborted('superseded', 'this node is no longer the leader');
      if (beforeTakes && this.pendingReason !== undefined) throw new RunAborted('superseded', `superseded: ${this.pendingReason}`);
      if (deadlineHit) throw new RunAborted('failed', `the run passed its deadline of ${this.init.takeoverDeadlineMs} ms`);
    };

    try {
      // 1b. confirm: the first run after this node gained quorum (start, or back from a
      //     partition) first sends every connected peer an empty RELEASE. The heartbeats it
      //     heard so far may be old ones TCP held through the outage, listing what the peer
      //     held before; planning from them it took addresses another node had taken
      //     meanwhile (seen by the failover bench: on two nodes for ~150-250 ms). A peer
      //     sends its heartbeat before its ack (orders.ts), so once every ack is in, every
      //     list in the view is current.
      if (this.quorateSince !== undefined && this.confirmedSince !== this.quorateSince) {
        const since = this.quorateSince;
        const peers = state.view.nodes.filter((n) => !n.local && !n.deleted && n.connected).map((n) => n.pnn);
        await this.phase<ReleaseAck>(epoch, 'release-ack', peers, () => ({ kind: 'release', epoch, leader: this.init.localPnn, addresses: [] }));
        if (this.stopped || !this.isLeader()) throw new RunAborted('superseded', 'this node is no longer the leader');
        this.confirmedSince = since;
        // What changed while we waited is in the view this run reads now.
        this.pendingReason = undefined;
      }

      // 2. allocate (found ready when allocateAhead saw the same inputs)
      let lap = clock.now();
      const inputs = this.runInputs();
      this.rebalanceInRun = inputs.alloc.forceRebalance ?? [];
      const result = await allocator.allocate(inputs.alloc);
      const target = new Map(result.assignment);
      this.applyPins(target, inputs.lines);
      phases.allocate = clock.now() - lap;
      boundary(true);

      // 3. plan
      const plan = planTakeover({ current: inputs.current, target, nodes: inputs.planNodes });
      for (const problem of plan.problems) this.components.log.warn({ code: problem.code, pnn: problem.pnn, address: problem.address }, problem.message);
      const releases: ReleaseAction[] = [
        ...plan.release,
        ...inputs.duplicates.map((d): ReleaseAction => ({ kind: 'release', pnn: d.pnn, address: d.address, bits: inputs.lines.get(d.address)?.bits ?? 32, iface: undefined })),
      ];

      // 4. release
      lap = clock.now();
      const notReleased = new Set<string>();
      if (releases.length > 0) {
        const byNode = groupByNode(releases);
        const outcomes = await this.phase<ReleaseAck>(epoch, 'release-ack', [...byNode.keys()], (pnn) => ({
          kind: 'release', epoch, leader: this.init.localPnn, addresses: byNode.get(pnn)!.map((a) => addressOf(a.address)),
        }));
        for (const [pnn, outcome] of outcomes) {
          const asked = byNode.get(pnn)!.map((a) => a.address);
          if (outcome.kind === 'gone') continue;
          if (outcome.kind === 'timeout') {
            asked.forEach((a) => notReleased.add(a));
            failures.push(this.charge(pnn, `node ${pnn} did not acknowledge RELEASE of ${asked.length} address(es) in time`));
            continue;
          }
          for (const failed of outcome.message.failed) {
            notReleased.add(failed.address.text);
            failures.push(this.charge(pnn, `node ${pnn} could not release ${failed.address.text}: ${failed.reason}`));
          }
        }
      }
      phases.release = clock.now() - lap;
      boundary(true);

      // 5. take
      lap = clock.now();
      const takes = plan.take.filter((t): t is TakeAction => t.kind === 'take' && !notReleased.has(t.address));
      moves = takes.length;
      const finalTarget = new Map(target);
      this.lastPlaced = new Map([...target].filter(([address]) => !notReleased.has(address)));
      if (takes.length > 0) {
        const byNode = groupByNode(takes);
        const outcomes = await this.phase<TakeAck>(epoch, 'take-ack', [...byNode.keys()], (pnn) => ({
          kind: 'take', epoch, leader: this.init.localPnn,
          takes: byNode.get(pnn)!.map((t) => ({ address: addressOf(t.address), bits: t.bits, iface: t.iface })),
        }));
        for (const [pnn, outcome] of outcomes) {
          const asked = byNode.get(pnn)!;
          if (outcome.kind !== 'ack') {
            asked.forEach((t) => finalTarget.set(t.address, NO_NODE));
            if (outcome.kind === 'timeout') {
              asked.forEach((t) => this.failedTakes.record(pnn, t.address, clock.now()));
              failures.push(this.charge(pnn, `node ${pnn} did not acknowledge TAKE of ${asked.length} address(es) in time`));
            }
            continue;
          }
          for (const taken of outcome.message.results.filter((r) => r.status === 'failed')) {
            finalTarget.set(taken.address.text, NO_NODE);
            this.failedTakes.record(pnn, taken.address.text, clock.now());
            failures.push(this.charge(pnn, `node ${pnn} could not take ${taken.address.text}: ${taken.error}`));
          }
        }
      }
      this.lastTarget = new Map([...finalTarget].filter(([, pnn]) => pnn !== NO_NODE));
      phases.take = clock.now() - lap;
      boundary(false);

      // 6. ipreallocated
      lap = clock.now();
      const everyone = inputs.planNodes.map((n) => n.pnn).filter((pnn) => state.view.nodes[pnn].connected);
      const outcomes = await this.phase<IpReallocatedAck>(epoch, 'ipreallocated-ack', everyone,
        () => ({ kind: 'ipreallocated', epoch, leader: this.init.localPnn }));
      for (const [pnn, outcome] of outcomes) {
        if (outcome.kind === 'timeout') failures.push(`node ${pnn} did not acknowledge IPREALLOCATED in time`);
        else if (outcome.kind === 'ack' && outcome.message.status === 'failed') failures.push(`node ${pnn}: ipreallocated failed: ${outcome.message.error}`);
      }
      phases.ipreallocated = clock.now() - lap;
      if (deadlineHit) failures.push(`the run passed its deadline of ${this.init.takeoverDeadlineMs} ms`);
      if (failures.length > 0) {
        status = 'failed';
        error = failures.join('; ');
      }
    } catch (caught) {
      if (caught instanceof RunAborted) {
        status = caught.status;
        error = [caught.message, ...failures].join('; ');
      } else {
        status = 'failed';
        error = caught instanceof Error ? caught.message : String(caught);
      }
    } finally {
      this.deadline.clear();
      this.wait = undefined;
    }
    phases.total = clock.now() - t0;
    this.lastRunEndedAt = clock.wallNow();
    this.lastRunMs = phases.total;
    return {
      epoch, leader: this.init.localPnn, startedAt, reason, status, error, moves,
      phases: roundPhases(phases), loopDelayP99Ms: measurement.stop(),
    };
  }

  /** Sends one order per node and waits for every answer (or the deadline). */
  private async phase<M extends PhaseAck>(
    epoch: number, kind: M['kind'], nodes: readonly Pnn[],
    order: (pnn: Pnn) => SessionMessageOf<'release' | 'take' | 'ipreallocated'>,
  ): Promise<Map<Pnn, AckOutcome<M>>> {
    const wait = new AckWait<M>(epoch, kind, nodes);
    this.wait = wait as unknown as AckWait<PhaseAck>;
    const view = this.components.state.view;
    for (const pnn of nodes) {
      if (!view.nodes[pnn].connected || !this.components.send(pnn, order(pnn))) wait.gone(pnn);
    }
    const outcomes = await wait.done;
    // Missing acks of a run whose leader was replaced meanwhile are nobody's fault: no ban credits, no retry.
    if (!this.stopped && !this.isLeader()) throw new RunAborted('superseded', 'this node is no longer the leader');
    return outcomes;
  }

  private charge(pnn: Pnn, message: string): string {
    const outcome = this.components.credits.charge(pnn, this.components.clock.now());
    if (outcome.ban) {
      this.components.log.warn({ pnn, credits: outcome.credits }, `node ${pnn} reached ${outcome.credits} ban credits: banning it`);
      this.components.ban(pnn, Math.ceil(this.init.ban.periodMs / 1000));
    }
    return message;
  }

  private applyPins(target: Map<string, Pnn>, lines: ReadonlyMap<string, { address: IpAddress; bits: number; interfaces: readonly string[] }>): void {
    const view = this.components.state.view;
    for (const [address, pnn] of this.pins) {
      const line = this.components.state.addressList(pnn)?.find((l) => l.address.text === address) ?? undefined;
      const node = view.nodes[pnn];
      if (line && lines.has(address) && node && canHostWithFlags(nodeFlags(node)) && canHostAddress(node, line)) target.set(address, pnn);
      else this.components.log.warn({ address, pnn }, `moveip ${address} ${pnn}: node ${pnn} cannot host it now; left where the allocator put it`);
    }
    this.pins.clear();
  }
}

function groupByNode<A extends { pnn: Pnn }>(actions: readonly A[]): Map<Pnn, A[]> {
  const out = new Map<Pnn, A[]>();
  for (const action of actions) out.set(action.pnn, [...(out.get(action.pnn) ?? []), action]);
  return out;
}

function addressOf(text: string): IpAddress {
  const parsed = parseIp(text);
  if (!parsed.ok) throw new Error(`internal: plan address ${text}: ${parsed.error}`);
  return parsed.value;
}

function roundPhases(phases: TakeoverRunRecord['phases']): TakeoverRunRecord['phases'] {
  const r = (ms: number): number => Math.round(ms * 1000) / 1000;
  return { allocate: r(phases.allocate), release: r(phases.release), take: r(phases.take), ipreallocated: r(phases.ipreallocated), total: r(phases.total) };
}

// When the leader runs takeovers: requests, debounce, follow-up runs and retries, waiters, moveip pins.
//
// Whether a pending run may start now is the takeover gate's (core/takeover-gate.ts, fed by
// gate-facts.ts); the run itself, phase by phase under one deadline, is takeover-run.ts. What
// is left here is scheduling, with one timer per purpose:
//   debounce   a burst of requests within runDebounceMs makes one run;
//   gate       a run the gate holds is asked about again when its wait ends, or at once
//              when a hold lifts (a FENCED notice, a reload hold's end, agreement reached);
//   followUp   a request that came during a run, or a run that left the cluster unsettled
//              (last-placement.ts), starts the next run at once;
//   retry      a failed run is tried again a heartbeat interval later.
// A change of the view during a run supersedes it before its takes (takeover-run.ts).

import { NodeFlag, Pnn } from '../../core/flags';
import { MembershipChange } from '../../core/membership';
import { disagreeingMembers, partitionAgreed, partitionMembers } from '../../core/quorum';
import { decideRun, GateDecision, sameDecision } from '../../core/takeover-gate';
import { TakeoverRunRecord } from '../../protocol/control-results';
import { PhaseAck } from './acks';
import { Allocator } from './allocator';
import { BanCredits } from './bans';
import { OneTimer, RuntimeClock } from './clock';
import { ClusterState } from './cluster-state';
import { FailedTakes } from './failed-takes';
import { FailoverTimer } from './failover-timer';
import { GateFacts } from './gate-facts';
import { RunHistory } from './history';
import { LastPlacement } from './last-placement';
import { Logger } from './logger';
import { LoopDelayProbe } from './loop-delay';
import { SessionMessageOf } from './messages';
import { RuntimeInit } from './settings';
import { RunOutcome, RunPorts, runInputsOf, TakeoverRun } from './takeover-run';

export interface LeaderComponents {
  readonly state: ClusterState;
  readonly clock: RuntimeClock;
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

/** The gate's answer while it holds the pending run (what `floatip status` shows). */
export type HeldRun = Exclude<GateDecision, { kind: 'start' }>;

/** Waiters for "the next run that starts after now has finished" (moveip, ipreallocate). */
interface RunWaiter {
  readonly after: number;
  readonly resolve: (record: TakeoverRunRecord) => void;
}

export class TakeoverLeader {
  private run: TakeoverRun | undefined;
  private pendingReason: string | undefined;
  private readonly debounce: OneTimer;
  private readonly gate: OneTimer;
  private readonly followUp: OneTimer;
  private readonly retry: OneTimer;
  /** The gate's answer holding the pending run, while it holds it. */
  private heldBy: HeldRun | undefined;
  /** The pending run's disagreement was logged (once per run held for it). */
  private disagreementLogged = false;
  private wasLeader = false;
  private stopped = false;
  private lastEpoch = 0;
  private runCounter = 0;
  private readonly facts: GateFacts;
  private readonly placement = new LastPlacement();
  private readonly failedTakes: FailedTakes;
  /** moveip: address text -> node it must go to in the next run. */
  private readonly pins = new Map<string, Pnn>();
  /**
   * ipreallocate --rebalance: nodes LCP2 may move addresses onto although they hold some. They
   * stay until a run that used them ends ok, as CTDB's recovery daemon keeps its list.
   */
  private readonly rebalanceTargets = new Set<Pnn>();
  private readonly waiters: RunWaiter[] = [];
  /** Nodes whose hosted list changed while a run was under way (looked at again when it ends). */
  private readonly hostedDuringRun = new Set<Pnn>();
  /** Callers of whenIdle, answered when the run under way ends. */
  private idleWaiters: Array<() => void> = [];
  private readonly runPorts: RunPorts;
  lastRunEndedAt: number | null = null;
  lastRunMs: number | null = null;
  /** Failover time of each address moved off a failed node (the floatip_address_failover_seconds histogram). */
  readonly failovers = new FailoverTimer();

  constructor(private readonly init: RuntimeInit, private readonly components: LeaderComponents) {
    const { state, clock, log } = components;
    this.debounce = new OneTimer(clock);
    this.gate = new OneTimer(clock);
    this.followUp = new OneTimer(clock);
    this.retry = new OneTimer(clock);
    this.failedTakes = new FailedTakes(init.ban.gracePeriodMs);
    this.facts = new GateFacts({ crashGraceMs: init.crashGraceMs ?? 0, fenceAfterMs: init.fenceAfterMs, deadAfterMs: init.deadAfterMs }, log);
    this.runPorts = {
      init, clock, log, allocator: components.allocator, loopDelay: components.loopDelay, failedTakes: this.failedTakes,
      snapshot: () => ({ view: state.view, lists: new Map(state.addressLists()), members: state.quorum().members }),
      connected: (pnn) => state.view.nodes[pnn].connected,
      send: components.send,
      adoptEpoch: (epoch) => {
        state.observe({ kind: 'epoch', pnn: init.localPnn, epoch, leader: init.localPnn });
        components.announce();
      },
      charge: (pnn, message) => this.charge(pnn, message),
      standing: () => (this.stopped ? 'stopped' : this.isLeader() ? 'leading' : 'replaced'),
      newerRequest: () => this.pendingReason,
      confirmed: (since) => {
        this.facts.confirmed(since);
        this.pendingReason = undefined; // what changed while peers confirmed is in the view the run reads now
      },
      takePins: () => {
        const pins = new Map(this.pins);
        this.pins.clear();
        return pins;
      },
      rebalanceTargets: () => [...this.rebalanceTargets].sort((a, b) => a - b),
    };
  }

  isLeader(): boolean {
    return !this.stopped && this.components.state.leader() === this.init.localPnn;
  }

  /** Asks for a run soon; a burst of requests within runDebounceMs makes one run. */
  requestRun(reason: string): void {
    if (!this.isLeader()) return;
    this.pendingReason ??= reason;
    if (this.run) return; // the active run sees pendingReason at its next boundary
    if ([this.debounce, this.gate, this.followUp].every((timer) => timer.due === undefined)) {
      this.debounce.set(this.init.runDebounceMs ?? 10, () => this.startPending());
    }
  }

  /** Resolves when a run that starts after this call has finished (ok or failed). */
  runAndWait(reason: string): Promise<TakeoverRunRecord> {
    const promise = new Promise<TakeoverRunRecord>((resolve) => this.waiters.push({ after: this.runCounter, resolve }));
    this.requestRun(reason);
    return promise;
  }

  /** A peer that held `held` addresses broke its stream without LEAVING (the gate's `crash` row). */
  holdForCrash(pnn: Pnn, held: number): void {
    const now = this.components.clock.now();
    const node = this.components.state.view.nodes[pnn];
    this.failovers.ownerFailed(node?.hosted ?? [], now);
    if (node) this.facts.crashed(node, held, now);
  }

  /**
   * `pnn`'s guardian reports every address of that node deleted: a run held for its crash or
   * silence may start now. Returns how long the hold had left (0 when there was none).
   */
  guardianFenced(pnn: Pnn): number {
    const left = this.facts.fenced(pnn, this.components.state.view, this.components.clock.now());
    if (left > 0 && this.pendingReason !== undefined && !this.run) this.startSoon();
    return left;
  }

  /**
   * A cluster-wide reloadips: no run starts (should this node lead) until endReloadHold(name)
   * or until `ms` have passed (the gate's `reload` row).
   */
  holdForReload(name: string, ms: number): void {
    this.facts.holdForReload(name, this.components.clock.now() + ms);
    this.components.log.info({ hold: name, ms }, `takeover runs held for a cluster-wide reloadips (${name}) for at most ${ms} ms`);
  }

  /** Ends a reload hold; a run asked for meanwhile starts now, unless another hold remains. */
  endReloadHold(name: string): void {
    if (!this.facts.endReload(name)) return;
    this.facts.prune(this.components.clock.now());
    if (this.decide().rule !== 'reload' && this.pendingReason !== undefined && !this.run) this.startSoon();
  }

  /** Resolves when no run is under way (at once if none is). */
  whenIdle(): Promise<void> {
    if (!this.run || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** moveip: the next run puts `address` on `pnn` if that node can host it. */
  pin(address: string, pnn: Pnn): void {
    this.pins.set(address, pnn);
  }

  /** ipreallocate --rebalance: the next runs let LCP2 move addresses onto `pnns` (see rebalanceTargets). */
  rebalanceOnto(pnns: readonly Pnn[]): void {
    for (const pnn of pnns) this.rebalanceTargets.add(pnn);
  }

  /** Why the pending run does not start now, or undefined when none is pending or it may start. */
  nextRun(): HeldRun | undefined {
    if (!this.isLeader() || this.run || this.pendingReason === undefined) return undefined;
    const decision = this.decide();
    return decision.kind === 'start' ? undefined : decision;
  }

  /** Decides whether a view change calls for a run. */
  onViewChange(changes: readonly MembershipChange[]): void {
    const { state, clock } = this.components;
    for (const change of changes) {
      if (change.kind === 'flags' && change.cause === 'silence') this.facts.silent(state.view.nodes[change.pnn]);
      this.timeFailovers(change);
    }
    this.facts.quorum(state.quorum().quorate, clock.now());
    if (!this.isLeader()) {
      this.wasLeader = false;
      // Asked of this leader only; a later leader term starts without them (the command failed).
      this.rebalanceTargets.clear();
      // The nodes now obey another leader and will not answer this run: end its wait, the run then supersedes itself.
      this.run?.deadline.expire();
      return;
    }
    if (!this.wasLeader) {
      this.wasLeader = true;
      this.requestRun('became leader');
      return;
    }
    const view = state.view;
    for (const change of changes) {
      if (change.kind === 'flags') this.requestRun(`node ${change.pnn} flags changed`);
      else if (change.kind === 'link') this.requestRun(`node ${change.pnn} link ${change.iface} ${change.after ?? 'gone'}`);
      else if (change.kind === 'hosted' && this.run) this.hostedDuringRun.add(change.pnn);
      else if (change.kind === 'hosted' && this.placement.drifted(view, change.pnn)) {
        this.requestRun(`node ${change.pnn} holds addresses the last run did not give it`);
      } else if (change.kind === 'hosted' && change.removed.some((address) => this.placement.unserved(view).includes(address))) {
        this.requestRun(`node ${change.pnn} dropped an address the last run placed, and no node hosts it`);
      }
    }
    // Nodes we wait for that went away count as released (DESIGN: silent for dead_after).
    for (const pnn of this.run?.deadline.pending() ?? []) if (!view.nodes[pnn].connected) this.run?.deadline.gone(pnn);
    // A member now reporting another partition voids the run's premise: supersede it before its takes.
    if (this.run && changes.some((c) => c.kind === 'partition') && !partitionAgreed(view)) {
      this.requestRun('the members of the partition no longer agree on it');
    }
    // A held run starts at the view change that lifts its hold (the partition agrees, the unheard peers spoke).
    if (this.heldBy !== undefined && this.pendingReason !== undefined && !this.run && !sameDecision(this.decide(), this.heldBy)) this.startSoon();
  }

  /** An ack from a node; acks of other epochs or phases are ignored. */
  onAck(from: Pnn, message: PhaseAck): void {
    if (!this.run?.deadline.offer(from, message)) {
      this.components.log.debug({ from, kind: message.kind, epoch: message.epoch }, 'ack for no waiting phase ignored');
      return;
    }
    if (message.kind === 'take-ack') this.failovers.takeAcked(message, this.components.clock.now());
  }

  stop(): void {
    this.stopped = true;
    for (const timer of [this.debounce, this.gate, this.followUp, this.retry]) timer.clear();
    this.run?.deadline.stop();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
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

  private decide(): GateDecision {
    return decideRun(this.facts.inputs(this.components.state.view, this.components.clock.now()));
  }

  /** A hold lifted: ask the gate again now, not after the debounce or the wait it set. */
  private startSoon(): void {
    this.debounce.clear();
    this.gate.set(0, () => this.startPending());
  }

  private startPending(): void {
    if (this.run || this.pendingReason === undefined) return;
    if (!this.isLeader()) {
      this.pendingReason = undefined;
      this.heldBy = undefined;
      return;
    }
    this.facts.prune(this.components.clock.now());
    const decision = this.decide();
    if (decision.kind !== 'start') {
      this.hold(decision);
      return;
    }
    const reason = this.pendingReason;
    this.pendingReason = undefined;
    this.heldBy = undefined;
    this.disagreementLogged = false;
    for (const timer of [this.debounce, this.gate, this.followUp, this.retry]) timer.clear();
    this.hostedDuringRun.clear();
    // An address a live node holds now did not fail over, whatever was recorded while another node led.
    this.failovers.forget(this.components.state.view.nodes.filter((n) => n.connected).flatMap((n) => n.hosted));
    this.runCounter++;
    const confirmSince = decision.confirmFirst ? this.facts.sinceQuorate : undefined;
    this.run = new TakeoverRun(this.runPorts, { reason, epoch: this.nextEpoch(), confirmSince });
    void this.run.execute().then((outcome) => this.finished(outcome));
  }

  private hold(decision: HeldRun): void {
    this.heldBy = decision;
    if (decision.kind === 'wait') {
      if (decision.rule === 'crash' || decision.rule === 'silence') this.allocateAhead();
      this.gate.set(decision.waitMs, () => this.startPending());
    } else if (decision.rule === 'agreement' && !this.disagreementLogged) {
      this.disagreementLogged = true;
      const view = this.components.state.view;
      this.components.log.info({ members: partitionMembers(view), disagreeing: disagreeingMembers(view) }, `takeover run held ${decision.reason}`);
    }
  }

  /**
   * While a run waits for a crashed or silent peer's guardian, allocate for the view as it is:
   * the dead node is already DISCONNECTED in it, and the run that follows reads the same view
   * and finds the answer ready (the allocator remembers it). LCP2 over 1000 addresses took
   * 35-80 ms on a 2-core machine, all of it on the failover's path after the FENCED notice.
   * A failure is the run's to report: it allocates again.
   */
  private allocateAhead(): void {
    const inputs = runInputsOf(this.runPorts, this.runPorts.snapshot(), this.runPorts.rebalanceTargets());
    this.components.allocator.allocate(inputs.alloc).catch(() => undefined);
  }

  private nextEpoch(): number {
    const seen = Math.max(...this.components.state.view.nodes.map((n) => n.epoch));
    this.lastEpoch = Math.max(this.lastEpoch, seen) + 1;
    return this.lastEpoch;
  }

  private finished(outcome: RunOutcome): void {
    const { record } = outcome;
    this.run = undefined;
    this.lastRunEndedAt = outcome.endedAt;
    this.lastRunMs = outcome.totalMs;
    this.placement.record(outcome);
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.components.history.add(record);
    if (record.status === 'ok') for (const pnn of outcome.rebalanced) this.rebalanceTargets.delete(pnn);
    const fields = { epoch: record.epoch, status: record.status, reason: record.reason, moves: record.moves, phases: record.phases, loopDelayP99Ms: record.loopDelayP99Ms };
    if (record.status === 'failed') this.components.log.warn({ ...fields, error: record.error }, `takeover run ${record.epoch} failed: ${record.error}`);
    else this.components.log.info(fields, `takeover run ${record.epoch} ${record.status}`);
    if (record.status !== 'superseded') {
      const ready = this.waiters.filter((w) => w.after < this.runCounter);
      this.waiters.splice(0, this.waiters.length, ...this.waiters.filter((w) => w.after >= this.runCounter));
      for (const waiter of ready) waiter.resolve(record);
    }
    if (this.stopped) return;
    const view = this.components.state.view;
    // A node that reported, while the run went on, an address this run gave to another
    // node (it took it under an earlier leader, or its list reached us late) must give it
    // up; no later view change would say so, and both would keep it.
    const misplaced = [...this.hostedDuringRun].find((pnn) => this.placement.misplaced(view, pnn));
    if (this.pendingReason === undefined && record.status === 'ok' && misplaced !== undefined) {
      this.pendingReason = `node ${misplaced} holds addresses the last run gave to another node`;
    }
    // Not settled: an address the run placed is hosted nowhere (its node dropped it while the
    // run went on). The next run places it again, at once. After a failed take the run
    // failed, and its retry below places the address elsewhere (failed-takes.ts).
    const unserved = this.placement.unserved(view);
    if (this.pendingReason === undefined && record.status === 'ok' && unserved.length > 0) {
      this.pendingReason = `${unserved.length} address(es) hosted by no node after run ${record.epoch} (${unserved.slice(0, 3).join(', ')})`;
    }
    if (this.pendingReason !== undefined) {
      this.followUp.set(0, () => this.startPending());
    } else if (record.status === 'failed') {
      this.retry.set(this.init.heartbeatIntervalMs, () => this.requestRun(`retry of failed run ${record.epoch}`));
    }
  }

  private charge(pnn: Pnn, message: string): string {
    const outcome = this.components.credits.charge(pnn, this.components.clock.now());
    if (outcome.ban) {
      this.components.log.warn({ pnn, credits: outcome.credits }, `node ${pnn} reached ${outcome.credits} ban credits: banning it`);
      this.components.ban(pnn, Math.ceil(this.init.ban.periodMs / 1000));
    }
    return message;
  }
}

// When the leader runs takeovers: requests, debounce, follow-up runs and retries, waiters, moveip pins.
//
// Whether a pending run may start now is the takeover gate's (core/takeover-gate.ts, fed by
// gate-facts.ts); the run itself, phase by phase under one deadline, is takeover-run.ts. What
// is left here is scheduling, with one timer per purpose:
//   debounce   a burst of requests within runDebounceMs makes one run;
//   gate       a run the gate holds is asked about again when its wait ends, or at once
//              when a hold lifts (a FENCED notice, a reload hold's end, agreement reached);
//   followUp   a request that came during a run, or a run that left the cluster unsettled
//              (run-triggers.ts), starts the next run at once;
//   retry      a failed run is tried again a heartbeat interval later.
// A change of the view during a run supersedes it before its takes (takeover-run.ts).

import { Pnn } from '../../core/flags';
import { MembershipChange } from '../../core/membership';
import { partitionAgreed } from '../../core/quorum';
import { TakeoverRunRecord } from '../../protocol/control-results';
import { PhaseAck } from './acks';
import { OneTimer } from '../../adapters/clock';
import { FailedTakes } from './failed-takes';
import { FailoverTimer } from './failover-timer';
import { LastPlacement } from './last-placement';
import { HeldRun, RunGate } from './run-gate';
import { clusterRunPorts, LeaderComponents } from './run-ports';
import { runTrigger, unsettledAfter } from './run-triggers';
import { RunWaiters } from './run-waiters';
import { RuntimeInit } from './settings';
import { allocateAhead, RunOutcome, RunPorts, TakeoverRun } from './takeover-run';
import { inBackground } from './background';
import { FailureForecast } from './failure-forecast';
import { UnconfirmedTakes } from './unconfirmed-takes';

export type { LeaderComponents } from './run-ports';
export class TakeoverLeader {
  private run: TakeoverRun | undefined;
  private pendingReason: string | undefined;
  private readonly debounce: OneTimer;
  private readonly gate: RunGate;
  private readonly followUp: OneTimer;
  private readonly retry: OneTimer;
  /** A run when failed takes stop being held against their nodes (FailedTakes.nextExpiry). */
  private readonly avoidanceEnds: OneTimer;
  private wasLeader = false;
  private stopped = false;
  private lastEpoch = 0;
  private runCounter = 0;
  private readonly placement = new LastPlacement();
  private readonly failedTakes: FailedTakes;
  /** TAKEs sent and not yet confirmed: what a node killed in the middle of one may hold (crash and silence holds). */
  private readonly unconfirmed = new UnconfirmedTakes();
  /** moveip: address text -> node it must go to in the next run. */
  private readonly pins = new Map<string, Pnn>();
  /** ipreallocate --rebalance: nodes LCP2 may move addresses onto; kept until a run that used them ends ok, as CTDB does. */
  private readonly rebalanceTargets = new Set<Pnn>();
  private readonly waiters = new RunWaiters();
  /** Nodes whose hosted list changed while a run was under way (looked at again when it ends). */
  private readonly hostedDuringRun = new Set<Pnn>();
  private readonly runPorts: RunPorts;
  private readonly forecast: FailureForecast;
  lastRunEndedAt: number | null = null;
  lastRunMs: number | null = null;
  /** Failover time of each address moved off a failed node (the floatip_address_failover_seconds histogram). */
  readonly failovers = new FailoverTimer();

  constructor(private readonly init: RuntimeInit, private readonly components: LeaderComponents) {
    const { state, clock, log } = components;
    this.debounce = new OneTimer(clock);
    this.gate = new RunGate({ crashGraceMs: init.crashGraceMs ?? 0, fenceAfterMs: init.fenceAfterMs, deadAfterMs: init.deadAfterMs }, {
      state, clock, log, askAgain: () => this.startPending(), allocateAhead: () => allocateAhead(this.runPorts),
    });
    this.followUp = new OneTimer(clock);
    this.retry = new OneTimer(clock);
    this.avoidanceEnds = new OneTimer(clock);
    this.failedTakes = new FailedTakes(init.ban.gracePeriodMs);
    const send: LeaderComponents['send'] = (to, message) => {
      if (message.kind === 'take') this.unconfirmed.ordered(to, message.epoch, message.takes.map((t) => t.address.text));
      return components.send(to, message);
    };
    this.runPorts = clusterRunPorts(init, { ...components, send }, this.failedTakes, {
      standing: () => (this.stopped ? 'stopped' : this.isLeader() ? 'leading' : 'replaced'),
      newerRequest: () => this.pendingReason,
      confirmed: (since) => {
        this.gate.facts.confirmed(since);
        this.pendingReason = undefined; // what changed while peers confirmed is in the view the run reads now
      },
      takePins: () => {
        const pins = new Map(this.pins);
        this.pins.clear();
        return pins;
      },
      rebalanceTargets: () => [...this.rebalanceTargets].sort((a, b) => a - b),
    });
    // Two heartbeats after the last change: the layout a run left is in every member's heartbeat by then.
    this.forecast = new FailureForecast(this.runPorts, state, clock, 2 * init.heartbeatIntervalMs, (then) => {
      const afterQueuedWork = components.afterQueuedWork ?? ((next: () => void) => next());
      inBackground(this.whenIdle().then(() => afterQueuedWork(then)), log, 'E_FORECAST', 'the failure forecast');
    });
  }

  isLeader(): boolean {
    return !this.stopped && this.components.state.leader() === this.init.localPnn;
  }

  /** Asks for a run soon; a burst of requests within runDebounceMs makes one run. */
  requestRun(reason: string | undefined): void {
    if (reason === undefined || !this.isLeader()) return;
    this.pendingReason ??= reason;
    if (this.run) return; // the active run sees pendingReason at its next boundary
    if (this.debounce.due === undefined && !this.gate.armed && this.followUp.due === undefined) {
      this.debounce.set(this.init.runDebounceMs ?? 10, () => this.startPending());
    }
  }

  /** Resolves when a run that starts after this call has finished (ok or failed). */
  runAndWait(reason: string): Promise<TakeoverRunRecord> {
    const promise = this.waiters.nextRun(this.runCounter);
    this.requestRun(reason);
    return promise;
  }

  /**
   * A peer's stream broke. Without LEAVING (`crashed`), what it may hold, heartbeats and
   * unconfirmed TAKEs together, holds the next run for its guardian (the gate's `crash` row).
   */
  peerGone(pnn: Pnn, crashed: boolean): void {
    const node = this.components.state.view.nodes[pnn];
    const held = crashed ? this.mayHold(pnn) : [];
    this.unconfirmed.forget(pnn);
    if (node === undefined || held.length === 0) return;
    const now = this.components.clock.now();
    this.failovers.ownerFailed(held, now);
    this.gate.facts.crashed(node, held.length, now);
  }

  /** The addresses `pnn` may hold: what its heartbeats report, and what it was told to take and did not confirm yet. */
  private mayHold(pnn: Pnn): string[] {
    return [...new Set([...(this.components.state.view.nodes[pnn]?.hosted ?? []), ...this.unconfirmed.of(pnn)])];
  }

  /** `pnn`'s guardian reports its addresses deleted: a run held for them may start now. Returns how long the hold had left. */
  guardianFenced(pnn: Pnn): number {
    const left = this.gate.fenced(pnn);
    if (left > 0) this.startSoon();
    return left;
  }

  /** A cluster-wide reloadips: no run starts until endReloadHold(name), or `ms` passed (the gate's `reload` row). */
  holdForReload(name: string, ms: number): void {
    this.gate.holdForReload(name, ms);
  }

  /** Ends a reload hold; a run asked for meanwhile starts now, unless another hold remains. */
  endReloadHold(name: string): void {
    if (this.gate.endReload(name)) this.startSoon();
  }

  /** Resolves when no run is under way (at once if none is). */
  whenIdle(): Promise<void> {
    if (!this.run || this.stopped) return Promise.resolve();
    return this.waiters.idle();
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
    return this.gate.holding();
  }

  /** Decides whether a view change calls for a run. */
  onViewChange(changes: readonly MembershipChange[]): void {
    const { state, clock } = this.components;
    this.gate.facts.viewChanged(changes, state.view, state.quorum().quorate, clock.now(), (pnn) => this.mayHold(pnn).length);
    for (const change of changes) if (change.kind === 'flags') this.failovers.flagsChanged(change, state.view.nodes[change.pnn], clock.now());
    this.forecast.viewChanged(changes);
    if (!this.isLeader()) {
      if (this.wasLeader) this.gate.facts.leading(undefined);
      this.wasLeader = false;
      // Asked of this leader only; a later leader term starts without them (the command failed).
      this.rebalanceTargets.clear();
      // The nodes now obey another leader and will not answer this run: end its wait, the run then supersedes itself.
      this.run?.deadline.expire();
      return;
    }
    if (!this.wasLeader) {
      this.wasLeader = true;
      this.gate.facts.leading(clock.now());
      this.requestRun('became leader');
      return;
    }
    const view = state.view;
    for (const change of changes) {
      // A hosted list that changes during a run is judged when the run ends (unsettledAfter).
      if (change.kind === 'hosted' && this.run) this.hostedDuringRun.add(change.pnn);
      else this.requestRun(runTrigger(change, view, this.placement));
    }
    // Nodes we wait for that went away count as released (DESIGN: silent for dead_after).
    for (const pnn of this.run?.deadline.pending() ?? []) if (!view.nodes[pnn].connected) this.run?.deadline.gone(pnn);
    // A member now reporting another partition voids the run's premise: supersede it before its takes.
    if (this.run && changes.some((c) => c.kind === 'partition') && !partitionAgreed(view)) {
      this.requestRun('the members of the partition no longer agree on it');
    }
    // A held run starts at the view change that lifts its hold (the partition agrees, the unheard peers spoke).
    if (this.pendingReason !== undefined && !this.run && this.gate.changed()) this.startSoon();
  }

  /** An ack from a node; acks of other epochs or phases are ignored. */
  onAck(from: Pnn, message: PhaseAck): void {
    this.unconfirmed.acked(from, message.kind, message.epoch);
    if (!this.run?.deadline.offer(from, message)) {
      this.components.log.debug({ from, kind: message.kind, epoch: message.epoch }, 'ack for no waiting phase ignored');
      return;
    }
    if (message.kind === 'take-ack') this.failovers.takeAcked(message, this.components.clock.now());
  }

  stop(): void {
    this.stopped = true;
    for (const timer of [this.debounce, this.gate, this.followUp, this.retry, this.avoidanceEnds]) timer.clear();
    this.forecast.stop();
    this.run?.deadline.stop();
    this.waiters.idleNow();
  }

  /**
   * A run when the oldest failed take held against its node stops counting (ban.grace_period):
   * the allocator may put the address back on that node, and balance. Nothing else may start a
   * run then: a node whose takes had all failed stayed empty, healthy, for good (the failover
   * bench's ultra lab at 10:36 settled 250 / 500 / 250 and stayed so).
   */
  private runWhenAvoidanceEnds(): void {
    const now = this.components.clock.now();
    const ends = this.failedTakes.nextExpiry(now);
    if (ends === undefined) return;
    this.avoidanceEnds.set(ends - now, () => this.requestRun('failed takes are no longer held against their nodes (ban.grace_period passed)'));
  }

  /** A hold lifted: the pending run asks the gate again now, not after the debounce or the wait it set. */
  private startSoon(): void {
    if (this.pendingReason === undefined || this.run) return;
    this.debounce.clear();
    this.gate.askNow();
  }

  private startPending(): void {
    if (this.run || this.pendingReason === undefined) return;
    if (!this.isLeader()) {
      this.pendingReason = undefined;
      this.gate.clear();
      return;
    }
    const decision = this.gate.admit();
    if (decision.kind !== 'start') return;
    const reason = this.pendingReason;
    this.pendingReason = undefined;
    for (const timer of [this.debounce, this.gate, this.followUp, this.retry]) timer.clear();
    this.hostedDuringRun.clear();
    // An address a live node holds now did not fail over, whatever was recorded while another node led.
    this.failovers.forget(this.components.state.view.nodes.filter((n) => n.connected).flatMap((n) => n.hosted));
    this.runCounter++;
    const confirmSince = decision.confirmFirst ? this.gate.facts.confirmBasis : undefined;
    const run = new TakeoverRun(this.runPorts, { reason, epoch: this.nextEpoch(), confirmSince });
    this.run = run;
    // execute() turns every fault of a run into a failed record; a throw past that (or in finished) is a bug: logged,
    // and the leader is free for the next run (a stuck `run` would hold every later one).
    inBackground(run.execute().then((outcome) => this.finished(outcome)), this.components.log, 'E_RUN_CRASHED', `takeover run ${this.lastEpoch}`, () => {
      if (this.run !== run) return;
      this.run = undefined;
      this.waiters.idleNow();
      if (!this.stopped) this.retry.set(this.init.heartbeatIntervalMs, () => this.requestRun(`retry after takeover run ${this.lastEpoch} crashed`));
    });
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
    this.waiters.idleNow();
    this.components.history.add(record);
    this.components.publishRun(record);
    if (record.status === 'ok') for (const pnn of outcome.rebalanced) this.rebalanceTargets.delete(pnn);
    const fields = { epoch: record.epoch, status: record.status, reason: record.reason, moves: record.moves, phases: record.phases, loopDelayP99Ms: record.loopDelayP99Ms };
    if (record.status === 'failed') this.components.log.warn({ ...fields, error: record.error }, `takeover run ${record.epoch} failed: ${record.error}`);
    else this.components.log.info(fields, `takeover run ${record.epoch} ${record.status}`);
    this.waiters.ended(record, this.runCounter);
    if (this.stopped) return;
    this.runWhenAvoidanceEnds();
    this.pendingReason ??= unsettledAfter(record, this.components.state.view, this.hostedDuringRun, this.placement);
    if (this.pendingReason !== undefined) {
      this.followUp.set(0, () => this.startPending());
    } else if (record.status === 'failed') {
      this.retry.set(this.init.heartbeatIntervalMs, () => this.requestRun(`retry of failed run ${record.epoch}`));
    }
  }
}

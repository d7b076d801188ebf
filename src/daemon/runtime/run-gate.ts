// The leader's side of the takeover gate: asks it whether the pending run may start, keeps the run held as it says, asks again when a hold lifts.
//
// The gate (core/takeover-gate.ts) decides from the facts gathered in gate-facts.ts. This
// keeps the one timer that ends a `wait`; a `held` run waits for the view change that lifts
// its hold (recheck). The leader owns the pending run and the other timers.

import { Pnn } from '../../core/flags';
import { disagreeingMembers, partitionMembers } from '../../core/quorum';
import { decideRun, GateDecision, GateTimings, sameDecision } from '../../core/takeover-gate';
import { OneTimer, Clock } from '../../adapters/clock';
import { ClusterState } from './cluster-state';
import { GateFacts } from './gate-facts';
import { Logger } from './logger';

/** The gate's answer while it holds the pending run (what `floatip status` shows). */
export type HeldRun = Exclude<GateDecision, { kind: 'start' }>;

export interface RunGateComponents {
  readonly state: ClusterState;
  readonly clock: Clock;
  readonly log: Logger;
  /** Asks about the pending run again (the leader's startPending). */
  readonly askAgain: () => void;
  /** While a crashed or silent peer's guardian deletes, the leader allocates for the view as it is. */
  readonly allocateAhead: () => void;
}

export class RunGate {
  readonly facts: GateFacts;
  private readonly timer: OneTimer;
  /** The gate's answer holding the pending run, while it holds it. */
  private heldBy: HeldRun | undefined;
  /** The pending run's disagreement was logged (once per run held for it). */
  private disagreementLogged = false;

  constructor(timings: GateTimings, private readonly components: RunGateComponents) {
    this.facts = new GateFacts(timings, components.log);
    this.timer = new OneTimer(components.clock);
  }

  /** The timer that ends a wait (or asks again at once) is armed. */
  get armed(): boolean {
    return this.timer.due !== undefined;
  }

  decide(): GateDecision {
    const { state } = this.components;
    return decideRun(this.facts.inputs(state.view, this.components.clock.now(), state.votesAway()));
  }

  /**
   * The decision for the pending run now, ended holds forgotten. Anything but `start` holds
   * the run: a `wait` arms the timer to ask again when it ends; a `held` one waits for recheck.
   */
  admit(): GateDecision {
    this.facts.prune(this.components.clock.now());
    const decision = this.decide();
    if (decision.kind === 'start') {
      this.clear();
      return decision;
    }
    this.heldBy = decision;
    if (decision.kind === 'wait') {
      // LCP2 over 1000 addresses took 35-80 ms on a 2-core machine, all of it on the failover's
      // path after the FENCED notice: allocated now, the run that follows finds it ready.
      if (decision.rule === 'crash' || decision.rule === 'silence') this.components.allocateAhead();
      this.timer.set(decision.waitMs, this.components.askAgain);
    } else if (decision.rule === 'agreement' && !this.disagreementLogged) {
      this.disagreementLogged = true;
      const view = this.components.state.view;
      this.components.log.info({ members: partitionMembers(view), disagreeing: disagreeingMembers(view) }, `takeover run held ${decision.reason}`);
    }
    return decision;
  }

  /** A hold lifted: ask again at once, not when the wait set before ends. */
  askNow(): void {
    this.timer.set(0, this.components.askAgain);
  }

  /** After a view change: true when the run held so far is held otherwise now (its hold lifted: ask again). */
  changed(): boolean {
    return this.heldBy !== undefined && !sameDecision(this.decide(), this.heldBy);
  }

  /** Why the pending run does not start now, or undefined when it may. */
  holding(): HeldRun | undefined {
    const decision = this.decide();
    return decision.kind === 'start' ? undefined : decision;
  }

  /** `pnn`'s guardian reported its addresses deleted: how long its holds had left (0 when none held the run). */
  fenced(pnn: Pnn): number {
    return this.facts.fenced(pnn, this.components.state.view, this.components.clock.now());
  }

  holdForReload(name: string, ms: number): void {
    this.facts.holdForReload(name, this.components.clock.now() + ms);
    this.components.log.info({ hold: name, ms }, `takeover runs held for a cluster-wide reloadips or reloadnodes (${name}) for at most ${ms} ms`);
  }

  /** Ends a reload hold; true when that lets runs go on (no other reload hold remains). */
  endReload(name: string): boolean {
    if (!this.facts.endReload(name)) return false;
    this.facts.prune(this.components.clock.now());
    return this.decide().rule !== 'reload';
  }

  /** No run pending any more (it started, or this node stopped leading). */
  clear(): void {
    this.timer.clear();
    this.heldBy = undefined;
    this.disagreementLogged = false;
  }
}

// Waiting for one phase's acknowledgements: every node answers, goes away, or the run's deadline comes.

import { Pnn } from '../../core/flags';
import { IpReallocatedAck, ReleaseAck, TakeAck } from '../../protocol/frame-messages';
import { OneTimer, Clock } from '../../adapters/clock';

export type PhaseAck = ReleaseAck | TakeAck | IpReallocatedAck;

/** One node's answer: its ack, `gone` (DISCONNECTED: counts as released), or `timeout` (the deadline came). */
export type AckOutcome<M extends PhaseAck> =
  | { readonly kind: 'ack'; readonly message: M }
  | { readonly kind: 'gone' }
  | { readonly kind: 'timeout' };

export class AckWait<M extends PhaseAck> {
  private readonly outcomes = new Map<Pnn, AckOutcome<M>>();
  private resolve!: (outcomes: Map<Pnn, AckOutcome<M>>) => void;
  readonly done: Promise<Map<Pnn, AckOutcome<M>>>;

  constructor(readonly epoch: number, readonly kind: M['kind'], readonly waitingFor: readonly Pnn[]) {
    this.done = new Promise((resolve) => { this.resolve = resolve; });
    this.settleIfComplete();
  }

  /** Takes an ack if it is the one this phase waits for; true when taken. */
  offer(from: Pnn, message: PhaseAck): boolean {
    if (message.kind !== this.kind || message.epoch !== this.epoch) return false;
    if (!this.waitingFor.includes(from) || this.outcomes.has(from)) return false;
    this.outcomes.set(from, { kind: 'ack', message: message as M });
    this.settleIfComplete();
    return true;
  }

  gone(pnn: Pnn): void {
    if (!this.waitingFor.includes(pnn) || this.outcomes.has(pnn)) return;
    this.outcomes.set(pnn, { kind: 'gone' });
    this.settleIfComplete();
  }

  /** Nodes that have not answered yet. */
  pending(): Pnn[] {
    return this.waitingFor.filter((pnn) => !this.outcomes.has(pnn));
  }

  expire(): void {
    for (const pnn of this.pending()) this.outcomes.set(pnn, { kind: 'timeout' });
    this.settleIfComplete();
  }

  private settleIfComplete(): void {
    if (this.pending().length === 0) this.resolve(this.outcomes);
  }
}

/** The run's one deadline, and the phase wait it cuts short. */
export class RunDeadline {
  passed = false;
  private current: AckWait<PhaseAck> | undefined;
  private readonly timer: OneTimer;

  constructor(clock: Clock, readonly ms: number) {
    this.timer = new OneTimer(clock);
  }

  start(): void {
    this.timer.set(this.ms, () => {
      this.passed = true;
      this.current?.expire();
    });
  }

  /** Makes `wait` the phase the deadline cuts short; a wait begun after the deadline ends at once. */
  watch<M extends PhaseAck>(wait: AckWait<M>): void {
    this.current = wait as unknown as AckWait<PhaseAck>;
    if (this.passed) wait.expire();
  }

  /** An ack for the phase under way; false when it is not the one it waits for. */
  offer(from: Pnn, message: PhaseAck): boolean {
    return this.current?.offer(from, message) ?? false;
  }

  pending(): Pnn[] {
    return this.current?.pending() ?? [];
  }

  gone(pnn: Pnn): void {
    this.current?.gone(pnn);
  }

  /** Ends the phase under way now (its nodes will not answer: another node leads). */
  expire(): void {
    this.current?.expire();
  }

  /** The runtime stops: no deadline any more, and the phase under way ends now. */
  stop(): void {
    this.timer.clear();
    this.expire();
  }

  clear(): void {
    this.timer.clear();
    this.current = undefined;
  }
}

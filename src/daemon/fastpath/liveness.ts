// The fast path's work on the worker's own loop: heartbeats out and in, peer silence, the quorum fence, and the guardian's ticks.
//
// The main loop builds every heartbeat (flags, hosted, partition: its state) and hands it
// here; this side stamps the beat number and the `heard` list from its own hearing, sends
// it, and sends the latest again whenever the main loop let a heartbeat_interval pass
// without one. So a busy main loop no longer looks like a dead node to the peers, and the
// guardian, ticked from this loop, fences only when the whole process stands still.
// Vouching has limits (WATCH_RULES, then the quorum fence in judge()), each a verdict that ends
// the process (the main thread exits on it), but only while the node holds an address or is
// adding one (SLOT.holding): a node that holds nothing has nothing to fence, and takes the main
// thread's path for an idle node instead (wiring/guardian-spawn.ts: it lives on, and a guardian
// that may have fenced is replaced). Issue 17: 32 lab daemons on 2 cores exited on stalls while
// joining, holding nothing.
//   - frozen: this loop itself stood still for fence_after less one tick (frozenAfter(): a
//     SIGSTOP of the process, or no CPU for it): the guardian may have fenced;
//   - main-stalled: the main loop stood still for mainStallLimitMs, or, under quorum = "lock",
//     for fence_after (the lock may have moved meanwhile, unseen: docs/architecture.md): the
//     guardian fences now (pipe closed) and the peers see the streams close;
//   - no-quorum, only with no guardian ticked from here: by the core's fence rule, on this
//     side's own hearing, the node must let go, and the main loop has not turned for half of
//     what the peers wait: the process ends.
// With a guardian, no quorum is no verdict: the guardian is ordered to delete the addresses at
// once and guards on (orderFence), and the main thread releases its records when it turns.

import { Pnn } from '../../core/flags';
import { createView, MembershipView, Observation, update, withNodeSet } from '../../core/membership';
import { Ballot, fence, fenceDeleteMs, PLAIN_MAJORITY, QuorumRule } from '../../core/quorum';
import { MeshNode } from '../../adapters/peer/options';
import { MeshEvent, PeerMesh } from '../../adapters/peer/port';
import { heardReports, heartbeatObservation } from '../../protocol/frame-heartbeat';
import { HeartbeatMessage } from '../../protocol/frame-messages';
import { SessionMessage } from '../../protocol/frame-session';
import { HostedSender } from './hosted-relay';
import { confirmMarginMs, FastPathSettings, FromWorker, SLOT, VERDICT, VerdictCode } from './messages';

/** What the liveness side drives: the mesh, the guardian, the clock shared with the main thread, and the way to it. */
export interface LivenessParts {
  readonly mesh: PeerMesh;
  readonly now: () => number;
  readonly post: (message: FromWorker) => void;
  /** The guardian that fences this node: closes its pipe without a goodbye (it fences now). */
  readonly abandonGuardian: () => void;
  /** Orders the guardian to delete every address now and guard on (GuardianLink.fence); false when there is none to order. */
  readonly fenceGuardian: () => boolean;
  /**
   * Asks the guardian whether it is still undecided (GuardianLink.confirm): `done(true)` once it
   * answered a tick written now, `done(false)` if it ended (fenced). False when there is none to ask.
   */
  readonly confirmGuardian: (done: (answered: boolean) => void) => boolean;
}

/** What a watch judges by. */
interface WatchFacts {
  /** A guardian is ticked from this thread. */
  readonly guarded: boolean;
  /** Since this loop's previous watch. */
  readonly gapMs: number;
  /** SLOT.holding > 0: the node holds an address or is adding one. */
  readonly holds: boolean;
  /** Since this side last sent our heartbeat: the peers count us dead dead_after after it. */
  readonly sinceBeatMs: number;
  readonly mainSilentMs: number;
  readonly lockRule: boolean;
  readonly settings: FastPathSettings;
}

type WatchOutcome = 'carry-on' | 'idle-stall' | 'confirm' | 'frozen' | 'main-stalled';

/** One row per rule, the first that applies wins; `carry-on` and `idle-stall` go on to the quorum fence (judge). */
export const WATCH_RULES: readonly { readonly when: (f: WatchFacts) => boolean; readonly then: WatchOutcome; readonly why: string }[] = [
  { when: (f) => !f.guarded, then: 'carry-on',
    why: 'nothing fences this node, and the guarded start holds no address until a guardian is ready: a stall costs only time' },
  { when: (f) => f.gapMs >= f.settings.frozenAfterMs && f.holds && f.sinceBeatMs < f.settings.deadAfterMs - confirmMarginMs(f.settings), then: 'confirm',
    why: 'the whole process stood still long enough that the guardian MAY have fenced, but not so long that the peers count us dead: '
      + 'the guardian is asked (a tick answered proves it did not fence, and resets its deadline), and the node acts on nothing until it answers' },
  { when: (f) => f.gapMs >= f.settings.frozenAfterMs && f.holds, then: 'frozen',
    why: 'the whole process stood still long enough for the guardian to fence and for the peers to count us dead: the addresses are gone, the records are not' },
  { when: (f) => f.gapMs >= f.settings.frozenAfterMs, then: 'idle-stall',
    why: 'the same freeze with nothing held: nothing to fence; the main thread replaces the guardian if it may have fenced (guardian-spawn.ts)' },
  { when: (f) => f.holds && f.mainSilentMs >= f.settings.mainStallLimitMs, then: 'main-stalled',
    why: 'a main loop that cannot act must not hold addresses for ever on the worker\'s word' },
  { when: (f) => f.holds && f.lockRule && f.mainSilentMs >= f.settings.fenceAfterMs, then: 'main-stalled',
    why: 'under quorum = "lock" only the main loop sees the lock move (its renewals, its holder); after fence_after the lock may '
      + 'have moved to a side that takes our addresses, as the guardian ticked from the main loop assumed before the worker' },
  { when: () => true, then: 'carry-on', why: 'the worker vouches: it sends heartbeats and judges quorum' },
];

export class Liveness {
  private readonly slots: Float64Array;
  /** Leaves out of a peer's heartbeat the address list the main thread already has (hosted-relay.ts). */
  private readonly hosted = new HostedSender();
  private view: MembershipView;
  private template: HeartbeatMessage | undefined;
  private beat = 0;
  private lastBeatAt = 0;
  private lastWatchAt: number;
  private verdict: VerdictCode = VERDICT.none;
  /** The main thread's quorum rule and vote memory (setQuorum); until it says, a plain majority of the configured nodes. */
  private rule: QuorumRule = { mode: 'majority' };
  private ballot: Ballot = PLAIN_MAJORITY;
  private guarded = false;
  /** We sent LEAVING: no heartbeat is sent again from here on (the main thread stops its own). */
  private left = false;
  /** When this side's fence rule first said "no quorum" with addresses held, until it says otherwise. */
  private noQuorumSince: number | undefined;
  /** The guardian was ordered to fence in the current no-quorum spell (judge). */
  private fenceOrdered = false;
  /** A freeze being confirmed with the guardian (WATCH_RULES `confirm`): what the main thread asked to send meanwhile waits here. */
  private confirming: { readonly since: number; readonly gapMs: number; readonly held: Array<() => void> } | undefined;
  /** Freezes the guardian confirmed it had not fenced (the process went on). */
  confirmedStalls = 0;
  /** Heartbeats this side sent because the main loop had none ready in time. */
  refills = 0;
  /** Freezes of this loop while the node held nothing (no verdict: WATCH_RULES). */
  idleStalls = 0;

  constructor(private readonly settings: FastPathSettings, private readonly parts: LivenessParts) {
    this.slots = new Float64Array(settings.shared);
    const { mesh } = settings;
    const now = parts.now();
    this.view = createView({
      localPnn: mesh.localPnn, nodeCount: mesh.nodes.length, deleted: mesh.nodes.filter((n) => n.address === null).map((n) => n.pnn),
      deadAfterMs: settings.deadAfterMs, now,
    });
    this.lastWatchAt = now;
  }

  /**
   * How long the main loop may stand still once this side sees no quorum with `held` addresses
   * and no guardian took the order to fence (orderFence): half of what the peers wait beyond
   * fence_after before they take them (dead_after, or fenceDeleteMs(held) when that is longer:
   * core/takeover-gate.ts), the other half being the guardian's, to delete them.
   */
  mainGraceMs(held: number): number {
    const { settings } = this;
    const peersWait = Math.max(settings.deadAfterMs - settings.fenceAfterMs, fenceDeleteMs(held));
    return Math.max(settings.pulseMs * 2, peersWait / 2);
  }

  /**
   * A mesh event: kept for the fence's view, then handed to the main thread. A peer's PING is
   * answered here and goes no further: the round trip it times is the heartbeats' path, which
   * ends on this thread, and the main thread would be woken once per peer per ping round (31
   * times a second at 32 nodes) to echo two numbers.
   */
  meshEvent(event: MeshEvent): void {
    if (this.verdict !== VERDICT.none) return;
    if (event.kind === 'message' && event.message.kind === 'ping') {
      const { seq, sentUs } = event.message;
      this.outward(() => this.parts.mesh.send(event.from, { kind: 'pong', seq, sentUs }));
      return;
    }
    const at = this.parts.now();
    if (event.kind === 'message' && event.message.kind === 'heartbeat' && event.message.pnn === event.from) {
      this.observe(heartbeatObservation(event.message, at));
    } else if (event.kind === 'peer-down') {
      this.observe({ kind: 'stream-closed', pnn: event.pnn, at });
    }
    this.parts.post(this.hosted.post(event, at));
  }

  /** reloadnodes: the same node set as the main thread's view (core withNodeSet). */
  setNodes(nodes: readonly MeshNode[]): void {
    try {
      this.view = withNodeSet(this.view, nodes.length, nodes.filter((n) => n.address === null).map((n) => n.pnn)).view;
    } catch {
      // The main thread checked the set before it sent it (compareNodeSets); a set the view refuses changes nothing here.
    }
  }

  setQuorum(rule: QuorumRule, ballot: Ballot): void {
    this.rule = rule;
    this.ballot = ballot;
  }

  send(to: Pnn, message: SessionMessage): void {
    this.outward(() => this.parts.mesh.send(to, this.stamped(message)));
  }

  broadcast(message: SessionMessage): void {
    this.outward(() => this.parts.mesh.broadcast(this.stamped(message)));
  }

  /** The main thread's heartbeat is the last one it handed over, unchanged: that one goes out again, stamped anew. */
  beatAgain(): void {
    this.outward(() => {
      if (this.template !== undefined) this.parts.mesh.broadcast(this.stamped(this.template));
    });
  }

  /**
   * What the main thread sends goes out now, waits while a freeze is confirmed, or is dropped
   * after a verdict. A resumed loop hands this thread the main thread's messages before its
   * timers run, so a freeze not judged yet is judged first: nothing leaves on the word of a
   * process the guardian may have fenced.
   */
  private outward(send: () => void): void {
    if (this.verdict === VERDICT.none && this.parts.now() - this.lastWatchAt >= this.settings.frozenAfterMs) this.watch();
    if (this.verdict !== VERDICT.none) return;
    if (this.confirming) this.confirming.held.push(send);
    else send();
  }

  /**
   * Every settings.pulseMs: the verdicts (WATCH_RULES), then a heartbeat if the main loop left one out.
   * Quorum is judged on the next turn's check phase, after this loop has read what arrived:
   * a timer that fires late (this thread waited for a core) runs before the sockets are read,
   * and peers would look silent only because their frames wait in our receive queue.
   * The pulse slot is written last: a main thread that sees it fresh also sees the verdict or idle stall it follows.
   */
  watch(): void {
    const now = this.parts.now();
    const gapMs = now - this.lastWatchAt;
    const lastPulse = this.lastWatchAt;
    this.lastWatchAt = now;
    if (this.verdict === VERDICT.none && this.confirming && now - this.lastBeatAt >= this.settings.deadAfterMs - confirmMarginMs(this.settings)) {
      this.decide(VERDICT.frozen, `the whole process stood still for ${Math.round(this.confirming.gapMs)} ms (frozen), and the guardian did not `
        + `answer within ${Math.round(now - this.confirming.since)} ms whether it had fenced: the peers count this node dead now`);
    }
    if (this.verdict === VERDICT.none) this.applyWatchRule(now, gapMs, lastPulse);
    this.slots[SLOT.workerPulseAt] = now;
  }

  private applyWatchRule(now: number, gapMs: number, lastPulse: number): void {
    const { settings } = this;
    const facts: WatchFacts = {
      guarded: this.guarded, gapMs, holds: this.slots[SLOT.holding] > 0, mainSilentMs: now - this.slots[SLOT.mainPulseAt],
      sinceBeatMs: now - this.lastBeatAt, lockRule: this.rule.mode === 'lock', settings,
    };
    const row = WATCH_RULES.find((r) => r.when(facts));
    switch (row?.then) {
      case 'confirm':
        // A second freeze while the first is asked about: the one question answers for both.
        if (this.confirming) break;
        if (!this.startConfirming(now, gapMs)) {
          this.decide(VERDICT.frozen, `the whole process stood still for ${Math.round(gapMs)} ms (frozen), and no guardian can say it did not fence`);
          return;
        }
        break;
      case 'frozen':
        this.decide(VERDICT.frozen, `the whole process stood still for ${Math.round(gapMs)} ms (frozen): the guardian fences`);
        return;
      case 'main-stalled':
        this.decide(VERDICT.mainStalled, `the main loop stood still for ${Math.round(facts.mainSilentMs)} ms (limit `
          + `${facts.mainSilentMs < settings.mainStallLimitMs ? `fence_after ${settings.fenceAfterMs} ms under quorum = "lock"` : `${settings.mainStallLimitMs} ms`})`);
        return;
      case 'idle-stall':
        // Before the pulse (watch): the main thread reports this stall once, from whichever slot it sees first (FastPath.stalled).
        this.slots[SLOT.idleStallMs] = gapMs;
        this.slots[SLOT.idleStallFrom] = lastPulse;
        this.idleStalls++;
        break;
      default:
        break;
    }
    setImmediate(() => this.judge());
  }

  /** The quorum fence on this side's hearing, and the heartbeat the main loop left out. */
  private judge(): void {
    if (this.verdict !== VERDICT.none || this.template === undefined) return;
    const { settings } = this;
    const now = this.parts.now();
    const mainSilentMs = now - this.slots[SLOT.mainPulseAt];
    this.observe({ kind: 'tick', at: now });
    const decision = fence(this.view, this.rule, settings.fenceAfterMs, this.ballot);
    // Held: what our last heartbeat listed, or an add under way (the slot is raised before the kernel is asked).
    const held = Math.max(decision.release.length, this.slots[SLOT.holding]);
    const noQuorum = !decision.mayHold && decision.reason === 'no-quorum' && held > 0;
    const since = noQuorum ? (this.noQuorumSince ?? now) : undefined;
    if (since === undefined) this.fenceOrdered = false;
    this.noQuorumSince = since;
    if (since !== undefined && !this.fenceOrdered && this.guarded) this.orderFence(now, held);
    // Without a guardian to order (none ticked): the main loop fences by itself on the same rule; it is given
    // mainGraceMs to begin, and the process ends only when it stood still all that time.
    const graceMs = this.mainGraceMs(decision.release.length);
    if (since !== undefined && !this.fenceOrdered && now - since >= graceMs && mainSilentMs >= graceMs) {
      this.decide(VERDICT.noQuorum, `no quorum (${this.hearing(now)}) and ${decision.release.length} address(es) held `
        + `while the main loop stood still for ${Math.round(mainSilentMs)} ms`);
      return;
    }
    // An idle node whose main loop stood still past the limit is no longer vouched for: the peers count it dead, as before the worker.
    // While a freeze is confirmed nothing is sent: the guardian may have fenced, and a heartbeat would list its addresses.
    if (now - this.lastBeatAt >= settings.heartbeatIntervalMs && mainSilentMs < settings.mainStallLimitMs && !this.confirming) {
      this.refills++;
      this.parts.mesh.broadcast(this.stamped(this.template));
    }
  }

  /**
   * No quorum on this side's hearing with addresses held: the guardian deletes them now (a few
   * ms for 333) and guards on, whatever the main loop is doing. The main thread then bars its adds
   * and releases its records (FenceGuard.ordered); until it has (SLOT.fenceSeenAt), the stall
   * gate refuses every add. Before, the main loop released them itself: 333 took 450 ms on a
   * loaded machine, so the peers waited fence_after + 1 ms per address, and a main loop that
   * stood still past its grace cost the whole process.
   */
  private orderFence(now: number, held: number): void {
    if (!this.parts.fenceGuardian()) return;
    this.fenceOrdered = true;
    this.slots[SLOT.fenceOrderedAt] = now;
    this.parts.post({ op: 'fence-ordered', at: now, held, detail: `no quorum (${this.hearing(now)}) with ${held} address(es) held` });
  }

  /**
   * A freeze the guardian may have fenced, short enough that the peers still count us alive: ask
   * the guardian. Until it answers, the main thread adds nothing (SLOT.confirmSince: the stall
   * gate) and what it sends waits here. Without this, every freeze past frozenAfter ended the
   * process: in the ultra profile (guardian deadline 45 ms, a tick every 10 ms) freezes of 30-35
   * ms, which can never have let it fence, and of 35-45 ms, which may not have.
   */
  private startConfirming(now: number, gapMs: number): boolean {
    const confirming = { since: now, gapMs, held: [] as Array<() => void> };
    this.confirming = confirming;
    this.slots[SLOT.confirmSince] = now;
    const asked = this.parts.confirmGuardian((answered) => this.confirmed(confirming, answered));
    if (!asked) {
      this.confirming = undefined;
      this.slots[SLOT.confirmSince] = Number.NaN;
    }
    return asked;
  }

  private confirmed(confirming: NonNullable<Liveness['confirming']>, answered: boolean): void {
    if (this.confirming !== confirming || this.verdict !== VERDICT.none) return;
    if (!answered) {
      this.decide(VERDICT.frozen, `the whole process stood still for ${Math.round(confirming.gapMs)} ms (frozen): the guardian fenced`);
      return;
    }
    this.confirming = undefined;
    this.confirmedStalls++;
    this.slots[SLOT.confirmSince] = Number.NaN;
    this.parts.post({ op: 'stall-confirmed', gapMs: confirming.gapMs, waitedMs: this.parts.now() - confirming.since });
    for (const send of confirming.held) send();
  }

  /** Whom this side heard how long ago, and when each said it heard us: the words of a no-quorum verdict. */
  private hearing(now: number): string {
    const ago = (at: number | undefined): string => (at === undefined ? 'never' : `${Math.round(now - at)} ms`);
    return this.view.nodes.filter((n) => !n.local && !n.deleted)
      .map((n) => `node ${n.pnn}: ${n.connected ? 'connected' : 'not connected'}, heard ${ago(n.lastHeardAt)} ago, heard us ${ago(n.heardUsAt)} ago`).join('; ');
  }

  /** A guardian is ticked from this thread (set by worker-main when it is ready, cleared when it ends). */
  setGuarded(guarded: boolean): void {
    this.guarded = guarded;
  }

  get decided(): VerdictCode {
    return this.verdict;
  }

  /** Our heartbeat with this side's beat number and hearing; remembered as the one to send again. */
  private stamped(message: SessionMessage): SessionMessage {
    if (message.kind === 'leaving') {
      // We said goodbye: a heartbeat sent again after it would tell the peers we are back, with the addresses we just released.
      this.template = undefined;
      this.left = true;
    }
    if (message.kind !== 'heartbeat' || this.left) return message;
    if (message !== this.template) {
      this.template = message;
      this.observe({ kind: 'hosting', pnn: this.view.localPnn, addresses: message.hosted, at: this.parts.now() });
    }
    const now = this.parts.now();
    this.lastBeatAt = now;
    return { ...message, beat: ++this.beat, heard: heardReports(this.view, now) };
  }

  private observe(observation: Observation): void {
    try {
      this.view = update(this.view, observation).view;
    } catch {
      // An observation the view refuses (a heartbeat out of order) is the main thread's to log; this view just skips it.
    }
  }

  private decide(code: VerdictCode, detail: string): void {
    new TextEncoder().encodeInto(detail, new Uint8Array(this.settings.detail));
    this.verdict = code;
    this.slots[SLOT.verdict] = code;
    this.parts.abandonGuardian();
    this.parts.post({ op: 'verdict', code, detail });
    void this.parts.mesh.stop().catch(() => undefined);
  }
}

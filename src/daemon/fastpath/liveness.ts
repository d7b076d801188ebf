// The fast path's work on the worker's own loop: heartbeats out and in, peer silence, the quorum fence, and the guardian's ticks.
//
// The main loop builds every heartbeat (flags, hosted, partition: its state) and hands it
// here; this side stamps the beat number and the `heard` list from its own hearing, sends
// it, and sends the latest again whenever the main loop let a heartbeat_interval pass
// without one. So a busy main loop no longer looks like a dead node to the peers, and the
// guardian, ticked from this loop, fences only when the whole process stands still.
// Vouching has limits, each a verdict that ends the process (the main thread exits on it):
//   - frozen: this loop itself stood still for fence_after less one tick (frozenAfter(): a
//     SIGSTOP of the process, or no CPU for it): the guardian may have fenced;
//   - main-stalled: the main loop stood still for mainStallLimitMs: the guardian fences now
//     (pipe closed) and the peers see the streams close;
//   - no-quorum: by the core's fence rule, on this side's own hearing, the node must let go,
//     and the main loop, which releases with events and sockets as usual, has not turned for
//     half of dead_after - fence_after: the guardian fences now, before the majority takes over.

import { Pnn } from '../../core/flags';
import { createView, MembershipView, Observation, update, withNodeSet } from '../../core/membership';
import { Ballot, fence, PLAIN_MAJORITY, QuorumRule } from '../../core/quorum';
import { MeshNode } from '../../adapters/peer/options';
import { MeshEvent, PeerMesh } from '../../adapters/peer/port';
import { heardReports, heartbeatObservation } from '../../protocol/frame-heartbeat';
import { HeartbeatMessage } from '../../protocol/frame-messages';
import { SessionMessage } from '../../protocol/frame-session';
import { FastPathSettings, FromWorker, SLOT, VERDICT, VerdictCode } from './messages';

/** What the liveness side drives: the mesh, the guardian, the clock shared with the main thread, and the way to it. */
export interface LivenessParts {
  readonly mesh: PeerMesh;
  readonly now: () => number;
  readonly post: (message: FromWorker) => void;
  /** The guardian that fences this node: closes its pipe without a goodbye (it fences now). */
  readonly abandonGuardian: () => void;
}

export class Liveness {
  private readonly slots: Float64Array;
  private view: MembershipView;
  private template: HeartbeatMessage | undefined;
  private beat = 0;
  private lastBeatAt = 0;
  private lastWatchAt: number;
  private verdict: VerdictCode = VERDICT.none;
  private readonly mainGraceMs: number;
  /** The main thread's quorum rule and vote memory (setQuorum); until it says, a plain majority of the configured nodes. */
  private rule: QuorumRule = { mode: 'majority' };
  private ballot: Ballot = PLAIN_MAJORITY;
  private guarded = false;
  /** We sent LEAVING: no heartbeat is sent again from here on (the main thread stops its own). */
  private left = false;
  /** When this side's fence rule first said "no quorum" with addresses held, until it says otherwise. */
  private noQuorumSince: number | undefined;
  /** Heartbeats this side sent because the main loop had none ready in time. */
  refills = 0;

  constructor(private readonly settings: FastPathSettings, private readonly parts: LivenessParts) {
    this.slots = new Float64Array(settings.shared);
    const { mesh } = settings;
    const now = parts.now();
    this.view = createView({
      localPnn: mesh.localPnn, nodeCount: mesh.nodes.length, deleted: mesh.nodes.filter((n) => n.address === null).map((n) => n.pnn),
      deadAfterMs: settings.deadAfterMs, now,
    });
    this.lastWatchAt = now;
    this.mainGraceMs = Math.max(settings.pulseMs * 2, (settings.deadAfterMs - settings.fenceAfterMs) / 2);
  }

  /** A mesh event: kept for the fence's view, then handed to the main thread. */
  meshEvent(event: MeshEvent): void {
    if (this.verdict !== VERDICT.none) return;
    const at = this.parts.now();
    if (event.kind === 'message' && event.message.kind === 'heartbeat' && event.message.pnn === event.from) {
      this.observe(heartbeatObservation(event.message, at));
    } else if (event.kind === 'peer-down') {
      this.observe({ kind: 'stream-closed', pnn: event.pnn, at });
    }
    this.parts.post({ op: 'event', event, at });
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
    if (this.verdict !== VERDICT.none) return;
    this.parts.mesh.send(to, this.stamped(message));
  }

  broadcast(message: SessionMessage): void {
    if (this.verdict !== VERDICT.none) return;
    const stamped = this.stamped(message);
    this.parts.mesh.broadcast(stamped);
  }

  /**
   * Every settings.pulseMs: the verdicts, then a heartbeat if the main loop left one out.
   * Quorum is judged on the next turn's check phase, after this loop has read what arrived:
   * a timer that fires late (this thread waited for a core) runs before the sockets are read,
   * and peers would look silent only because their frames wait in our receive queue.
   */
  watch(): void {
    const now = this.parts.now();
    const gap = now - this.lastWatchAt;
    this.lastWatchAt = now;
    this.slots[SLOT.workerPulseAt] = now;
    if (this.verdict !== VERDICT.none) return;
    const { settings } = this;
    // Without a guardian nothing fences this node, and the guarded start holds no address until one is ready:
    // a stall then costs nothing but time (the first second of a start under load can stand still that long).
    if (!this.guarded) {
      setImmediate(() => this.judge());
      return;
    }
    if (gap >= settings.frozenAfterMs) {
      this.decide(VERDICT.frozen, `the whole process stood still for ${Math.round(gap)} ms (frozen): the guardian fences`);
      return;
    }
    const mainSilentMs = now - this.slots[SLOT.mainPulseAt];
    if (mainSilentMs >= settings.mainStallLimitMs) {
      this.decide(VERDICT.mainStalled, `the main loop stood still for ${Math.round(mainSilentMs)} ms (limit ${settings.mainStallLimitMs} ms)`);
      return;
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
    const noQuorum = !decision.mayHold && decision.reason === 'no-quorum' && decision.release.length > 0;
    const since = noQuorum ? (this.noQuorumSince ?? now) : undefined;
    this.noQuorumSince = since;
    // The main loop fences by itself on the same rule; it is given mainGraceMs to begin, and the guardian acts only when it stood still all that time.
    if (since !== undefined && now - since >= this.mainGraceMs && mainSilentMs >= this.mainGraceMs) {
      this.decide(VERDICT.noQuorum, `no quorum (${this.hearing(now)}) and ${decision.release.length} address(es) held `
        + `while the main loop stood still for ${Math.round(mainSilentMs)} ms`);
      return;
    }
    if (now - this.lastBeatAt >= settings.heartbeatIntervalMs) {
      this.refills++;
      this.parts.mesh.broadcast(this.stamped(this.template));
    }
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

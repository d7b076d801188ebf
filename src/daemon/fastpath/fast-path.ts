// The main thread's side of the fast path: the worker that owns the mesh and the guardian's pipe, seen as a PeerMesh and a guardian spawner.
//
// Why a worker (docs/architecture.md, "The fast path"): heartbeats, peer silence, the
// quorum fence and the guardian's ticks must not wait for the main loop, which also
// allocates, applies netlink batches, runs events and logs. A worker thread has its own
// event loop in the same process, so a SIGSTOP or a crash still takes both, and the
// guardian, ticked from the worker, still fences those. The main thread marks a pulse in
// shared memory every pulseMs; the worker vouches for it while that pulse is younger than
// mainStallLimitMs (liveness.ts). Whatever the worker decides shows in a shared slot the
// main thread reads synchronously (`stalled()`), before any frame or address take
// (wiring/stall-gate.ts), since a resumed loop runs waiting I/O before its timers.

import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { Pnn } from '../../core/flags';
import { MeshEvent, MeshListener, PeerMesh } from '../../adapters/peer/port';
import { PeerMeshError } from '../../adapters/peer/errors';
import { SessionMessage } from '../../protocol/frame-session';
import { HeartbeatMessage } from '../../protocol/frame-messages';
import { sameHeartbeatContent } from '../../protocol/frame-heartbeat';
import { Ballot, QuorumRule } from '../../core/quorum';
import { MeshNode } from '../../adapters/peer/options';
import { GuardianEnd, GuardianError, GuardianLink, GuardianLinkEvents, GuardianLinkOptions } from '../guardian-client';
import { aheadOfOrdinaryThreads, PriorityOutcome } from '../../adapters/sched/priority';
import { confirmMarginMs, DETAIL_BYTES, FastPathSettings, FromWorker, frozenAfter, monotonicNow, pulseInterval, tickInterval, SLOT, SLOT_COUNT, ToWorker, VERDICT, WORKER_YOUNG_GENERATION_MB } from './messages';
import { HostedReceiver } from './hosted-relay';
import { Outbox } from './outbox';

export type FastPathInit = Omit<FastPathSettings, 'shared' | 'detail' | 'pulseMs' | 'tickEveryMs' | 'mainStallLimitMs' | 'frozenAfterMs'> & {
  /** @default pulseInterval(fence_after): 35 ms in the default profile, 10 ms in fast and ultra */
  readonly pulseMs?: number;
  /** @default 4 x dead_after */
  readonly mainStallLimitMs?: number;
  /** The compiled worker-main script (siblingScript). */
  readonly script: string;
  /** Hears the scheduling class the worker got for itself and for the guardian (a line in the log). */
  readonly onPriority?: (of: 'fast path' | 'guardian', outcome: PriorityOutcome) => void;
  /** Hears a freeze with addresses held that the guardian answered after, so the process went on (a line in the log). */
  readonly onStallConfirmed?: (gapMs: number, waitedMs: number) => void;
  /**
   * How each post to the worker runs: Node holds the worker port's mutex across the wake-up, and
   * the worker (SCHED_RR) waits for it (sched/priority.ts says what that cost).
   * @default aheadOfOrdinaryThreads
   */
  readonly aheadOfOrdinary?: <T>(work: () => T) => T;
};

/** What the worker's verdict (liveness.ts) means, for a main thread that reads the slot before the worker's message. */
const VERDICT_TEXT: Readonly<Record<number, string>> = {
  [VERDICT.frozen]: 'the process stood still (frozen) long enough for the guardian to fence',
  [VERDICT.mainStalled]: 'the main loop stood still past its limit: the guardian fenced',
  [VERDICT.noQuorum]: 'no quorum while the main loop stood still: the guardian fenced',
};

/** Why a freeze of `ms` ends a process that holds addresses (the main thread's words; the soak's exit watch knows them). */
export function frozenWhy(ms: number): string {
  return `the process stood still for ${Math.round(ms)} ms (frozen): the guardian fences`;
}

/** The worker's settings: the timings FastPath.start derives from fence_after and dead_after. */
export function fastPathSettings(init: Omit<FastPathInit, 'script' | 'onPriority' | 'pulseMs'>, pulseMs: number, shared: SharedArrayBuffer): FastPathSettings {
  const tickEveryMs = tickInterval(init.fenceAfterMs, pulseMs);
  return {
    ...init, shared, detail: new SharedArrayBuffer(DETAIL_BYTES), pulseMs, tickEveryMs,
    mainStallLimitMs: init.mainStallLimitMs ?? 4 * init.deadAfterMs, frozenAfterMs: frozenAfter(init.fenceAfterMs, tickEveryMs),
  };
}

/** What the worker says of the fences it orders (liveness.ts orderFence), for the main thread's FenceGuard and log. */
export type FenceNews =
  | { readonly kind: 'ordered'; readonly held: number; readonly detail: string }
  | { readonly kind: 'done'; readonly ms: number };

/** What `stalled()` reports: a stall that ends the process, or one of a node that held nothing (the keeper's idle path). */
export type StallReport =
  | { readonly kind: 'fatal'; readonly why: string }
  /** `from`: when the stall began (monotonicNow(), the last pulse before it). */
  | { readonly kind: 'idle'; readonly stalledMs: number; readonly from: number };

interface Waiter {
  readonly answers: (message: FromWorker) => boolean;
  readonly fail: (error: Error) => void;
}

export class FastPath implements PeerMesh {
  private readonly slots: Float64Array;
  private readonly listeners = new Set<MeshListener>();
  private readonly peers = new Set<Pnn>();
  private readonly waiters = new Set<Waiter>();
  private readonly pulse: NodeJS.Timeout;
  private guardianEvents: GuardianLinkEvents | undefined;
  private verdictText: string | undefined;
  private workerGone: string | undefined;
  private closing = false;
  /** The last heartbeat handed to the worker (send or broadcast): what `beat-again` makes it send again. */
  private lastHeartbeat: HeartbeatMessage | undefined;
  /** The last quorum rule and ballot sent to the worker, as JSON. */
  private quorumSent: string | undefined;
  /** Addresses held or being added (trackHolding); written to SLOT.holding on every pulse. */
  private holdingCount: (() => number) | undefined;
  /** The worker pulse before the last idle stall reported (SLOT.idleStallFrom): each is reported once. */
  private idleStallReported = Number.NaN;
  /** Puts back the address lists the worker leaves out of peer heartbeats (hosted-relay.ts). */
  private readonly hosted = new HostedReceiver();
  /** What this turn posts to the worker, sent as one array (outbox.ts says why). */
  private readonly outbox: Outbox<ToWorker>;
  private fenceListener: ((news: FenceNews) => void) | undefined;

  private constructor(private readonly settings: FastPathSettings, private readonly worker: Worker, private readonly port: MessagePort,
    private readonly onVerdict: (why: string) => void, private readonly onPriority?: FastPathInit['onPriority'],
    private readonly onStallConfirmed?: FastPathInit['onStallConfirmed'], ahead: NonNullable<FastPathInit['aheadOfOrdinary']> = aheadOfOrdinaryThreads) {
    this.slots = new Float64Array(settings.shared);
    this.outbox = new Outbox((batch) => { if (this.workerGone === undefined) ahead(() => port.postMessage(batch)); });
    port.on('message', (batch: readonly FromWorker[]) => this.handleBatch(batch));
    this.pulse = setInterval(() => {
      this.slots[SLOT.mainPulseAt] = monotonicNow();
      if (this.holdingCount) this.slots[SLOT.holding] = this.holdingCount();
    }, settings.pulseMs);
    this.pulse.unref();
    worker.on('error', (error) => this.lost(`the fast-path worker failed: ${error.message}`));
    worker.on('exit', (code) => this.lost(`the fast-path worker exited (status ${code})`));
  }

  /** Starts the worker; `onVerdict` hears that this process must stop (the worker stopped vouching for it, or died). */
  static start(init: FastPathInit, onVerdict: (why: string) => void): FastPath {
    const shared = new SharedArrayBuffer(SLOT_COUNT * Float64Array.BYTES_PER_ELEMENT);
    const slots = new Float64Array(shared);
    slots[SLOT.mainPulseAt] = monotonicNow();
    slots[SLOT.workerPulseAt] = monotonicNow();
    slots[SLOT.holding] = 1;
    slots[SLOT.idleStallFrom] = Number.NaN;
    slots[SLOT.confirmSince] = Number.NaN;
    const { script, onPriority, onStallConfirmed, aheadOfOrdinary, ...rest } = init;
    const settings = fastPathSettings(rest, init.pulseMs ?? pulseInterval(init.fenceAfterMs), shared);
    const channel = new MessageChannel();
    const worker = new Worker(script, {
      workerData: { settings, port: channel.port2 }, transferList: [channel.port2],
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    return new FastPath(settings, worker, channel.port1, onVerdict, onPriority, onStallConfirmed, aheadOfOrdinary);
  }

  /**
   * How many addresses this node holds or is adding, read on every pulse into the slot the
   * worker judges a stall by (liveness.ts): with none, a stall does not end the process.
   */
  trackHolding(count: () => number): void {
    this.holdingCount = count;
    this.slots[SLOT.holding] = count();
  }

  /**
   * An add starts (stall-gate.ts countTakes): the slot is raised at once, not at the next pulse,
   * so the worker never sees 0 while the kernel may hold the address. Only the pulse lowers it,
   * after the add's outcome is in the records.
   */
  adding(): void {
    this.slots[SLOT.holding] = Math.max(1, this.holdingCount?.() ?? 1);
  }

  /**
   * Hears the fences the worker orders. The listener must bar this node's adds before it
   * returns: only then does fencePending() say false again.
   */
  onFence(listener: (news: FenceNews) => void): void {
    this.fenceListener = listener;
  }

  /**
   * The worker ordered the guardian to fence and this thread has not taken it in yet: no address
   * may be added (stall-gate.ts), or an add that raced the order would stand after the fence.
   */
  fencePending(): boolean {
    return this.slots[SLOT.fenceOrderedAt] > this.slots[SLOT.fenceSeenAt];
  }

  /**
   * A freeze of a node that holds addresses which the worker has not judged yet, or is confirming
   * with the guardian (liveness.ts WATCH_RULES `confirm`): no address may be added until it says
   * the guardian did not fence (stall-gate.ts).
   */
  confirmPending(): boolean {
    if (!Number.isNaN(this.slots[SLOT.confirmSince])) return true;
    if (this.guardianEvents === undefined || !(this.slots[SLOT.holding] > 0)) return false;
    return monotonicNow() - this.slots[SLOT.workerPulseAt] >= this.settings.frozenAfterMs;
  }

  /**
   * Why this process must do nothing more, or undefined while the worker vouches for it:
   * its verdict, or its pulse too old (the whole process stood still and the worker has not
   * run since: it would say `frozen` on its next turn). A stall of a node that held nothing is
   * no verdict: it is reported once as `idle`, from the old pulse or from the worker's record
   * of it, whichever this thread sees first.
   */
  stalled(): StallReport | undefined {
    const fatal = (why: string): StallReport => ({ kind: 'fatal', why });
    if (this.verdictText !== undefined || this.workerGone !== undefined) return fatal(this.verdictText ?? this.workerGone ?? '');
    const code = this.slots[SLOT.verdict];
    if (code !== VERDICT.none) {
      const words = new TextDecoder().decode(new Uint8Array(this.settings.detail)).replace(/\0+$/, '');
      return fatal(`${VERDICT_TEXT[code] ?? `fast-path verdict ${code}`}${words === '' ? '' : ` (${words})`}`);
    }
    // Without a guardian (before it is ready, or after it ended) nothing can have fenced this node.
    if (this.guardianEvents === undefined) return undefined;
    const lastPulse = this.slots[SLOT.workerPulseAt];
    const silent = monotonicNow() - lastPulse;
    if (silent >= this.settings.frozenAfterMs) {
      // The worker judges such a freeze first: it asks the guardian (confirmPending meanwhile refuses every add), unless
      // the peers count this node dead by now, which the worker would say too when it runs (liveness.ts WATCH_RULES).
      if (this.slots[SLOT.holding] > 0) return silent >= this.settings.deadAfterMs - confirmMarginMs(this.settings) ? fatal(frozenWhy(silent)) : undefined;
      return this.idleStall(lastPulse, silent);
    }
    const from = this.slots[SLOT.idleStallFrom];
    return Number.isNaN(from) ? undefined : this.idleStall(from, this.slots[SLOT.idleStallMs]);
  }

  private idleStall(from: number, stalledMs: number): StallReport | undefined {
    if (from === this.idleStallReported) return undefined;
    this.idleStallReported = from;
    return { kind: 'idle', stalledMs, from };
  }

  // --- PeerMesh, run by the worker ---

  async start(): Promise<void> {
    const answer = await this.ask({ op: 'start' }, (m) => m.op === 'started' || m.op === 'start-failed');
    if (answer.op === 'start-failed') throw new PeerMeshError(answer.code as never, answer.message);
  }

  async stop(): Promise<void> {
    if (this.workerGone === undefined) await this.ask({ op: 'stop' }, (m) => m.op === 'stopped');
  }

  /** Ends the worker: after the guardian's goodbye (the guardian's pipe closes with the worker, and it would fence). */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.pulse);
    this.outbox.flush();
    await this.worker.terminate();
  }

  send(to: Pnn, message: SessionMessage): boolean {
    if (!this.peers.has(to)) return false;
    this.handedOver(message);
    this.post({ op: 'send', to, message });
    return true;
  }

  /**
   * A heartbeat that says what the last one handed to the worker said goes as `beat-again`:
   * the worker stamps its copy anew (liveness.ts). Cloning the heartbeat into the worker and
   * taking it in there cost both threads in proportion to the addresses it lists: with 333,
   * 20 times a second (fast profile, at rest), one profile each read the worker 4.81 % busy
   * before and 3.10 % after (docs/architecture.md).
   */
  broadcast(message: SessionMessage): Pnn[] {
    if (message.kind === 'heartbeat' && this.lastHeartbeat !== undefined && sameHeartbeatContent(message, this.lastHeartbeat)) {
      this.post({ op: 'beat-again' });
    } else {
      this.handedOver(message);
      this.post({ op: 'broadcast', message });
    }
    return this.connected();
  }

  /** Keeps the heartbeat the worker will stamp from now on (its template); a goodbye ends the heartbeats. */
  private handedOver(message: SessionMessage): void {
    if (message.kind === 'heartbeat') this.lastHeartbeat = message;
    else if (message.kind === 'leaving') this.lastHeartbeat = undefined;
  }

  connected(): Pnn[] {
    return [...this.peers].sort((a, b) => a - b);
  }

  reset(to: Pnn, detail: string): void {
    this.post({ op: 'reset', to, detail });
  }

  setNodes(nodes: readonly MeshNode[]): void {
    this.post({ op: 'set-nodes', nodes });
  }

  /**
   * The main thread's quorum rule and vote memory (leaves, last man standing, wait for all,
   * lock holder): the worker fences by the same rule. Sent only when it changed.
   */
  setQuorum(rule: QuorumRule, full: Ballot): void {
    const ballot: Ballot = { memory: { left: full.memory.left, dropped: full.memory.dropped, joined: full.memory.joined }, tieBreaker: full.tieBreaker };
    const text = JSON.stringify([rule, ballot]);
    if (text === this.quorumSent) return;
    this.quorumSent = text;
    this.post({ op: 'set-quorum', rule, ballot });
  }

  subscribe(listener: MeshListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivers now every event the worker has sent: the runtime calls it before it judges silence, so a resumed loop judges on what arrived. */
  flush(): void {
    for (let next = receiveMessageOnPort(this.port); next !== undefined; next = receiveMessageOnPort(this.port)) {
      this.handleBatch(next.message as readonly FromWorker[]);
    }
  }

  // --- the guardian, ticked from the worker ---

  /** GuardianKeeperInit.spawn: the guardian's pipe belongs to the worker, so its ticks stop only when the whole process does. */
  async spawnGuardian(options: GuardianLinkOptions, events: GuardianLinkEvents): Promise<Pick<GuardianLink, 'bye' | 'pid' | 'kill' | 'setPeers' | 'tickSilenceMs'>> {
    const answer = await this.ask({ op: 'guardian-start', options }, (m) => m.op === 'guardian-ready' || m.op === 'guardian-failed');
    if (answer.op === 'guardian-failed') throw new GuardianError(answer.message);
    this.guardianEvents = events;
    const pid = answer.op === 'guardian-ready' ? answer.pid : undefined;
    return {
      pid,
      bye: async (): Promise<GuardianEnd> => {
        this.guardianEvents = undefined;
        const ended = await this.ask({ op: 'guardian-bye' }, (m) => m.op === 'guardian-ended');
        return ended.op === 'guardian-ended' ? ended.end : 'failed';
      },
      kill: () => this.post({ op: 'guardian-kill' }),
      setPeers: (peers) => this.post({ op: 'guardian-peers', peers }),
      // The worker ticks this guardian every 10 ms whatever the main loop does; a stall of the
      // worker itself is its own verdict (stalled()), so the main loop never makes it silent.
      tickSilenceMs: () => 0,
    };
  }

  private handleBatch(batch: readonly FromWorker[]): void {
    for (const message of batch) this.handle(message);
  }

  private handle(message: FromWorker): void {
    for (const waiter of this.waiters) if (waiter.answers(message)) return;
    switch (message.op) {
      case 'event':
      case 'beat':
        this.deliver(this.hosted.event(message), Math.max(0, monotonicNow() - message.at));
        return;
      case 'guardian-ended': this.guardianEvents?.ended(message.end); return;
      case 'guardian-silent': this.guardianEvents?.silent?.(message.unansweredMs); return;
      case 'priority': this.onPriority?.(message.of, message.outcome); return;
      case 'fence-ordered':
        this.fenceListener?.({ kind: 'ordered', held: message.held, detail: message.detail });
        this.slots[SLOT.fenceSeenAt] = Math.max(this.slots[SLOT.fenceSeenAt], message.at);
        return;
      case 'fence-done': this.fenceListener?.({ kind: 'done', ms: message.ms }); return;
      case 'stall-confirmed': this.onStallConfirmed?.(message.gapMs, message.waitedMs); return;
      case 'verdict':
        this.verdictText ??= message.detail;
        this.onVerdict(message.detail);
        return;
      default: return;
    }
  }

  private deliver(event: MeshEvent, ageMs: number): void {
    if (event.kind === 'peer-up') this.peers.add(event.pnn);
    if (event.kind === 'peer-down') this.peers.delete(event.pnn);
    for (const listener of this.listeners) listener(event, ageMs);
  }

  private post(message: ToWorker): void {
    if (this.workerGone === undefined) this.outbox.add(message);
  }

  private ask(message: ToWorker, isAnswer: (m: FromWorker) => boolean): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      if (this.workerGone !== undefined) {
        reject(new GuardianError(this.workerGone));
        return;
      }
      const waiter: Waiter = {
        answers: (m) => {
          if (!isAnswer(m)) return false;
          this.waiters.delete(waiter);
          resolve(m);
          return true;
        },
        fail: reject,
      };
      this.waiters.add(waiter);
      this.post(message);
    });
  }

  private lost(why: string): void {
    if (this.workerGone !== undefined) return;
    this.workerGone = why;
    clearInterval(this.pulse);
    this.outbox.clear();
    for (const waiter of [...this.waiters]) waiter.fail(new GuardianError(why));
    this.waiters.clear();
    if (!this.closing) this.onVerdict(why);
  }
}

// What the main thread and the fast-path worker say to each other, and the shared slots both read without a message.

import { Pnn } from '../../core/flags';
import { MeshEvent } from '../../adapters/peer/port';
import { MeshNode, TcpMeshInit } from '../../adapters/peer/options';
import { Ballot, QuorumRule } from '../../core/quorum';
import { NoticePeer } from '../guardian-notice';
import { SessionMessage } from '../../protocol/frame-session';
import { HeartbeatMessage } from '../../protocol/frame-messages';
import { GuardianEnd, GuardianLinkOptions } from '../guardian-client';
import { PriorityOutcome } from '../../adapters/sched/priority';

export interface FastPathSettings {
  readonly mesh: TcpMeshInit;
  readonly heartbeatIntervalMs: number;
  readonly fenceAfterMs: number;
  readonly deadAfterMs: number;
  /** The main loop may stand still this long while the worker vouches for it (see fast-path.ts). */
  readonly mainStallLimitMs: number;
  /** How often each thread marks its slot; each judges the other's gap against it. */
  readonly pulseMs: number;
  /** How often the worker ticks the guardian (tickInterval()). */
  readonly tickEveryMs: number;
  /**
   * A gap of the worker's own loop this long means the whole process stood still long enough
   * that the guardian may have fenced: fence_after less one tick and a margin (frozenAfter()).
   */
  readonly frozenAfterMs: number;
  /** Slots (SLOT) both threads read. */
  readonly shared: SharedArrayBuffer;
  /** The verdict's words (UTF-8, zero-padded), written before the verdict slot: the main thread logs them before it exits. */
  readonly detail: SharedArrayBuffer;
}

/** Float64 slots of `shared`: times in `monotonicNow()` ms, and the worker's verdict. */
export const SLOT = {
  /** The main thread's last pulse. */
  mainPulseAt: 0,
  /** The worker's last watch. */
  workerPulseAt: 1,
  /** 0 while the worker vouches for this process; else a VERDICT: the process must exit and do nothing more. */
  verdict: 2,
  /**
   * Addresses this node holds or is adding, as the main thread last wrote it (FastPath.trackHolding):
   * raised at once when an add starts, lowered only by its pulse. Never too low, so the worker may
   * treat 0 as "nothing to fence" (liveness.ts). Until the main thread says, 1: a stall is fenced.
   */
  holding: 3,
  /** The worker's last pulse before a freeze it judged idle (holding 0): the stall both threads report once. */
  idleStallFrom: 4,
  /** That freeze's length, ms. */
  idleStallMs: 5,
  /**
   * When the worker last ordered the guardian to fence (liveness.ts, no quorum): until the main
   * thread has barred its own adds (fenceSeenAt catches up), every add is refused (stall-gate.ts).
   */
  fenceOrderedAt: 6,
  /** The fenceOrderedAt the main thread has taken in: its hosting is barred and releasing since. */
  fenceSeenAt: 7,
  /**
   * While the worker asks the guardian whether a freeze let it fence (liveness.ts, WATCH_RULES
   * `confirm`): when it began; NaN otherwise. The main thread adds nothing meanwhile.
   */
  confirmSince: 8,
} as const;
export const SLOT_COUNT = 9;
export const DETAIL_BYTES = 2048;

export const VERDICT = { none: 0, frozen: 1, mainStalled: 2, noQuorum: 3 } as const;
export type VerdictCode = (typeof VERDICT)[keyof typeof VERDICT];

/**
 * How often each thread marks its pulse and the worker judges: a twentieth of fence_after, 10-50
 * ms. Every pulse wakes both threads, and the worker's judges the quorum fence on its view; at
 * 10 ms for every profile that was 100 wake-ups a second per thread at rest, where the default
 * profile's fence_after of 700 ms needs no finer grain than 35 ms (its freezes count from 645
 * ms, its fence order may come 35 ms after fence_after, 300 ms before dead_after).
 */
export function pulseInterval(fenceAfterMs: number): number {
  return Math.min(50, Math.max(10, fenceAfterMs / 20));
}

/**
 * The worker's young generation, MB: V8 splits it into two semi-spaces and one for large
 * objects, so 3 MB is 1 MB semi-spaces. Unlimited, V8 grows them with the allocation rate up to
 * 16 MB each, and a worker hears every peer's heartbeats: in a 16-node lab at rest floatipd
 * was 107 MB VmRSS, 100.7 MB with this limit, at the same CPU (docs/architecture.md). The
 * worker keeps nothing short-lived and big. The main thread is left unlimited: with 1 or 2 MB
 * semi-spaces (node's --max-semi-space-size) its worst loop delay in 1000-address failovers
 * rose in two same-run A/Bs (docs/architecture.md).
 */
export const WORKER_YOUNG_GENERATION_MB = 3;

/**
 * How often the worker ticks the guardian: a tenth of fence_after, at least every 50 ms and
 * not more often than the pulse. Every tick wakes the guardian and writes to its pipe; on
 * every 10 ms pulse that was 1.8 % of a core for the guardian alone at the default profile's
 * fence_after of 700 ms, where a tick every 50 ms moves frozenAfter() by only 40 ms.
 */
export function tickInterval(fenceAfterMs: number, pulseMs: number): number {
  return Math.max(pulseMs, Math.min(50, fenceAfterMs / 10));
}

/**
 * The guardian fences fence_after after the last tick it read, and the worker ticks it every
 * tickEveryMs: a worker gap shorter than fence_after - tickEveryMs (less 5 ms for the pipe and
 * the guardian's own timer) cannot have let it fence. Not less than half of fence_after.
 */
export function frozenAfter(fenceAfterMs: number, tickEveryMs: number): number {
  return Math.max(fenceAfterMs / 2, fenceAfterMs - tickEveryMs - 5);
}

/**
 * How long before the peers count this node dead a freeze can still be confirmed: two pulses,
 * one for the confirmation (the guardian answers in well under a ms) and one for the heartbeat
 * that follows it.
 */
export function confirmMarginMs(settings: Pick<FastPathSettings, 'pulseMs'>): number {
  return 2 * settings.pulseMs;
}

/** The same clock in both threads (performance.now() has a per-thread origin). */
export function monotonicNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The main thread posts arrays of these, one per turn (outbox.ts). */
export type ToWorker =
  | { readonly op: 'start' }
  | { readonly op: 'stop' }
  | { readonly op: 'send'; readonly to: Pnn; readonly message: SessionMessage }
  | { readonly op: 'broadcast'; readonly message: SessionMessage }
  /**
   * The main thread's heartbeat says what the last one handed over said: the worker broadcasts
   * that one again, stamped anew (FastPath.broadcast says why it is not sent whole).
   */
  | { readonly op: 'beat-again' }
  | { readonly op: 'reset'; readonly to: Pnn; readonly detail: string }
  /** reloadnodes: the mesh dials or drops, and the worker's view takes the new node set. */
  | { readonly op: 'set-nodes'; readonly nodes: readonly MeshNode[] }
  /** The main thread's quorum rule and vote memory, whenever they change: the worker's fence judges as the main thread does. */
  | { readonly op: 'set-quorum'; readonly rule: QuorumRule; readonly ballot: Ballot }
  | { readonly op: 'guardian-peers'; readonly peers: readonly NoticePeer[] }
  | { readonly op: 'guardian-start'; readonly options: GuardianLinkOptions }
  | { readonly op: 'guardian-bye' }
  | { readonly op: 'guardian-kill' };

/** The worker posts arrays of these, one per turn (outbox.ts). */
export type FromWorker =
  | { readonly op: 'started' }
  | { readonly op: 'start-failed'; readonly code: string; readonly message: string }
  | { readonly op: 'stopped' }
  /** `at`: when the worker received it (monotonicNow): the main thread hands it on with its age. */
  | { readonly op: 'event'; readonly event: MeshEvent; readonly at: number }
  /** A peer's heartbeat listing the addresses of the last one posted from that peer: hosted-relay.ts. */
  | { readonly op: 'beat'; readonly from: Pnn; readonly message: Omit<HeartbeatMessage, 'hosted'>; readonly at: number }
  | { readonly op: 'guardian-ready'; readonly pid: number | undefined }
  | { readonly op: 'guardian-failed'; readonly message: string }
  | { readonly op: 'guardian-ended'; readonly end: GuardianEnd }
  | { readonly op: 'guardian-silent'; readonly unansweredMs: number }
  | { readonly op: 'priority'; readonly of: 'fast path' | 'guardian'; readonly outcome: PriorityOutcome }
  | { readonly op: 'verdict'; readonly code: VerdictCode; readonly detail: string }
  /**
   * The worker found no quorum with addresses held and ordered the guardian to delete them
   * (liveness.ts): the main thread bars its adds and releases its records. `at`: the
   * SLOT.fenceOrderedAt it set; `held`: what its view says the node held.
   */
  | { readonly op: 'fence-ordered'; readonly at: number; readonly held: number; readonly detail: string }
  /** The guardian reports that fence done: every tagged address is gone. `ms` since the order. */
  | { readonly op: 'fence-done'; readonly ms: number }
  /** A freeze of `gapMs` with addresses held: the guardian answered a tick after it, so it had not fenced; the process goes on. */
  | { readonly op: 'stall-confirmed'; readonly gapMs: number; readonly waitedMs: number };

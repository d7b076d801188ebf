// The guardian's decision: from the daemon's ticks and its pipe, when to fence (remove floatip's addresses) and when to just leave.
//
// The guardian is a separate, tiny process the daemon spawns with a pipe on the
// guardian's stdin. The daemon writes one byte per tick from its fast-path worker's
// loop (daemon/fastpath), every 10 ms. Outside that process, the guardian fences when
//   - the pipe closes without a goodbye: the daemon died (SIGKILL included: the
//     kernel closes its end of the pipe), so its addresses must stop answering now;
//   - no tick came for fence_after: the daemon is stopped (SIGSTOP) or its worker's loop is
//     blocked, and the majority will take its addresses after dead_after > fence_after.
// A goodbye means the daemon released its addresses itself: the guardian leaves
// without touching anything. After a fence it tells the peers (guardian-notice.ts).
// It answers every tick with one ack byte on its stdout: a frozen or hung guardian
// stops answering, and the daemon (guardian-client.ts) then treats its addresses as
// unguarded, kills this guardian and starts another.

import { Clock, OneTimer } from '../adapters/clock';
import { FenceCause } from '../protocol/frame-messages';
import { NoticePeer, NoticeSettings } from './guardian-notice';
import { parsePeer } from './guardian-peers';

/** Bytes on the pipe, daemon -> guardian. */
export const GUARDIAN_TICK = 0x74; // 't'
export const GUARDIAN_BYE = 0x62; // 'b'
/** One byte per tick, guardian -> daemon, after the ready line: the guardian's loop runs. */
export const GUARDIAN_ACK = 0x61; // 'a'
/** Written once by the guardian on its stdout when it can fence. */
export const GUARDIAN_READY = 'ready\n';

/** The guardian's exit status says what it did. */
export const GuardianExitCode = {
  /** The daemon said goodbye; nothing was touched. */
  bye: 0,
  /** It could not start or could not fence. */
  failed: 1,
  /** Fenced because the pipe closed (the daemon died). */
  fencedPipeClosed: 10,
  /** Fenced because the ticks stopped (the daemon is frozen). */
  fencedNoTicks: 11,
} as const;


export type GuardianVerdict =
  | { readonly kind: 'bye' }
  | { readonly kind: 'fence'; readonly cause: FenceCause; /** Since the last tick (or the start). */ readonly silentMs: number };

export class GuardianWatch {
  private lastTick: number;
  private verdict: GuardianVerdict | undefined;
  /** Bytes that were neither tick nor goodbye: the daemon and guardian are of different releases. */
  unknownBytes = 0;
  ticks = 0;
  /** The one deadline: fence_after after the last tick. */
  private readonly deadline: OneTimer;

  /** @param clock the process clock in the guardian, a manual one in tests */
  constructor(
    private readonly fenceAfterMs: number,
    private readonly clock: Clock,
    private readonly decide: (verdict: GuardianVerdict) => void,
  ) {
    if (!Number.isFinite(fenceAfterMs) || fenceAfterMs <= 0) throw new RangeError(`fence_after must be positive, not ${fenceAfterMs}`);
    this.lastTick = clock.now();
    this.deadline = new OneTimer(clock);
  }

  /** Starts the first deadline: a daemon that never ticks is fenced too. */
  start(): void {
    this.lastTick = this.clock.now();
    this.deadline.set(this.fenceAfterMs, () => this.silence());
  }

  /** Bytes from the pipe; returns how many ticks they held (the guardian acks each). */
  input(chunk: Uint8Array): number {
    if (this.verdict !== undefined) return 0;
    let ticks = 0;
    for (const byte of chunk) {
      if (byte === GUARDIAN_BYE) {
        this.ticks += ticks;
        this.conclude({ kind: 'bye' });
        return ticks;
      }
      if (byte === GUARDIAN_TICK) ticks++;
      else if (byte !== 0x0a) this.unknownBytes++;
    }
    this.ticks += ticks;
    // Any traffic at all proves the daemon's loop ran, but only ticks are counted on purpose: the daemon sends nothing else.
    if (ticks > 0) {
      this.lastTick = this.clock.now();
      this.deadline.set(this.fenceAfterMs, () => this.silence());
    }
    return ticks;
  }

  /** The pipe closed (EOF or error). */
  closed(): void {
    this.conclude({ kind: 'fence', cause: 'pipe-closed', silentMs: this.clock.now() - this.lastTick });
  }

  get decided(): GuardianVerdict | undefined {
    return this.verdict;
  }

  /**
   * The deadline passed. It is judged on the next turn, after the loop has read the pipe: a
   * timer runs before I/O in a loop turn, so a guardian that itself stood still (no core for
   * it, a page fault behind a lock) would otherwise fence although ticks waited in its pipe;
   * the ultra profile's quiet run lost a healthy daemon that way (fence_after 45 ms).
   */
  private silence(): void {
    // Whether a tick came in between, not the clock: a timer may fire a little before
    // fence_after by performance.now() (libuv counts from the loop's cached time), and a
    // deadline judged by the clock then would neither fence nor be set again.
    const ticksAtDeadline = this.ticks;
    this.clock.nextTurn(() => {
      if (this.ticks === ticksAtDeadline) this.conclude({ kind: 'fence', cause: 'no-ticks', silentMs: this.clock.now() - this.lastTick });
    });
  }

  private conclude(verdict: GuardianVerdict): void {
    if (this.verdict !== undefined) return;
    this.verdict = verdict;
    this.deadline.clear();
    this.decide(verdict);
  }
}

/**
 * The daemon's record of the ticks its guardian has not answered yet (one ack byte per
 * tick, in order). The oldest unanswered tick's age says how long the guardian has not
 * run: it is frozen or hung once that reaches the limit, while a daemon that stalled
 * itself sent no ticks meanwhile, so its own stall never counts against the guardian.
 */
export class TickAnswers {
  private readonly sentAt: number[] = [];
  private head = 0;

  sent(at: number): void {
    this.sentAt.push(at);
  }

  /** `count` ack bytes arrived; more acks than ticks (a confused guardian) are ignored. */
  answered(count: number): void {
    this.head = Math.min(this.sentAt.length, this.head + count);
    // Drop what is answered now and then, so the record stays as small as the unanswered part.
    if (this.head > 64 && this.head * 2 > this.sentAt.length) {
      this.sentAt.splice(0, this.head);
      this.head = 0;
    }
  }

  /** ms since the oldest unanswered tick was sent; 0 when every tick is answered. */
  oldestUnansweredMs(now: number): number {
    return this.head < this.sentAt.length ? now - this.sentAt[this.head] : 0;
  }

  get unanswered(): number {
    return this.sentAt.length - this.head;
  }
}

export interface GuardianArgs {
  readonly fenceAfterMs: number;
  /** IFA_PROTO tag of floatip's addresses. */
  readonly addressProtocol: number;
  /** Whom to tell once the addresses are gone (guardian-notice.ts); absent: nobody. */
  readonly notice?: NoticeSettings;
}

export const GUARDIAN_USAGE = 'usage: guardian --fence-after-ms=MS [--address-protocol=N] '
  + '[--notice-pnn=N --notice-key-file=PATH --notice-bind=ADDRESS --notice-port=N --notice-peer=PNN@ADDRESS...] (started by floatipd, not by hand)';

function usageError(what: string): Error {
  return new Error(`guardian: ${what}; ${GUARDIAN_USAGE}`);
}

function wholeNumber(name: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw usageError(`--${name} must be ${min}..${max}, not "${text}"`);
  return value;
}

/** `--fence-after-ms=700 --address-protocol=241 [--notice-...]`; throws a message with the usage otherwise. */
export function parseGuardianArgs(args: readonly string[]): GuardianArgs {
  let fenceAfterMs: number | undefined;
  let addressProtocol = 0xf1;
  const notice: { pnn?: number; keyFile?: string; bindAddress?: string; port?: number; peers: NoticePeer[] } = { peers: [] };
  let noticeSeen = false;
  for (const arg of args) {
    const match = /^--([a-z-]+)=(.+)$/.exec(arg);
    const [name, value] = match ? [match[1], match[2]] : ['', ''];
    if (name.startsWith('notice-')) noticeSeen = true;
    switch (name) {
      case 'fence-after-ms': fenceAfterMs = wholeNumber(name, value, 1, 3_600_000); break;
      case 'address-protocol': addressProtocol = wholeNumber(name, value, 4, 255); break;
      case 'notice-pnn': notice.pnn = wholeNumber(name, value, 0, 0xfffffffe); break;
      case 'notice-key-file': notice.keyFile = value; break;
      case 'notice-bind': notice.bindAddress = value; break;
      case 'notice-port': notice.port = wholeNumber(name, value, 1, 65535); break;
      case 'notice-peer': {
        const peer = parsePeer(value);
        if (!peer) throw usageError(`--notice-peer must be PNN@ADDRESS, not "${value}"`);
        notice.peers.push(peer);
        break;
      }
      default: throw usageError(`unknown argument "${arg}"`);
    }
  }
  if (fenceAfterMs === undefined) throw usageError('--fence-after-ms is required and positive');
  if (!noticeSeen) return { fenceAfterMs, addressProtocol };
  const { pnn, keyFile, bindAddress, port, peers } = notice;
  if (pnn === undefined || keyFile === undefined || bindAddress === undefined || port === undefined) {
    throw usageError('a notice needs all of --notice-pnn, --notice-key-file, --notice-bind and --notice-port');
  }
  return { fenceAfterMs, addressProtocol, notice: { pnn, keyFile, bindAddress, port, peers } };
}

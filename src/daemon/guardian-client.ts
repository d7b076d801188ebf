// The daemon's side of the guardian: spawn it, wait until it can fence, tick from the daemon's event loop, hear its acks, say goodbye.
//
// The tick timer runs on the daemon's own loop on purpose: if that loop stops
// (SIGSTOP, a blocked loop), the ticks stop and the guardian fences. Start the
// guardian before adding any public address, and call bye() only after every
// address was released, or the guardian would leave addresses behind.
// The guardian acks every tick; a tick left unanswered for `answerWithinMs` means the
// guardian is frozen or hung and would not fence if this daemon died now: `onSilent`.

import { ChildProcess, spawn } from 'node:child_process';
import { builtNativeFile, GUARDIAN_PROGRAM } from '../adapters/packet/native';
import { GUARDIAN_ACK, GUARDIAN_BYE, GUARDIAN_FENCE, GUARDIAN_FENCE_DONE, GUARDIAN_READY, GUARDIAN_TICK, GuardianExitCode, TickAnswers } from './guardian';
import { noticeArgs, NoticePeer, NoticeSettings } from './guardian-notice';
import { peersLine } from './guardian-peers';

export interface GuardianCommand {
  readonly execPath: string;
  /** Arguments before the guardian's own (`--fence-after-ms=...`). */
  readonly args: readonly string[];
}

/** How to run this installation's guardian program. */
export function guardianCommand(): GuardianCommand {
  return { execPath: builtNativeFile(GUARDIAN_PROGRAM), args: [] };
}

export interface GuardianLinkOptions {
  /** The guardian fences after this long without a tick (`timing.fence_after`). */
  readonly fenceAfterMs: number;
  /** floatip's IFA_PROTO tag. @default 0xf1 */
  readonly addressProtocol?: number;
  /** @default fenceAfterMs / 4 */
  readonly tickEveryMs?: number;
  /** How to run the guardian. @default guardianCommand(): the built floatip-guardian */
  readonly command?: GuardianCommand;
  /** Whom the guardian tells after a fence (guardian-notice.ts). @default nobody */
  readonly notice?: NoticeSettings;
  /** Waiting for the guardian's ready line longer than this fails start(). @default 5000 */
  readonly readyTimeoutMs?: number;
  /**
   * A tick unanswered this long means the guardian does not run. With the check at every
   * tick, a frozen guardian is noticed within answerWithinMs + tickEveryMs.
   * @default fenceAfterMs * 3 / 4 (noticed within fence_after)
   */
  readonly answerWithinMs?: number;
}

/** What the link reports while the guardian lives: how long its oldest unanswered tick has waited. */
export interface GuardianLinkEvents {
  /** Every ending but the goodbye (see start()). */
  readonly ended: (end: GuardianEnd) => void;
  /** Once per guardian: it stopped answering ticks (frozen, hung). It still runs: kill() it. */
  readonly silent?: (unansweredMs: number) => void;
  /** A fence ordered with fence() is done: the addresses are gone, the guardian guards on. */
  readonly fenced?: () => void;
}

/** How the guardian ended, from its exit status. */
export type GuardianEnd = 'bye' | 'fenced-pipe-closed' | 'fenced-no-ticks' | 'failed' | 'killed';

export class GuardianError extends Error {
  readonly code = 'E_GUARDIAN';
  constructor(message: string) {
    super(message);
    this.name = 'GuardianError';
  }
}

function endOf(code: number | null): GuardianEnd {
  switch (code) {
    case GuardianExitCode.bye: return 'bye';
    case GuardianExitCode.fencedPipeClosed: return 'fenced-pipe-closed';
    case GuardianExitCode.fencedNoTicks: return 'fenced-no-ticks';
    case null: return 'killed';
    default: return 'failed';
  }
}

export class GuardianLink {
  private ticker: NodeJS.Timeout | undefined;
  private ended: Promise<GuardianEnd>;
  private saidBye = false;
  private readonly answers = new TickAnswers();
  private reportedSilent = false;
  /** When the last tick was written, and the longest gap between two ticks since tickSilenceMs last read it. */
  private lastTickAt: number | undefined;
  private longestTickGap = 0;
  /** confirm() callers, each with the tick count that must be answered. */
  private confirmations: Array<{ readonly upTo: number; readonly done: (answered: boolean) => void }> = [];

  private constructor(private readonly child: ChildProcess, tickEveryMs: number, private readonly answerWithinMs: number,
    private readonly events: GuardianLinkEvents) {
    this.ended = new Promise((resolve) => {
      child.once('exit', (code) => {
        clearInterval(this.ticker);
        const end = endOf(code);
        resolve(end);
        this.settleConfirmations(false);
        // A goodbye ending is expected; anything else means the addresses may be gone or unguarded.
        if (!(this.saidBye && end === 'bye')) events.ended(end);
      });
    });
    // EPIPE when the guardian is gone: 'exit' reports it.
    child.stdin?.on('error', () => undefined);
    child.stdout?.on('data', (chunk: Buffer) => {
      this.answers.answered(countByte(chunk, GUARDIAN_ACK));
      this.settleConfirmations(true);
      for (let done = countByte(chunk, GUARDIAN_FENCE_DONE); done > 0; done--) events.fenced?.();
    });
    this.ticker = setInterval(() => this.tick(), tickEveryMs);
  }

  /**
   * Spawns the guardian and resolves once it can fence. `onEnd` hears every ending
   * but the goodbye: the daemon must then respawn it, and after a fence treat its
   * addresses as gone.
   */
  static async start(options: GuardianLinkOptions, events: GuardianLinkEvents | ((end: GuardianEnd) => void)): Promise<GuardianLink> {
    const command = options.command ?? guardianCommand();
    const child = spawn(command.execPath, [
      ...command.args, `--fence-after-ms=${Math.round(options.fenceAfterMs)}`, `--address-protocol=${options.addressProtocol ?? 0xf1}`,
      ...(options.notice ? noticeArgs(options.notice) : []),
    ], {
      // Its own process group: a signal to the daemon's group (Ctrl-C) must not take the guardian down with it.
      detached: true,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const timeoutMs = options.readyTimeoutMs ?? 5000;
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      const fail = (why: string): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new GuardianError(`the guardian did not start (${why}): check the daemon's log for its error line`));
      };
      const timer = setTimeout(() => fail(`no ready line within ${timeoutMs} ms`), timeoutMs);
      child.once('error', (error: NodeJS.ErrnoException) => fail(error.code === 'ENOENT'
        ? `${command.execPath} does not exist: build it with \`npm ci\` (node-gyp) in the package directory` : error.message));
      child.once('exit', (code) => fail(`it exited with status ${code}`));
      child.stdout?.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (!seen.includes(GUARDIAN_READY)) return;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        child.stdout?.removeAllListeners('data');
        resolve();
      });
    });
    const link = new GuardianLink(child, options.tickEveryMs ?? options.fenceAfterMs / 4, options.answerWithinMs ?? (options.fenceAfterMs * 3) / 4,
      typeof events === 'function' ? { ended: events } : events);
    link.tick();
    return link;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves with how the guardian ended. */
  get exited(): Promise<GuardianEnd> {
    return this.ended;
  }

  /** The daemon released every address itself: the guardian leaves without touching them. */
  async bye(): Promise<GuardianEnd> {
    clearInterval(this.ticker);
    this.saidBye = true;
    this.child.stdin?.end(Buffer.from([GUARDIAN_BYE]));
    return this.ended;
  }

  /** A new peer list for the guardian's fence notice (reloadnodes). */
  setPeers(peers: readonly NoticePeer[]): void {
    if (this.saidBye || !this.child.stdin?.writable) return;
    this.child.stdin.write(peersLine(peers));
  }

  /** How many ticks the guardian has not answered yet, and since when (ms). */
  get unanswered(): { readonly ticks: number; readonly oldestMs: number } {
    return { ticks: this.answers.unanswered, oldestMs: this.answers.oldestUnansweredMs(performance.now()) };
  }

  /**
   * The longest the guardian can have gone without a tick from this process since the last
   * call (the longest gap between two ticks written, or since the last one): below
   * fence_after it cannot have fenced for silence. Resets the record.
   */
  tickSilenceMs(now = performance.now()): number {
    const silence = Math.max(this.longestTickGap, this.lastTickAt === undefined ? 0 : now - this.lastTickAt);
    this.longestTickGap = 0;
    return silence;
  }

  /**
   * Closes the pipe without a goodbye: the guardian fences now, as after a crash of the
   * daemon. For a daemon that must let go at once but cannot release by itself (its main
   * loop stands still: daemon/fastpath).
   */
  abandon(): void {
    clearInterval(this.ticker);
    this.child.stdin?.end();
  }

  /**
   * Orders the guardian to delete every address now and keep guarding (the fast path found no
   * quorum: liveness.ts). `fenced` hears it done; a guardian that cannot delete them ends (failed).
   * False when the pipe is closed: nothing was ordered.
   */
  fence(): boolean {
    if (this.saidBye || !this.child.stdin?.writable) return false;
    this.child.stdin.write(Buffer.from([GUARDIAN_FENCE]));
    return true;
  }

  /**
   * Asks whether the guardian is still undecided after this process stood still: writes a tick
   * now and calls `done(true)` once every tick written so far is answered (the guardian acks only
   * while it has not fenced, and a tick it reads resets its deadline), or `done(false)` if it
   * ends first (it fenced). False when the pipe is closed: nothing was asked.
   */
  confirm(done: (answered: boolean) => void): boolean {
    if (this.saidBye || !this.child.stdin?.writable) return false;
    this.tick();
    this.confirmations.push({ upTo: this.answers.sentCount, done });
    return true;
  }

  private settleConfirmations(alive: boolean): void {
    if (this.confirmations.length === 0) return;
    const settled = this.confirmations.filter((c) => !alive || this.answers.answeredUpTo(c.upTo));
    this.confirmations = this.confirmations.filter((c) => !settled.includes(c));
    for (const c of settled) c.done(alive);
  }

  /** Ends a guardian that stopped answering (SIGKILL ends a stopped process too); 'exit' then reports 'killed'. */
  kill(): void {
    this.child.kill('SIGKILL');
  }

  private tick(): void {
    if (this.saidBye || !this.child.stdin?.writable) return;
    this.child.stdin.write(Buffer.from([GUARDIAN_TICK]));
    const now = performance.now();
    if (this.lastTickAt !== undefined) this.longestTickGap = Math.max(this.longestTickGap, now - this.lastTickAt);
    this.lastTickAt = now;
    this.answers.sent(now);
    if (this.answers.oldestUnansweredMs(performance.now()) < this.answerWithinMs || this.reportedSilent) return;
    // Timers run before the poll phase: after a stall of this daemon's own loop, acks may wait
    // unread in the pipe. setImmediate runs after the poll has read them; look again then.
    setImmediate(() => {
      const waited = this.answers.oldestUnansweredMs(performance.now());
      if (this.saidBye || this.reportedSilent || waited < this.answerWithinMs) return;
      this.reportedSilent = true;
      this.events.silent?.(waited);
    });
  }
}

function countByte(chunk: Uint8Array, byte: number): number {
  let count = 0;
  for (const b of chunk) if (b === byte) count++;
  return count;
}

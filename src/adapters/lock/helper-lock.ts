// The `!/path/to/helper args` cluster lock: runs a CTDB mutex helper, which holds the lock while it runs.
//
// The protocol is CTDB's (ctdb_cluster_mutex.c): the helper writes one status
// character to stdout, '0' held, '1' contended, '2' timeout, '3' error, and on
// '0' keeps running until SIGTERM, when it lets go and exits. The helper is our
// direct child, so helpers that watch their parent (ctdb_mutex_fcntl_helper
// checks every 5 s) release the lock by themselves when the daemon dies. A held
// lock is lost when the helper exits by itself: it saw the lock file replaced,
// or it crashed, or someone killed it.

import { ChildProcess, spawn } from 'node:child_process';
import { backgroundClock, Clock } from '../clock';
import { BaseClusterLock } from './base-lock';
import { ClusterLockError, reasonOf } from './errors';
import { describeByte, helperStatus } from './helper-status';
import { AcquireResult } from './port';

export interface HelperLockOptions {
  /** How long the helper may take to write its status character. @default 10000 */
  readonly answerTimeoutMs?: number;
  /** After SIGTERM, how long the helper may take to exit before SIGKILL. @default 5000 */
  readonly exitTimeoutMs?: number;
  /** @default backgroundClock (real time; its timers keep no process alive) */
  readonly clock?: Clock;
}

export const HELPER_DEFAULTS = { answerTimeoutMs: 10_000, exitTimeoutMs: 5000 } as const;

/** The last bytes of the helper's stderr, kept for error messages. */
const STDERR_KEPT = 2048;
/** How long to wait for a finished helper's last stderr output before composing a message without it. */
const STDERR_GRACE_MS = 200;

/** What the helper did first. */
type HelperAnswer =
  | { readonly kind: 'status'; readonly byte: number }
  | { readonly kind: 'ended'; readonly code: number | null; readonly signal: string | null }
  | { readonly kind: 'start-failed'; readonly error: Error }
  | { readonly kind: 'silent' };

interface RunningHelper {
  readonly child: ChildProcess;
  /** Settles when the process has exited (or never started). */
  readonly exited: Promise<void>;
  /** Settles when the helper's stderr is closed (everything it wrote there has been read). */
  readonly stderrClosed: Promise<void>;
  stderr: string;
}

export class HelperLock extends BaseClusterLock {
  private readonly answerTimeoutMs: number;
  private readonly exitTimeoutMs: number;
  private readonly clock: Clock;
  private held: RunningHelper | undefined;

  constructor(readonly command: string, readonly args: readonly string[], options: HelperLockOptions = {}) {
    super(`!${[command, ...args].join(' ')}`);
    this.answerTimeoutMs = options.answerTimeoutMs ?? HELPER_DEFAULTS.answerTimeoutMs;
    this.exitTimeoutMs = options.exitTimeoutMs ?? HELPER_DEFAULTS.exitTimeoutMs;
    this.clock = options.clock ?? backgroundClock;
  }

  /** The helper's process id while the lock is held (for status output). */
  get helperPid(): number | undefined {
    return this.held?.child.pid;
  }

  protected async attempt(): Promise<AcquireResult> {
    const helper = this.start();
    const answer = await this.firstAnswer(helper);
    if (answer.kind !== 'status' || helperStatus(answer.byte) !== 'held') {
      // CTDB: after a non-0 status the helper may exit at once, and must exit on SIGTERM.
      // Its last words on stderr belong in the message, so wait for them (briefly).
      await this.stop(helper);
      await Promise.race([helper.stderrClosed, new Promise<void>((resolve) => this.clock.schedule(STDERR_GRACE_MS, resolve))]);
      return this.resultOf(answer, helper);
    }
    const { child } = helper;
    if (child.exitCode !== null || child.signalCode !== null) {
      // It said "held" and is already gone: whatever it held, it let go.
      return fail(new ClusterLockError('E_LOCK_HELPER_FAILED',
        `the mutex helper ${this.command} answered 0 (held) but exited at once${stderrNote(helper)}; `
        + 'a helper must keep running while it holds the lock'));
    }
    this.held = helper;
    child.once('exit', (code, signal) => {
      if (this.held !== helper) return;
      this.held = undefined;
      const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
      // Reported at once, with whatever stderr has arrived: the lock is already free for others.
      this.lose(new ClusterLockError('E_LOCK_LOST_HELPER_EXITED',
        `the mutex helper ${this.command} (pid ${child.pid}) ${how} while holding the lock${stderrNote(helper)}: `
        + 'this node no longer holds the cluster lock; see the helper\'s message (in its stderr) and its lock file'));
    });
    return { outcome: 'held' };
  }

  protected async letGo(): Promise<void> {
    const helper = this.held;
    this.held = undefined;
    if (helper) await this.stop(helper);
  }

  private start(): RunningHelper {
    const child = spawn(this.command, [...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => {
        if (child.pid === undefined) resolve(); // never started: there will be no exit
      });
    });
    const stderrClosed = new Promise<void>((resolve) => {
      if (child.stderr) child.stderr.once('close', () => resolve());
      else resolve();
    });
    const helper: RunningHelper = { child, exited, stderrClosed, stderr: '' };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      helper.stderr = (helper.stderr + text).slice(-STDERR_KEPT);
    });
    return helper;
  }

  /** Waits for the status character, the helper's end, or the answer timeout. */
  private firstAnswer(helper: RunningHelper): Promise<HelperAnswer> {
    const { child } = helper;
    return new Promise((resolve) => {
      let settled = false;
      const settle = (answer: HelperAnswer): void => {
        if (settled) return;
        settled = true;
        cancelTimer();
        child.stdout?.off('data', onData);
        child.off('error', onError);
        child.off('close', onClose);
        resolve(answer);
      };
      const onData = (chunk: Buffer): void => {
        if (chunk.length > 0) settle({ kind: 'status', byte: chunk[0] });
      };
      const onError = (error: Error): void => settle({ kind: 'start-failed', error });
      // 'close' comes after stdout is drained, so a status written just before exiting is still seen first.
      const onClose = (code: number | null, signal: string | null): void => settle({ kind: 'ended', code, signal });
      const cancelTimer = this.clock.schedule(this.answerTimeoutMs, () => settle({ kind: 'silent' }));
      child.stdout?.on('data', onData);
      child.once('error', onError);
      child.once('close', onClose);
    });
  }

  private resultOf(answer: HelperAnswer, helper: RunningHelper): AcquireResult {
    switch (answer.kind) {
      case 'start-failed':
        return fail(new ClusterLockError('E_LOCK_HELPER_START',
          `cannot run the mutex helper ${this.command}: ${reasonOf(answer.error)}; check cluster_lock: the helper must exist and be executable by root`, answer.error));
      case 'ended':
        return fail(new ClusterLockError('E_LOCK_HELPER_FAILED',
          `the mutex helper ${this.command} ${answer.signal ? `was killed by ${answer.signal}` : `exited with status ${answer.code}`} `
          + `without writing a status${stderrNote(helper)}; run it by hand to see why`));
      case 'silent':
        return fail(new ClusterLockError('E_LOCK_HELPER_TIMEOUT',
          `the mutex helper ${this.command} wrote no status within ${this.answerTimeoutMs} ms${stderrNote(helper)}; check the helper and what it locks`));
      case 'status':
        break;
    }
    switch (helperStatus(answer.byte)) {
      case 'held': return { outcome: 'held' };
      case 'contended': return { outcome: 'contended' };
      case 'timeout':
        return fail(new ClusterLockError('E_LOCK_HELPER_TIMEOUT',
          `the mutex helper ${this.command} answered 2 (it timed out taking the lock)${stderrNote(helper)}; check what it locks`));
      case 'failed':
        return fail(new ClusterLockError('E_LOCK_HELPER_FAILED',
          `the mutex helper ${this.command} answered 3 (error)${stderrNote(helper)}; run it by hand to see why`));
      case 'invalid':
        return fail(new ClusterLockError('E_LOCK_HELPER_PROTOCOL',
          `the mutex helper ${this.command} wrote ${describeByte(answer.byte)}, not one of the status characters 0, 1, 2, 3; `
          + 'it does not follow CTDB\'s mutex helper protocol'));
    }
  }

  /** SIGTERM, then SIGKILL if it lingers; resolves once the helper is gone. */
  private async stop(helper: RunningHelper): Promise<void> {
    const { child } = helper;
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    let cancelKill = (): void => undefined;
    const killed = new Promise<void>((resolve) => {
      cancelKill = this.clock.schedule(this.exitTimeoutMs, () => {
        child.kill('SIGKILL');
        resolve();
      });
    });
    await Promise.race([helper.exited, killed]);
    cancelKill();
    await helper.exited;
  }
}

function fail(error: ClusterLockError): AcquireResult {
  return { outcome: 'error', error };
}

function stderrNote(helper: RunningHelper): string {
  const text = helper.stderr.trim();
  return text === '' ? '' : ` (it said: ${text.split('\n').slice(-3).join(' | ')})`;
}

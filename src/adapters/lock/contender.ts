// Keeps trying to take the cluster lock without blocking: one try now, then one every `retryIntervalMs` until held.
//
// The daemon starts a contender on the node that should hold the lock (the
// quorum rule's candidate) and stops it when that changes. After a loss the
// contender tries again, but only after the retry interval: the node has
// fenced itself by then, so it never serves across the gap.

import { backgroundClock, Clock } from '../clock';
import { ClusterLockError } from './errors';
import { AcquireResult, ClusterLock } from './port';

export interface LockContenderOptions {
  /** Time between tries while the lock is not held. @default 1000 */
  readonly retryIntervalMs?: number;
  /** @default backgroundClock (real time; its timers keep no process alive) */
  readonly clock?: Clock;
}

/** What the contender reports: every try's result, and losses. */
export type ContenderEvent =
  | { readonly kind: 'tried'; readonly result: AcquireResult }
  | { readonly kind: 'lost'; readonly loss: ClusterLockError };

export class LockContender {
  private readonly retryIntervalMs: number;
  private readonly clock: Clock;
  private running = false;
  private cancelRetry: () => void = () => undefined;
  private unsubscribe: () => void = () => undefined;

  constructor(private readonly lock: ClusterLock, private readonly onEvent: (event: ContenderEvent) => void,
    options: LockContenderOptions = {}) {
    this.retryIntervalMs = options.retryIntervalMs ?? 1000;
    this.clock = options.clock ?? backgroundClock;
  }

  get contending(): boolean {
    return this.running;
  }

  /** Starts trying; a no-op when already running. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.lock.onLost((loss) => {
      this.onEvent({ kind: 'lost', loss });
      this.scheduleTry();
    });
    this.tryInBackground();
  }

  /** Stops trying and releases the lock if it is held. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.cancelRetry();
    this.unsubscribe();
    await this.lock.release();
  }

  private async tryOnce(): Promise<void> {
    const result = await this.lock.acquire();
    if (!this.running) {
      // Stopped while the try was under way: do not keep a lock nobody wants.
      if (result.outcome === 'held') await this.lock.release();
      return;
    }
    this.onEvent({ kind: 'tried', result });
    if (result.outcome !== 'held') this.scheduleTry();
  }

  private scheduleTry(): void {
    if (!this.running) return;
    this.cancelRetry();
    this.cancelRetry = this.clock.schedule(this.retryIntervalMs, () => this.tryInBackground());
  }

  /** acquire() never rejects by contract; a release that throws (or a broken backend) is a failed try, and the next one comes. */
  private tryInBackground(): void {
    this.tryOnce().catch((error: unknown) => {
      if (!this.running) return;
      this.onEvent({ kind: 'tried', result: { outcome: 'error', error: new ClusterLockError('E_LOCK_INTERNAL',
        `cluster lock ${this.lock.description}: a try failed unexpectedly (${String(error)}); please report this as a bug`, error) } });
      this.scheduleTry();
    });
  }
}

// The state machine every cluster-lock backend shares: legal transitions, shared tries, release, loss listeners.

import { ClusterLockError } from './errors';
import { AcquireResult, ClusterLock, LockLostListener, LockState } from './port';

/** Legal moves between states; anything else is a bug in a backend and throws. */
const TRANSITIONS: Readonly<Record<LockState, readonly LockState[]>> = {
  free: ['acquiring'],
  acquiring: ['held', 'free'],
  held: ['releasing', 'lost'],
  releasing: ['free'],
  lost: ['acquiring', 'releasing'],
};

/**
 * A backend supplies `attempt` (one non-blocking try that leaves nothing
 * behind unless it answers `held`) and `letGo` (drop a held or lost lock), and
 * calls `lose` when its own checks find a held lock gone.
 */
export abstract class BaseClusterLock implements ClusterLock {
  private current: LockState = 'free';
  private inFlight: Promise<AcquireResult> | undefined;
  private releasing: Promise<void> | undefined;
  private loss: ClusterLockError | undefined;
  private readonly lostListeners = new Set<LockLostListener>();

  protected constructor(readonly description: string) {}

  get state(): LockState {
    return this.current;
  }

  get holder(): boolean {
    return this.current === 'held';
  }

  get lastLoss(): ClusterLockError | undefined {
    return this.loss;
  }

  acquire(): Promise<AcquireResult> {
    if (this.current === 'held') return Promise.resolve({ outcome: 'held' });
    if (this.inFlight) return this.inFlight;
    const run = async (): Promise<AcquireResult> => {
      if (this.releasing) await this.releasing;
      this.move('acquiring');
      let result: AcquireResult;
      try {
        result = await this.attempt();
      } catch (error) {
        // attempt() reports failures as results; a throw is a backend bug, still never a rejection for callers.
        result = { outcome: 'error', error: error instanceof ClusterLockError ? error : new ClusterLockError('E_LOCK_INTERNAL', `cluster lock ${this.description}: the backend failed unexpectedly (${String(error)}); please report this as a bug`, error) };
      }
      this.move(result.outcome === 'held' ? 'held' : 'free');
      return result;
    };
    this.inFlight = run().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  async release(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    if (this.releasing) return this.releasing;
    if (this.current !== 'held' && this.current !== 'lost') return;
    this.move('releasing');
    this.releasing = this.letGo()
      .catch(() => undefined) // letting go is best effort: the backend's own expiry (fd close, lease TTL) frees it anyway
      .finally(() => {
        this.releasing = undefined;
        this.move('free');
      });
    return this.releasing;
  }

  async close(): Promise<void> {
    await this.release();
    this.dispose();
  }

  onLost(listener: LockLostListener): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** One non-blocking try. Must clean up after itself unless it answers `held`. */
  protected abstract attempt(): Promise<AcquireResult>;

  /** Drops whatever the backend holds for a held or lost lock. */
  protected abstract letGo(): Promise<void>;

  /** Frees what the backend keeps between tries (a connection); the default has nothing to free. */
  protected dispose(): void {}

  /**
   * Reports that a held lock is gone. Ignored unless the lock is held, so a
   * check that finishes after a release or a second check failing reports once.
   * Returns true when this call recorded the loss.
   */
  protected lose(loss: ClusterLockError): boolean {
    if (this.current !== 'held') return false;
    this.loss = loss;
    this.move('lost');
    for (const listener of [...this.lostListeners]) listener(loss);
    return true;
  }

  private move(next: LockState): void {
    const allowed = TRANSITIONS[this.current];
    if (!allowed.includes(next)) {
      throw new Error(`cluster lock ${this.description}: illegal move ${this.current} -> ${next} (allowed: ${allowed.join(', ')})`);
    }
    this.current = next;
  }
}

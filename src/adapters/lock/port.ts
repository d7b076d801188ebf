// The cluster-lock port: one lock that at most one node of the cluster holds, tried without waiting.

import { ClusterLockError } from './errors';

/**
 * Where this node stands with the lock:
 * - `free`: not held by this node (never taken, released, or the last try failed);
 * - `acquiring`: a try is under way;
 * - `held`: this node holds it, and the backend keeps checking that it still does;
 * - `releasing`: letting go;
 * - `lost`: it was held and the backend found it no longer is (file replaced,
 *   helper gone, lease expired). The node must act as a non-holder at once.
 */
export type LockState = 'free' | 'acquiring' | 'held' | 'releasing' | 'lost';

/** What one non-blocking try gave. `holder` names the current holder when the backend can tell (etcd). */
export type AcquireResult =
  | { readonly outcome: 'held' }
  | { readonly outcome: 'contended'; readonly holder?: string }
  | { readonly outcome: 'error'; readonly error: ClusterLockError };

/** Called once per loss, with a typed reason (`code` E_LOCK_LOST_*). Must not throw. */
export type LockLostListener = (loss: ClusterLockError) => void;

export interface ClusterLock {
  /** The lock as configured (`fcntl:/path`, `!/helper args`, `etcd:http://host:port/key`), for logs and status. */
  readonly description: string;
  readonly state: LockState;
  /** True while this node holds the lock (state `held`). */
  readonly holder: boolean;
  /** Why the lock was last lost, if it ever was. */
  readonly lastLoss: ClusterLockError | undefined;
  /**
   * One try without waiting for the holder to let go. Holding already answers
   * `held` at once; calls while a try is under way share its answer. Never
   * rejects: failures come back as `{ outcome: 'error' }`.
   */
  acquire(): Promise<AcquireResult>;
  /** Lets go of the lock (or forgets a lost one). Safe to call in any state. */
  release(): Promise<void>;
  /** Releases the lock and frees the backend's resources (its etcd connection); the lock is not used again. */
  close(): Promise<void>;
  /** Registers a listener for losses of a held lock; returns the function that removes it. */
  onLost(listener: LockLostListener): () => void;
}

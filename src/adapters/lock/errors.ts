// Typed errors of the cluster lock: failed tries and losses, each with a stable code and what to do.

export type ClusterLockErrorCode =
  /** The lock file cannot be opened or created. */
  | 'E_LOCK_FILE_OPEN'
  /** fcntl refused the lock for a reason other than contention. */
  | 'E_LOCK_FILE_FCNTL'
  /** The native addon that makes the fcntl calls is missing. */
  | 'E_LOCK_NATIVE'
  /** The mutex helper cannot be started. */
  | 'E_LOCK_HELPER_START'
  /** The helper answered 3 (error), or exited without answering. */
  | 'E_LOCK_HELPER_FAILED'
  /** The helper answered 2 (timeout), or did not answer in time. */
  | 'E_LOCK_HELPER_TIMEOUT'
  /** The helper wrote something other than 0, 1, 2 or 3. */
  | 'E_LOCK_HELPER_PROTOCOL'
  /** etcd did not answer, or refused a request. */
  | 'E_LOCK_ETCD'
  /** Losses of a held lock. */
  | 'E_LOCK_LOST_FILE_REMOVED'
  | 'E_LOCK_LOST_FILE_REPLACED'
  | 'E_LOCK_LOST_FILE_CHECK'
  | 'E_LOCK_LOST_HELPER_EXITED'
  | 'E_LOCK_LOST_LEASE_EXPIRED'
  | 'E_LOCK_LOST_LEASE_REVOKED'
  | 'E_LOCK_LOST_KEY_CHANGED'
  /** A backend broke its own contract (threw instead of answering): a bug to report. */
  | 'E_LOCK_INTERNAL'
  /** A loss made by a test through the in-memory lock. */
  | 'E_LOCK_LOST_INJECTED';

export class ClusterLockError extends Error {
  constructor(
    readonly code: ClusterLockErrorCode,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'ClusterLockError';
  }

  /** True for the codes that report the loss of a held lock. */
  get isLoss(): boolean {
    return this.code.startsWith('E_LOCK_LOST_');
  }
}

/** The message of an unknown thrown value, for wrapping. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// The `fcntl:/path` cluster lock: an OFD byte-range lock on a file of a cluster file system, re-checked as CTDB's helper does.
//
// Byte 0 is the lock itself and byte 1 the I/O probe, the same bytes
// ctdb_mutex_fcntl_helper uses, so floatip and a CTDB helper pointed at the same
// file exclude each other. While held, every `recheckIntervalMs` the path must
// still name the file we locked (same device and inode: someone removing or
// replacing it hands the lock to whoever locks the new file) and the probe must
// get an answer from the file system; otherwise the lock is lost.

import { backgroundClock, Clock } from '../clock';
import { NativeAddonError } from '../packet/native';
import { BaseClusterLock } from './base-lock';
import { ClusterLockError, reasonOf } from './errors';
import { FileIdentity, LockFiles, OpenLockFile, SystemLockFiles } from './lock-files';
import { AcquireResult } from './port';

export interface FcntlLockOptions {
  /** How often a held lock checks that its file is still in place. @default 1000 */
  readonly recheckIntervalMs?: number;
  /** A check taking longer than this (a hung cluster file system) counts as losing the lock. @default 5000 */
  readonly checkTimeoutMs?: number;
  /** @default the real file system and native addon */
  readonly files?: LockFiles;
  /** @default backgroundClock (real time; its timers keep no process alive) */
  readonly clock?: Clock;
}

export const FCNTL_DEFAULTS = { recheckIntervalMs: 1000, checkTimeoutMs: 5000 } as const;

const LOCK_BYTE = 0;
const PROBE_BYTE = 1;

interface HeldFile {
  readonly file: OpenLockFile;
  readonly identity: FileIdentity;
  cancelCheck: () => void;
}

export class FcntlLock extends BaseClusterLock {
  private readonly recheckIntervalMs: number;
  private readonly checkTimeoutMs: number;
  private readonly files: LockFiles;
  private readonly clock: Clock;
  private held: HeldFile | undefined;

  constructor(readonly path: string, options: FcntlLockOptions = {}) {
    super(`fcntl:${path}`);
    this.recheckIntervalMs = options.recheckIntervalMs ?? FCNTL_DEFAULTS.recheckIntervalMs;
    this.checkTimeoutMs = options.checkTimeoutMs ?? FCNTL_DEFAULTS.checkTimeoutMs;
    this.files = options.files ?? new SystemLockFiles();
    this.clock = options.clock ?? backgroundClock;
  }

  protected async attempt(): Promise<AcquireResult> {
    let file: OpenLockFile;
    try {
      file = await this.files.open(this.path);
    } catch (error) {
      return failed(new ClusterLockError('E_LOCK_FILE_OPEN',
        `cannot open or create the lock file ${this.path}: ${reasonOf(error)}; check that the cluster file system is mounted and root may write to its directory`, error));
    }
    try {
      if (!(await this.files.tryLock(file, LOCK_BYTE, 1))) {
        await this.closeQuietly(file);
        return { outcome: 'contended' };
      }
      const identity = await this.files.identityOf(file);
      if ((await this.files.identityAt(this.path)) !== identity) {
        await this.closeQuietly(file);
        return failed(new ClusterLockError('E_LOCK_FILE_OPEN',
          `the lock file ${this.path} was removed or replaced while it was being locked; the next try locks the file now there`));
      }
      this.held = { file, identity, cancelCheck: () => undefined };
      this.scheduleCheck(this.held);
      return { outcome: 'held' };
    } catch (error) {
      await this.closeQuietly(file);
      return failed(lockCallError(this.path, error));
    }
  }

  protected async letGo(): Promise<void> {
    const held = this.held;
    this.held = undefined;
    if (!held) return;
    held.cancelCheck();
    await this.files.close(held.file);
  }

  private scheduleCheck(held: HeldFile): void {
    // check() turns every failure of the file into a loss (inspect catches); only a loss listener's throw gets past it.
    held.cancelCheck = this.clock.schedule(this.recheckIntervalMs, () => {
      this.check(held).catch((error: unknown) => process.stderr.write(
        `floatip lock E_LOCK_INTERNAL: cluster lock ${this.path}: after a check: ${String(error)}; please report this as a bug\n`));
    });
  }

  private async check(held: HeldFile): Promise<void> {
    const loss = await this.withTimeout(this.inspect(held));
    if (this.held !== held) return; // released while the check ran
    if (!loss) {
      this.scheduleCheck(held);
      return;
    }
    this.held = undefined;
    this.lose(loss);
    await this.closeQuietly(held.file);
  }

  /** A loss, or undefined when the lock is still ours. */
  private async inspect(held: HeldFile): Promise<ClusterLockError | undefined> {
    try {
      const now = await this.files.identityAt(this.path);
      if (now === undefined) {
        return new ClusterLockError('E_LOCK_LOST_FILE_REMOVED',
          `the lock file ${this.path} was removed: this node no longer holds the cluster lock; find out who removes it (floatip recreates it on its next try)`);
      }
      if (now !== held.identity) {
        return new ClusterLockError('E_LOCK_LOST_FILE_REPLACED',
          `the lock file ${this.path} was replaced by another file: this node no longer holds the cluster lock (another node may lock the new file); never replace a lock file that is in use`);
      }
      // Someone else's probe holding byte 1 is an answer too: the file system is alive.
      if (await this.files.tryLock(held.file, PROBE_BYTE, 1)) await this.files.unlock(held.file, PROBE_BYTE, 1);
      return undefined;
    } catch (error) {
      return new ClusterLockError('E_LOCK_LOST_FILE_CHECK',
        `cannot check the lock file ${this.path}: ${reasonOf(error)}; the cluster file system may be failing: check its mount`, error);
    }
  }

  private withTimeout(check: Promise<ClusterLockError | undefined>): Promise<ClusterLockError | undefined> {
    return new Promise((resolve) => {
      const cancel = this.clock.schedule(this.checkTimeoutMs, () => resolve(new ClusterLockError('E_LOCK_LOST_FILE_CHECK',
        `checking the lock file ${this.path} took over ${this.checkTimeoutMs} ms: the cluster file system is hung or very slow; the lock counts as lost`)));
      check.then((loss) => {
        cancel();
        resolve(loss);
      }, (error: unknown) => {
        cancel();
        resolve(new ClusterLockError('E_LOCK_LOST_FILE_CHECK', `cannot check the lock file ${this.path}: ${String(error)}; the lock counts as lost`, error));
      });
    });
  }

  private async closeQuietly(file: OpenLockFile): Promise<void> {
    try {
      await this.files.close(file);
    } catch {
      // Nothing to do: a descriptor that will not close holds nothing we could free another way.
    }
  }
}

function failed(error: ClusterLockError): AcquireResult {
  return { outcome: 'error', error };
}

function lockCallError(path: string, error: unknown): ClusterLockError {
  if (error instanceof NativeAddonError) return new ClusterLockError('E_LOCK_NATIVE', error.message, error);
  const hint = (error as NodeJS.ErrnoException).code === 'EINVAL'
    ? 'the file system does not support open file description locks (F_OFD_SETLK, Linux 3.15+): put the lock on one that does'
    : 'check the cluster file system and its lock manager';
  return new ClusterLockError('E_LOCK_FILE_FCNTL', `cannot lock ${path}: ${reasonOf(error)}; ${hint}`, error);
}

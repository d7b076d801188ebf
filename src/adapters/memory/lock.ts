// In-memory cluster lock: a pretend lock service that several nodes' locks share, with controls for tests.
//
// Each MemoryClusterLock runs on the same state machine as the real backends
// (BaseClusterLock), so held/contended/lost behave as they do for real.

import { BaseClusterLock } from '../lock/base-lock';
import { ClusterLockError, ClusterLockErrorCode } from '../lock/errors';
import { AcquireResult } from '../lock/port';

export class MemoryLockService {
  private owner: MemoryClusterLock | undefined;
  private failure: ClusterLockError | undefined;
  /** Every try, release and loss, in order, as "name: what", for assertions. */
  readonly log: string[] = [];

  /** A lock of this service for one node; `name` is what contenders see as the holder. */
  lock(name: string): MemoryClusterLock {
    return new MemoryClusterLock(this, name);
  }

  /** The name of the lock that holds it now, if any. */
  get holder(): string | undefined {
    return this.owner?.name;
  }

  /** The holder loses the lock, as when its file is replaced or its lease expires. */
  breakLock(code: ClusterLockErrorCode = 'E_LOCK_LOST_INJECTED', message = 'the test broke the cluster lock'): void {
    const owner = this.owner;
    if (!owner) throw new Error('breakLock: nobody holds the lock');
    this.owner = undefined;
    owner.loseNow(new ClusterLockError(code, message));
  }

  /** Every try fails with this error until `healTries` (a lock service that cannot be reached). */
  failTries(error = new ClusterLockError('E_LOCK_ETCD', 'the in-memory lock service is made unreachable by the test')): void {
    this.failure = error;
  }

  healTries(): void {
    this.failure = undefined;
  }

  /** @internal used by MemoryClusterLock */
  tryTake(lock: MemoryClusterLock): AcquireResult {
    if (this.failure) {
      this.log.push(`${lock.name}: error`);
      return { outcome: 'error', error: this.failure };
    }
    if (this.owner && this.owner !== lock) {
      this.log.push(`${lock.name}: contended`);
      return { outcome: 'contended', holder: this.owner.name };
    }
    this.owner = lock;
    this.log.push(`${lock.name}: held`);
    return { outcome: 'held' };
  }

  /** @internal used by MemoryClusterLock */
  giveBack(lock: MemoryClusterLock): void {
    this.log.push(`${lock.name}: released`);
    if (this.owner === lock) this.owner = undefined;
  }
}

export class MemoryClusterLock extends BaseClusterLock {
  constructor(private readonly service: MemoryLockService, readonly name: string) {
    super(`memory:${name}`);
  }

  protected async attempt(): Promise<AcquireResult> {
    return this.service.tryTake(this);
  }

  protected async letGo(): Promise<void> {
    this.service.giveBack(this);
  }

  /** @internal used by MemoryLockService.breakLock */
  loseNow(loss: ClusterLockError): void {
    this.service.log.push(`${this.name}: lost ${loss.code}`);
    this.lose(loss);
  }
}

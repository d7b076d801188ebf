// The shared lock state machine: shared tries, never-rejecting acquire, release in any state, loss once.

import { BaseClusterLock } from '../../../../src/adapters/lock/base-lock';
import { ClusterLockError } from '../../../../src/adapters/lock/errors';
import { AcquireResult } from '../../../../src/adapters/lock/port';

/** A backend whose tries the test answers by hand. */
class ScriptedLock extends BaseClusterLock {
  attempts = 0;
  letGoes = 0;
  disposed = 0;
  answer: (() => Promise<AcquireResult>) = async () => ({ outcome: 'held' });

  constructor() {
    super('scripted:lock');
  }

  protected attempt(): Promise<AcquireResult> {
    this.attempts++;
    return this.answer();
  }

  protected async letGo(): Promise<void> {
    this.letGoes++;
  }

  protected override dispose(): void {
    this.disposed++;
  }

  breakIt(): boolean {
    return this.lose(new ClusterLockError('E_LOCK_LOST_INJECTED', 'broken by the test'));
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => { resolve = r; });
  return { promise, resolve };
}

describe('BaseClusterLock', () => {
  it('shares one try among callers that ask while it runs', async () => {
    const lock = new ScriptedLock();
    const gate = deferred<AcquireResult>();
    lock.answer = () => gate.promise;
    const a = lock.acquire();
    const b = lock.acquire();
    expect(lock.state).toBe('acquiring');
    gate.resolve({ outcome: 'held' });
    expect(await a).toEqual({ outcome: 'held' });
    expect(await b).toEqual({ outcome: 'held' });
    expect(lock.attempts).toBe(1);
  });

  it('goes back to free after a contended or failed try, and tries again next time', async () => {
    const lock = new ScriptedLock();
    lock.answer = async () => ({ outcome: 'contended', holder: 'node1' });
    expect(await lock.acquire()).toEqual({ outcome: 'contended', holder: 'node1' });
    expect(lock.state).toBe('free');
    lock.answer = async () => ({ outcome: 'held' });
    expect(await lock.acquire()).toEqual({ outcome: 'held' });
    expect(lock.attempts).toBe(2);
  });

  it('turns a backend that throws into an E_LOCK_INTERNAL result instead of a rejection', async () => {
    const lock = new ScriptedLock();
    lock.answer = async () => { throw new Error('boom'); };
    const result = await lock.acquire();
    expect(result.outcome).toBe('error');
    expect(result.outcome === 'error' && result.error.code).toBe('E_LOCK_INTERNAL');
    expect(result.outcome === 'error' && result.error.message).toMatch(/scripted:lock.*boom.*report this as a bug/);
    expect(lock.state).toBe('free');
  });

  it('waits for a running try before releasing, so a lock taken meanwhile is let go', async () => {
    const lock = new ScriptedLock();
    const gate = deferred<AcquireResult>();
    lock.answer = () => gate.promise;
    const acquiring = lock.acquire();
    const releasing = lock.release();
    gate.resolve({ outcome: 'held' });
    await acquiring;
    await releasing;
    expect(lock.state).toBe('free');
    expect(lock.letGoes).toBe(1);
  });

  it('releases nothing when nothing is held, and only once when asked twice', async () => {
    const lock = new ScriptedLock();
    await lock.release();
    expect(lock.letGoes).toBe(0);
    await lock.acquire();
    await Promise.all([lock.release(), lock.release()]);
    expect(lock.letGoes).toBe(1);
  });

  it('reports a loss only while held, once, and forgets a lost lock on release', async () => {
    const lock = new ScriptedLock();
    const losses: string[] = [];
    const unsubscribe = lock.onLost((loss) => losses.push(loss.code));
    expect(lock.breakIt()).toBe(false); // not held: nothing to lose
    await lock.acquire();
    expect(lock.breakIt()).toBe(true);
    expect(lock.breakIt()).toBe(false);
    expect(losses).toEqual(['E_LOCK_LOST_INJECTED']);
    expect(lock.state).toBe('lost');
    expect(lock.lastLoss?.isLoss).toBe(true);
    await lock.release();
    expect(lock.state).toBe('free');
    expect(lock.letGoes).toBe(1);
    unsubscribe();
    await lock.acquire();
    lock.breakIt();
    expect(losses).toHaveLength(1);
  });

  it('can be taken again straight from lost', async () => {
    const lock = new ScriptedLock();
    await lock.acquire();
    lock.breakIt();
    expect(await lock.acquire()).toEqual({ outcome: 'held' });
    expect(lock.lastLoss?.code).toBe('E_LOCK_LOST_INJECTED');
  });

  it('close releases and frees the backend', async () => {
    const lock = new ScriptedLock();
    await lock.acquire();
    await lock.close();
    expect(lock.state).toBe('free');
    expect([lock.letGoes, lock.disposed]).toEqual([1, 1]);
  });

  it('marks loss codes apart from try failures', () => {
    expect(new ClusterLockError('E_LOCK_LOST_FILE_REMOVED', 'x').isLoss).toBe(true);
    expect(new ClusterLockError('E_LOCK_FILE_OPEN', 'x').isLoss).toBe(false);
  });
});

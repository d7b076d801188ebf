// The fcntl lock's logic over a pretend file system and clock: tries, re-checks, losses, hung checks, release.

import { FcntlLock } from '../../../../src/adapters/lock/fcntl-lock';
import { ClusterLockError } from '../../../../src/adapters/lock/errors';
import { NativeAddonError } from '../../../../src/adapters/packet/native';
import { ManualClock } from '../../../../src/adapters/memory/clock';
import { describeLockContract } from './contract';
import { FakeLockFiles } from './fake-lock-files';
import { OpenLockFile } from '../../../../src/adapters/lock/lock-files';

const PATH = '/clusterfs/.floatip/lock';

function setup() {
  const files = new FakeLockFiles();
  const clock = new ManualClock();
  const options = { files, clock, recheckIntervalMs: 1000, checkTimeoutMs: 3000 };
  const lock = new FcntlLock(PATH, options);
  const losses: ClusterLockError[] = [];
  lock.onLost((loss) => losses.push(loss));
  return { files, clock, lock, losses, options };
}

describeLockContract('fcntl over a pretend file system', async () => {
  const files = new FakeLockFiles();
  const clock = new ManualClock();
  return {
    first: new FcntlLock(PATH, { files, clock }),
    second: new FcntlLock(PATH, { files, clock }),
    breakHold: async () => files.replace(PATH),
    lossCode: 'E_LOCK_LOST_FILE_REPLACED',
    lossWithinMs: 1000,
    pass: (ms) => clock.advance(ms),
    cleanup: async () => undefined,
  };
});

describe('FcntlLock', () => {
  it('creates the file, holds byte 0 and keeps one descriptor open while held', async () => {
    const { files, lock } = setup();
    expect(await lock.acquire()).toEqual({ outcome: 'held' });
    expect(files.openCount).toBe(1);
    await lock.release();
    expect(files.openCount).toBe(0);
  });

  it('answers contended and closes its descriptor when another node holds the lock', async () => {
    const { files, lock } = setup();
    await files.open(PATH);
    files.lockElsewhere(PATH);
    const before = files.openCount;
    expect(await lock.acquire()).toEqual({ outcome: 'contended' });
    expect(files.openCount).toBe(before);
  });

  it('is not disturbed by another node probing byte 1', async () => {
    const { files, clock, lock, losses } = setup();
    await lock.acquire();
    files.lockElsewhere(PATH, 1);
    await clock.advance(10_000);
    expect(losses).toEqual([]);
    expect(lock.holder).toBe(true);
  });

  it('stays held across many re-checks while the file is untouched', async () => {
    const { clock, lock, losses } = setup();
    await lock.acquire();
    await clock.advance(60_000);
    expect(losses).toEqual([]);
    expect(lock.holder).toBe(true);
  });

  it('loses the lock within one re-check interval when the file is removed', async () => {
    const { files, clock, lock, losses } = setup();
    await lock.acquire();
    await clock.advance(300);
    files.remove(PATH);
    await clock.advance(699);
    expect(losses).toEqual([]);
    await clock.advance(1);
    expect(losses.map((l) => l.code)).toEqual(['E_LOCK_LOST_FILE_REMOVED']);
    expect(losses[0].message).toContain(PATH);
    expect(lock.state).toBe('lost');
    expect(files.openCount).toBe(0);
  });

  it('loses the lock when the file is replaced, and the next try locks the new file', async () => {
    const { files, clock, lock, losses } = setup();
    await lock.acquire();
    files.replace(PATH);
    await clock.advance(1000);
    expect(losses.map((l) => l.code)).toEqual(['E_LOCK_LOST_FILE_REPLACED']);
    expect(await lock.acquire()).toEqual({ outcome: 'held' });
    await clock.advance(5000);
    expect(losses).toHaveLength(1);
  });

  it('loses the lock when the file system answers the check with an error', async () => {
    const { files, clock, lock, losses } = setup();
    await lock.acquire();
    files.failNext.set('tryLock', Object.assign(new Error('fcntl: Input/output error'), { code: 'EIO' }));
    await clock.advance(1000);
    expect(losses.map((l) => l.code)).toEqual(['E_LOCK_LOST_FILE_CHECK']);
    expect(losses[0].message).toMatch(/Input\/output error.*check its mount/);
  });

  it('loses the lock when a check hangs past the check timeout', async () => {
    const { files, clock, lock, losses } = setup();
    await lock.acquire();
    files.hang = true;
    await clock.advance(1000 + 2999);
    expect(losses).toEqual([]);
    await clock.advance(1);
    expect(losses.map((l) => l.code)).toEqual(['E_LOCK_LOST_FILE_CHECK']);
    expect(losses[0].message).toMatch(/took over 3000 ms/);
  });

  it('checks no more after release', async () => {
    const { files, clock, lock, losses } = setup();
    await lock.acquire();
    await lock.release();
    files.remove(PATH);
    await clock.advance(10_000);
    expect(losses).toEqual([]);
    expect(clock.waiting).toBe(0);
  });

  it('explains an open failure', async () => {
    const { files, lock } = setup();
    files.failNext.set('open', new Error('EACCES: permission denied'));
    const result = await lock.acquire();
    expect(result.outcome === 'error' && result.error.code).toBe('E_LOCK_FILE_OPEN');
    expect(result.outcome === 'error' && result.error.message).toMatch(/\/clusterfs\/.floatip\/lock: EACCES.*mounted/);
  });

  it('names OFD support when fcntl answers EINVAL, and closes the descriptor', async () => {
    const { files, lock } = setup();
    files.failNext.set('tryLock', Object.assign(new Error('fcntl(F_OFD_SETLK)(x): Invalid argument'), { code: 'EINVAL' }));
    const result = await lock.acquire();
    expect(result.outcome === 'error' && result.error.code).toBe('E_LOCK_FILE_FCNTL');
    expect(result.outcome === 'error' && result.error.message).toMatch(/open file description locks/);
    expect(files.openCount).toBe(0);
  });

  it('reports a missing native addon as E_LOCK_NATIVE', async () => {
    const { files, lock } = setup();
    files.failNext.set('tryLock', new NativeAddonError('cannot load the native addon: build it with npm ci'));
    const result = await lock.acquire();
    expect(result.outcome === 'error' && result.error.code).toBe('E_LOCK_NATIVE');
  });

  it('refuses a lock on a file that was swapped between open and lock', async () => {
    const { files, lock } = setup();
    const realTryLock = files.tryLock.bind(files);
    files.tryLock = async (file: OpenLockFile, start: number) => {
      const taken = await realTryLock(file, start);
      files.replace(PATH);
      return taken;
    };
    const result = await lock.acquire();
    expect(result.outcome === 'error' && result.error.code).toBe('E_LOCK_FILE_OPEN');
    expect(result.outcome === 'error' && result.error.message).toMatch(/removed or replaced while it was being locked/);
    expect(files.openCount).toBe(0);
  });
});

// The fcntl lock on a real file system: OFD exclusion in one process and across processes, CTDB's helper, losses.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FcntlLock } from '../../../src/adapters/lock/fcntl-lock';
import { ClusterLockError } from '../../../src/adapters/lock/errors';
import { HelperLock } from '../../../src/adapters/lock/helper-lock';
import { describeLockContract } from '../../unit/adapters/lock/contract';
import { CTDB_FCNTL_HELPER, LockHolderProcess, makeTempDir, sleep, waitFor } from './helpers';

jest.setTimeout(60_000);

const RECHECK_MS = 300;
let dir: string;
let lockPath: string;
const cleanups: (() => Promise<void>)[] = [];

beforeEach(() => {
  dir = makeTempDir();
  lockPath = path.join(dir, 'lock');
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

function lock(): FcntlLock {
  const made = new FcntlLock(lockPath, { recheckIntervalMs: RECHECK_MS });
  cleanups.push(() => made.close());
  return made;
}

function holder(text: string): LockHolderProcess {
  const child = new LockHolderProcess(text);
  cleanups.push(() => child.stop('SIGKILL'));
  return child;
}

describeLockContract('fcntl on a real file (two locks in one process: OFD locks exclude each other)', async () => {
  const own = makeTempDir();
  const file = path.join(own, 'lock');
  return {
    first: new FcntlLock(file, { recheckIntervalMs: RECHECK_MS }),
    second: new FcntlLock(file, { recheckIntervalMs: RECHECK_MS }),
    breakHold: async () => {
      fs.writeFileSync(`${file}.new`, '');
      fs.renameSync(`${file}.new`, file);
    },
    lossCode: 'E_LOCK_LOST_FILE_REPLACED',
    lossWithinMs: RECHECK_MS + 1000,
    pass: sleep,
    cleanup: async () => fs.rmSync(own, { recursive: true, force: true }),
  };
});

describe('FcntlLock on a real file', () => {
  it('creates a missing lock file with mode 0600', async () => {
    expect(await lock().acquire()).toEqual({ outcome: 'held' });
    expect(fs.statSync(lockPath).mode & 0o777).toBe(0o600);
  });

  it('is contended while another process holds it, and free once that process is killed', async () => {
    const other = holder(`fcntl:${lockPath}`);
    expect(await other.firstResult()).toEqual({ outcome: 'held' });
    const mine = lock();
    expect(await mine.acquire()).toEqual({ outcome: 'contended' });
    await other.stop('SIGKILL'); // no release: the kernel drops the lock with the process
    expect(await mine.acquire()).toEqual({ outcome: 'held' });
  });

  it('keeps another process out while held, and lets it in after release', async () => {
    const mine = lock();
    await mine.acquire();
    const first = holder(`fcntl:${lockPath}`);
    expect(await first.firstResult()).toEqual({ outcome: 'contended' });
    await mine.release();
    const second = holder(`fcntl:${lockPath}`);
    expect(await second.firstResult()).toEqual({ outcome: 'held' });
  });

  it('excludes and is excluded by CTDB\'s ctdb_mutex_fcntl_helper on the same file', async () => {
    const ctdb = new HelperLock(CTDB_FCNTL_HELPER, [lockPath]);
    cleanups.push(() => ctdb.close());
    expect(await ctdb.acquire()).toEqual({ outcome: 'held' });
    const mine = lock();
    expect(await mine.acquire()).toEqual({ outcome: 'contended' });
    await ctdb.release();
    expect(await mine.acquire()).toEqual({ outcome: 'held' });
    expect(await ctdb.acquire()).toEqual({ outcome: 'contended' });
  });

  it('loses the lock within the re-check interval when the file is deleted, and another node can take the new file', async () => {
    const mine = lock();
    await mine.acquire();
    const losses: ClusterLockError[] = [];
    mine.onLost((loss) => losses.push(loss));
    fs.unlinkSync(lockPath);
    const took = await waitFor('the loss', RECHECK_MS + 1000, () => losses.length > 0);
    expect(losses.map((l) => l.code)).toEqual(['E_LOCK_LOST_FILE_REMOVED']);
    expect(took).toBeLessThanOrEqual(RECHECK_MS + 200);
    const other = holder(`fcntl:${lockPath}`);
    expect(await other.firstResult()).toEqual({ outcome: 'held' });
  });

  it('reports the loss in another process too (the holder child notices its file was replaced)', async () => {
    const other = holder(`fcntl:${lockPath}`);
    expect(await other.firstResult()).toEqual({ outcome: 'held' });
    fs.writeFileSync(`${lockPath}.new`, '');
    fs.renameSync(`${lockPath}.new`, lockPath);
    await waitFor('the child to report the loss', 3000, () => other.messages.length > 1);
    expect(other.messages[1]).toEqual({ lost: 'E_LOCK_LOST_FILE_REPLACED' });
    expect(await lock().acquire()).toEqual({ outcome: 'held' });
  });

  it('does not leak its descriptor into child processes (a leftover child must not keep the lock)', async () => {
    const mine = lock();
    await mine.acquire();
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    cleanups.push(async () => { child.kill('SIGKILL'); });
    await mine.release();
    expect(await lock().acquire()).toEqual({ outcome: 'held' });
  });

  it('explains a lock file it cannot create', async () => {
    const result = await new FcntlLock(path.join(dir, 'missing-dir', 'lock')).acquire();
    expect(result.outcome === 'error' && result.error.code).toBe('E_LOCK_FILE_OPEN');
    expect(result.outcome === 'error' && result.error.message).toMatch(/ENOENT.*mounted/);
  });
});

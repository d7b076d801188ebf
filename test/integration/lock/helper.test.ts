// The mutex-helper lock with CTDB's own ctdb_mutex_fcntl_helper, and the protocol's edge cases with small scripts.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClusterLockError } from '../../../src/adapters/lock/errors';
import { HelperLock, HelperLockOptions } from '../../../src/adapters/lock/helper-lock';
import { describeLockContract } from '../../unit/adapters/lock/contract';
import { CTDB_FCNTL_HELPER, LockHolderProcess, makeTempDir, sleep, waitFor } from './helpers';

jest.setTimeout(60_000);

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

/** CTDB's helper on the test's file, re-checking the file every second. */
function ctdbLock(options: HelperLockOptions = {}): HelperLock {
  const made = new HelperLock(CTDB_FCNTL_HELPER, [lockPath, '1'], options);
  cleanups.push(() => made.close());
  return made;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A helper script in the test's directory. */
function script(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describeLockContract('CTDB ctdb_mutex_fcntl_helper', async () => {
  const own = makeTempDir();
  const file = path.join(own, 'lock');
  const first = new HelperLock(CTDB_FCNTL_HELPER, [file, '1']);
  return {
    first,
    second: new HelperLock(CTDB_FCNTL_HELPER, [file, '1']),
    breakHold: async () => {
      process.kill(first.helperPid as number, 'SIGKILL');
    },
    lossCode: 'E_LOCK_LOST_HELPER_EXITED',
    lossWithinMs: 2000,
    pass: sleep,
    cleanup: async () => fs.rmSync(own, { recursive: true, force: true }),
  };
});

describe('HelperLock with ctdb_mutex_fcntl_helper', () => {
  it('keeps the helper running while held and stops it on release', async () => {
    const lock = ctdbLock();
    expect(await lock.acquire()).toEqual({ outcome: 'held' });
    const pid = lock.helperPid as number;
    expect(processAlive(pid)).toBe(true);
    await lock.release();
    expect(lock.helperPid).toBeUndefined();
    expect(processAlive(pid)).toBe(false);
  });

  it('loses the lock when the helper sees its lock file removed (helper re-check: 1 s)', async () => {
    const lock = ctdbLock();
    await lock.acquire();
    const losses: ClusterLockError[] = [];
    lock.onLost((loss) => losses.push(loss));
    fs.unlinkSync(lockPath);
    const took = await waitFor('the helper to give up', 4000, () => losses.length > 0);
    expect(losses[0].code).toBe('E_LOCK_LOST_HELPER_EXITED');
    // The helper exits cleanly after noticing; its own words ("lock lost ...") usually come along in the message too.
    expect(losses[0].message).toMatch(/ctdb_mutex_fcntl_helper \(pid \d+\) exited with status 0 while holding the lock/);
    expect(took).toBeLessThan(2500);
  });

  it('lets go by itself when its parent dies, so a crashed daemon never keeps the lock (CTDB helper: parent check every 5 s)', async () => {
    const other = new LockHolderProcess(`!${CTDB_FCNTL_HELPER} ${lockPath}`);
    cleanups.push(() => other.stop('SIGKILL'));
    expect(await other.firstResult()).toEqual({ outcome: 'held' });
    const mine = ctdbLock();
    expect(await mine.acquire()).toEqual({ outcome: 'contended' });
    await other.stop('SIGKILL');
    let outcome = '';
    const took = await waitFor('the orphaned helper to let go', 12_000, async () => {
      outcome = (await mine.acquire()).outcome;
      return outcome === 'held';
    });
    expect(took).toBeLessThan(7000);
  });
});

describe('HelperLock protocol edge cases', () => {
  async function tryScript(body: string, options: HelperLockOptions = {}) {
    const lock = new HelperLock(script('helper', body), ['arg1'], options);
    cleanups.push(() => lock.close());
    return { lock, result: await lock.acquire() };
  }

  it('passes its arguments to the helper', async () => {
    const { result } = await tryScript(`[ "$1" = arg1 ] && printf 0 || printf 3\nexec sleep 30`);
    expect(result).toEqual({ outcome: 'held' });
  });

  it("answers contended on '1' and does not leave the helper running", async () => {
    const pidFile = path.join(dir, 'pid');
    const { lock, result } = await tryScript(`echo $$ > ${pidFile}; printf 1; exec sleep 30`);
    expect(result).toEqual({ outcome: 'contended' });
    expect(lock.state).toBe('free');
    expect(processAlive(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it("reports '3' with what the helper wrote to stderr", async () => {
    const { result } = await tryScript(`echo "cannot reach the lock service" >&2; printf 3`);
    expect(result.outcome === 'error' && result.error.code).toBe('E_LOCK_HELPER_FAILED');
    expect(result.outcome === 'error' && result.error.message).toMatch(/answered 3.*cannot reach the lock service/);
  });

  it("reports '2' as a timeout", async () => {
    const { result } = await tryScript('printf 2');
    expect(result.outcome === 'error' && result.error.code).toBe('E_LOCK_HELPER_TIMEOUT');
  });

  it('reports a helper that exits without a status', async () => {
    const { result } = await tryScript('echo "usage: helper FILE" >&2; exit 1');
    expect(result.outcome === 'error' && result.error.code).toBe('E_LOCK_HELPER_FAILED');
    expect(result.outcome === 'error' && result.error.message).toMatch(/exited with status 1 without writing a status.*usage: helper FILE/);
  });

  it('reports a status character outside the protocol', async () => {
    const { result } = await tryScript('printf "x"; exec sleep 30');
    expect(result.outcome === 'error' && result.error.code).toBe('E_LOCK_HELPER_PROTOCOL');
    expect(result.outcome === 'error' && result.error.message).toMatch(/wrote 'x'/);
  });

  it("refuses a helper that answers '0' and exits at once", async () => {
    const { lock, result } = await tryScript('printf 0');
    // Either seen as exited right after '0', or as lost right after being held: never held for long.
    if (result.outcome === 'held') {
      await waitFor('the loss', 2000, () => lock.state === 'lost');
    } else {
      expect(result.outcome === 'error' && result.error.code).toBe('E_LOCK_HELPER_FAILED');
    }
  });

  it('gives up on a silent helper after the answer timeout and kills it', async () => {
    const pidFile = path.join(dir, 'pid');
    const { result } = await tryScript(`echo $$ > ${pidFile}; exec sleep 30`, { answerTimeoutMs: 300 });
    expect(result.outcome === 'error' && result.error.code).toBe('E_LOCK_HELPER_TIMEOUT');
    expect(processAlive(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('kills a helper that ignores SIGTERM after the exit timeout', async () => {
    const pidFile = path.join(dir, 'pid');
    const { lock, result } = await tryScript(`trap "" TERM; echo $$ > ${pidFile}; printf 0; while :; do sleep 0.1; done`, { exitTimeoutMs: 300 });
    expect(result).toEqual({ outcome: 'held' });
    const started = performance.now();
    await lock.release();
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(processAlive(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('explains a helper that does not exist', async () => {
    const lock = new HelperLock(path.join(dir, 'no-such-helper'), []);
    const result = await lock.acquire();
    expect(result.outcome === 'error' && result.error.code).toBe('E_LOCK_HELPER_START');
    expect(result.outcome === 'error' && result.error.message).toMatch(/no-such-helper.*ENOENT.*executable/);
  });
});

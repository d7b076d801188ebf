// The etcd lease lock against a real etcd (Debian's etcd-server) on loopback: contract, holder names, every way to lose.

import { Etcd3 } from 'etcd3';
import { Etcd3LeaseClient } from '../../../src/adapters/lock/etcd-client';
import { EtcdLock } from '../../../src/adapters/lock/etcd-lock';
import { ClusterLockError } from '../../../src/adapters/lock/errors';
import { describeLockContract } from '../../unit/adapters/lock/contract';
import { EtcdServer, LockHolderProcess, sleep, waitFor } from './helpers';

jest.setTimeout(90_000);

const TTL_SECONDS = 2;
let etcd: EtcdServer;
let keyNumber = 0;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  etcd = await EtcdServer.start();
});
afterAll(async () => {
  await etcd?.stop();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function freshKey(): string {
  keyNumber += 1;
  return `floatip/test/lock-${keyNumber}`;
}

function lock(key: string, holderName: string): EtcdLock {
  const made = new EtcdLock(etcd.endpoint, key, { ttlSeconds: TTL_SECONDS, holderName });
  cleanups.push(() => made.close());
  return made;
}

/** A plain etcd client, as an operator's etcdctl would be. */
function operator(): Etcd3 {
  const client = new Etcd3({ hosts: etcd.endpoint });
  cleanups.push(async () => client.close());
  return client;
}

function recordLosses(target: EtcdLock): ClusterLockError[] {
  const losses: ClusterLockError[] = [];
  target.onLost((loss) => losses.push(loss));
  return losses;
}

describeLockContract('etcd lease on a real etcd', async () => {
  const key = freshKey();
  const admin = new Etcd3LeaseClient(etcd.endpoint);
  return {
    first: new EtcdLock(etcd.endpoint, key, { ttlSeconds: TTL_SECONDS, holderName: 'node0' }),
    second: new EtcdLock(etcd.endpoint, key, { ttlSeconds: TTL_SECONDS, holderName: 'node1' }),
    breakHold: async () => {
      const owner = await admin.owner(key, 2000);
      await admin.revoke(owner!.leaseId, 2000);
    },
    lossCode: 'E_LOCK_LOST_LEASE_REVOKED',
    lossWithinMs: TTL_SECONDS * 1000,
    pass: sleep,
    cleanup: async () => admin.close(),
  };
});

describe('EtcdLock on a real etcd', () => {
  it('stores the holder name and attaches the key to a live lease', async () => {
    const key = freshKey();
    const mine = lock(key, 'node0 pid 1');
    expect(await mine.acquire()).toEqual({ outcome: 'held' });
    const stored = await operator().get(key).exec();
    expect(stored.kvs[0].value.toString()).toBe('node0 pid 1');
    expect(stored.kvs[0].lease).not.toBe('0');
  });

  it('tells a contender in another process who holds the lock, and lets it in after release', async () => {
    const key = freshKey();
    const mine = lock(key, 'node0');
    await mine.acquire();
    const other = new LockHolderProcess(`etcd:${etcd.endpoint}/${key}`);
    cleanups.push(() => other.stop('SIGKILL'));
    expect(await other.firstResult()).toEqual({ outcome: 'contended', holder: 'node0' });
    await other.stop();
    await mine.release();
    expect(await operator().get(key).exec()).toMatchObject({ kvs: [] }); // revoked with its lease, no TTL wait
    const next = new LockHolderProcess(`etcd:${etcd.endpoint}/${key}`);
    cleanups.push(() => next.stop('SIGKILL'));
    expect(await next.firstResult()).toEqual({ outcome: 'held' });
  });

  it('keeps the lock across several TTLs by renewing the lease', async () => {
    const key = freshKey();
    const mine = lock(key, 'node0');
    const losses = recordLosses(mine);
    await mine.acquire();
    await sleep(TTL_SECONDS * 1000 * 3);
    expect(losses).toEqual([]);
    expect(mine.holder).toBe(true);
    expect((await lock(key, 'node1').acquire()).outcome).toBe('contended');
  });

  it('loses the lock when an operator deletes the key', async () => {
    const key = freshKey();
    const mine = lock(key, 'node0');
    const losses = recordLosses(mine);
    await mine.acquire();
    await operator().delete().key(key).exec();
    await waitFor('the loss', TTL_SECONDS * 1000, () => losses.length > 0);
    expect(losses[0].code).toBe('E_LOCK_LOST_KEY_CHANGED');
    expect(losses[0].message).toMatch(/was deleted/);
  });

  it('frees the lock for others within the TTL when its holder process is killed', async () => {
    const key = freshKey();
    const other = new LockHolderProcess(`etcd:${etcd.endpoint}/${key}`);
    cleanups.push(() => other.stop('SIGKILL'));
    expect(await other.firstResult()).toEqual({ outcome: 'held' });
    await other.stop('SIGKILL');
    const mine = lock(key, 'node0');
    const took = await waitFor('the dead holder\'s lease to expire', TTL_SECONDS * 1000 + 2000,
      async () => (await mine.acquire()).outcome === 'held');
    expect(took).toBeLessThan(TTL_SECONDS * 1000 + 1500);
  });

  // Last: it kills the server.
  it('declares the lock lost within the TTL when etcd stops, before etcd could hand it on', async () => {
    const key = freshKey();
    const mine = lock(key, 'node0');
    const losses = recordLosses(mine);
    await mine.acquire();
    await sleep(1000); // a renewal or two in
    const stoppedAt = performance.now();
    await etcd.stop();
    await waitFor('the loss', TTL_SECONDS * 1000 + 1000, () => losses.length > 0);
    const detectedAfter = performance.now() - stoppedAt;
    process.stdout.write(`etcd lock: loss declared ${Math.round(detectedAfter)} ms after etcd stopped (TTL ${TTL_SECONDS} s)\n`);
    expect(losses[0].code).toBe('E_LOCK_LOST_LEASE_EXPIRED');
    expect(detectedAfter).toBeLessThan(TTL_SECONDS * 1000);
    const result = await lock(freshKey(), 'node1').acquire();
    expect(result.outcome === 'error' && result.error.code).toBe('E_LOCK_ETCD');
    expect(result.outcome === 'error' && result.error.message).toContain(etcd.endpoint);
  });
});

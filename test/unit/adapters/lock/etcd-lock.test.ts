// The etcd lease lock's logic on a pretend etcd and clock: tries, renewals, and every way to lose the lease.

import { EtcdLock, EtcdLockOptions } from '../../../../src/adapters/lock/etcd-lock';
import { ClusterLockError } from '../../../../src/adapters/lock/errors';
import { ManualClock } from '../../../../src/adapters/memory/clock';
import { describeLockContract } from './contract';
import { FakeEtcd } from './fake-etcd';

const ENDPOINT = 'http://192.0.2.10:2379';
const KEY = 'floatip/lock';

function setup(options: EtcdLockOptions = {}) {
  const clock = new ManualClock();
  const etcd = new FakeEtcd(clock);
  const make = (name: string) => new EtcdLock(ENDPOINT, KEY, { ttlSeconds: 3, holderName: name, client: etcd.client(), clock, ...options });
  const lock = make('node0');
  const losses: ClusterLockError[] = [];
  lock.onLost((loss) => losses.push(loss));
  return { clock, etcd, lock, losses, make };
}

describeLockContract('etcd over a pretend etcd', async () => {
  const { etcd, clock, make } = setup();
  const first = make('node0');
  return {
    first,
    second: make('node1'),
    breakHold: async () => etcd.revoke(etcd.keys.get(KEY)!.leaseId),
    lossCode: 'E_LOCK_LOST_LEASE_REVOKED',
    lossWithinMs: 1000,
    pass: (ms) => clock.advance(ms),
    cleanup: async () => undefined,
  };
});

describe('EtcdLock', () => {
  it('creates the key on a fresh lease, with the holder name as value', async () => {
    const { etcd, lock } = setup();
    expect(await lock.acquire()).toEqual({ outcome: 'held' });
    const owner = etcd.keys.get(KEY);
    expect(owner?.value).toBe('node0');
    expect(etcd.leases.has(owner!.leaseId)).toBe(true);
  });

  it('names the holder to a contender and revokes the contender\'s unused lease', async () => {
    const { etcd, lock, make } = setup();
    await lock.acquire();
    expect(await make('node1').acquire()).toEqual({ outcome: 'contended', holder: 'node0' });
    await Promise.resolve();
    expect(etcd.leases.size).toBe(1);
  });

  it('keeps the lock for a long time by renewing every TTL/3', async () => {
    const { etcd, clock, lock, losses } = setup();
    await lock.acquire();
    await clock.advance(60_000);
    expect(losses).toEqual([]);
    expect(lock.holder).toBe(true);
    expect(etcd.calls.filter((c) => c === 'keepAlive')).toHaveLength(60);
  });

  it('declares the lease lost before etcd can drop it when etcd stops answering', async () => {
    const { etcd, clock, lock, losses } = setup();
    await lock.acquire();
    await clock.advance(2000); // renewals at 1000 and 2000 ms answered
    etcd.down = true;
    // Last answered renewal was sent at 2000 ms: etcd may drop the lease at 5000 ms; 500 ms margin.
    await clock.advance(2499);
    expect(losses).toEqual([]);
    await clock.advance(1);
    expect(losses.map((l) => l.code)).toEqual(['E_LOCK_LOST_LEASE_EXPIRED']);
    expect(losses[0].message).toMatch(/UNAVAILABLE.*check that etcd runs/);
    expect(clock.now()).toBe(4500);
    expect(etcd.leases.size).toBe(1); // ...while etcd itself still had it: we gave up first
  });

  it('loses the lock at the next renewal when the lease is revoked', async () => {
    const { etcd, clock, lock, losses } = setup();
    await lock.acquire();
    etcd.revoke(etcd.keys.get(KEY)!.leaseId);
    await clock.advance(1000);
    expect(losses.map((l) => l.code)).toEqual(['E_LOCK_LOST_LEASE_REVOKED']);
  });

  it('loses the lock when the key is deleted, or now sits on another lease', async () => {
    const deleted = setup();
    await deleted.lock.acquire();
    deleted.etcd.keys.delete(KEY);
    await deleted.clock.advance(1000);
    expect(deleted.losses.map((l) => l.code)).toEqual(['E_LOCK_LOST_KEY_CHANGED']);
    expect(deleted.losses[0].message).toMatch(/was deleted/);

    const taken = setup();
    await taken.lock.acquire();
    taken.etcd.keys.set(KEY, { leaseId: '1', value: 'intruder' });
    await taken.clock.advance(1000);
    expect(taken.losses[0].message).toMatch(/now holds "intruder" on lease 1/);
  });

  it('revokes its lease on release so the next node need not wait for the TTL', async () => {
    const { etcd, lock, make } = setup();
    await lock.acquire();
    await lock.release();
    expect(etcd.leases.size).toBe(0);
    expect(etcd.keys.size).toBe(0);
    expect(await make('node1').acquire()).toEqual({ outcome: 'held' });
  });

  it('renews no more after release', async () => {
    const { etcd, clock, lock, losses } = setup();
    await lock.acquire();
    await lock.release();
    const calls = etcd.calls.length;
    await clock.advance(10_000);
    expect(etcd.calls.length).toBe(calls);
    expect(losses).toEqual([]);
    expect(clock.waiting).toBe(0);
  });

  it('answers an error naming the endpoint when etcd cannot be reached', async () => {
    const { etcd, lock } = setup();
    etcd.down = true;
    const result = await lock.acquire();
    expect(result.outcome === 'error' && result.error.code).toBe('E_LOCK_ETCD');
    expect(result.outcome === 'error' && result.error.message).toMatch(/cannot get a lease from etcd at http:\/\/192.0.2.10:2379/);
    expect(lock.state).toBe('free');
  });

  it('revokes the lease when creating the key fails', async () => {
    const { etcd, lock } = setup();
    const client = etcd.client();
    const failing = { ...client, createIfAbsent: async () => { throw new Error('deadline exceeded'); } };
    const clock = new ManualClock();
    const broken = new EtcdLock(ENDPOINT, KEY, { ttlSeconds: 3, client: failing, clock });
    const result = await broken.acquire();
    expect(result.outcome === 'error' && result.error.message).toMatch(/cannot create the lock key on etcd.*deadline exceeded/);
    await Promise.resolve();
    expect(etcd.leases.size).toBe(0);
    expect(lock.state).toBe('free');
  });

  it('uses the TTL etcd granted, not the one asked for', async () => {
    const { etcd, clock, lock, losses } = setup();
    etcd.minimumTtl = 6;
    await lock.acquire();
    etcd.down = true;
    await clock.advance(5499);
    expect(losses).toEqual([]);
    await clock.advance(1);
    expect(losses).toHaveLength(1);
  });

  it('refuses settings under which renewals always come too late', () => {
    expect(() => new EtcdLock(ENDPOINT, KEY, { ttlSeconds: 1 })).toThrow(/at least 2/);
    expect(() => new EtcdLock(ENDPOINT, KEY, { ttlSeconds: 2, keepAliveIntervalMs: 1800, safetyMarginMs: 500 })).toThrow(/shorter than the lease TTL/);
  });
});

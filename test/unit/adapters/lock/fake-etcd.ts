// A pretend etcd for the lease lock: leases that expire on the test clock, keys on leases, and switches for outages.

import { CreateOutcome, EtcdLeaseClient, KeyOwner } from '../../../../src/adapters/lock/etcd-client';
import { ManualClock } from '../../../../src/adapters/memory/clock';

interface FakeLease {
  expiresAt: number;
  readonly ttlSeconds: number;
}

export class FakeEtcd {
  private nextLease = 7000;
  readonly leases = new Map<string, FakeLease>();
  readonly keys = new Map<string, KeyOwner>();
  /** When true every call rejects, as when etcd is down. */
  down = false;
  /** Raise short TTLs to this, as etcd does with its minimum TTL. */
  minimumTtl = 2;
  readonly calls: string[] = [];

  constructor(private readonly clock: ManualClock) {}

  /** A client of this etcd, as one node has. */
  client(): EtcdLeaseClient {
    return {
      grant: async (ttl) => {
        this.enter('grant');
        const id = String(this.nextLease++);
        const ttlSeconds = Math.max(ttl, this.minimumTtl);
        this.leases.set(id, { ttlSeconds, expiresAt: this.clock.now() + ttlSeconds * 1000 });
        return { leaseId: id, ttlSeconds };
      },
      keepAlive: async (id) => {
        this.enter('keepAlive');
        const lease = this.leases.get(id);
        if (!lease) return 0;
        lease.expiresAt = this.clock.now() + lease.ttlSeconds * 1000;
        return lease.ttlSeconds;
      },
      revoke: async (id) => {
        this.enter('revoke');
        this.revoke(id);
      },
      createIfAbsent: async (key, value, leaseId): Promise<CreateOutcome> => {
        this.enter('createIfAbsent');
        const owner = this.keys.get(key);
        if (owner) return { created: false, owner };
        if (!this.leases.has(leaseId)) throw new Error('etcdserver: requested lease not found');
        this.keys.set(key, { leaseId, value });
        return { created: true };
      },
      owner: async (key) => {
        this.enter('owner');
        return this.keys.get(key);
      },
      close: () => undefined,
    };
  }

  /** Drops leases whose time has come, as etcd's lessor does. */
  expireDue(): void {
    for (const [id, lease] of this.leases) if (lease.expiresAt <= this.clock.now()) this.revoke(id);
  }

  revoke(id: string): void {
    this.leases.delete(id);
    for (const [key, owner] of this.keys) if (owner.leaseId === id) this.keys.delete(key);
  }

  private enter(call: string): void {
    this.calls.push(call);
    this.expireDue();
    if (this.down) throw new Error('14 UNAVAILABLE: No connection established');
  }
}

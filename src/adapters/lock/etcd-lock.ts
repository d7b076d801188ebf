// The `etcd:http://host:port/key` cluster lock: a key created on a lease; losing the lease is losing the lock.
//
// Taking: grant a lease of `ttlSeconds`, then in one transaction create the key
// on it unless the key exists (the holder's value comes back otherwise).
// Holding: renew every `keepAliveIntervalMs` (TTL/3 like etcd's Go client) and
// re-read the key. etcd drops the lease `ttl` after the last renewal it saw,
// and that renewal was sent no earlier than we sent it; so the lock counts as
// lost `safetyMarginMs` before (send time of the last answered renewal + TTL),
// whether or not etcd can be reached to say so. An answer of TTL 0 (revoked)
// or a key that is gone or on another lease is a loss at once.

import { hostname } from 'node:os';
import { backgroundClock, Clock } from '../clock';
import { BaseClusterLock } from './base-lock';
import { Etcd3LeaseClient, EtcdLeaseClient } from './etcd-client';
import { ClusterLockError, reasonOf } from './errors';
import { AcquireResult } from './port';

export interface EtcdLockOptions {
  /** Lease time-to-live in seconds: how long etcd keeps the lock of a holder it no longer hears. @default 5 */
  readonly ttlSeconds?: number;
  /** How often a holder renews its lease and re-reads the key. @default TTL / 3 */
  readonly keepAliveIntervalMs?: number;
  /** The lock counts as lost this long before etcd could drop the lease. @default 500 */
  readonly safetyMarginMs?: number;
  /** Each etcd call gives up after this long. @default the keep-alive interval */
  readonly requestTimeoutMs?: number;
  /** The key's value while this node holds it, shown to the nodes that find it taken. @default "HOST pid PID" */
  readonly holderName?: string;
  /** @default an etcd3 (gRPC) client of the endpoint */
  readonly client?: EtcdLeaseClient;
  /** @default backgroundClock (real time; its timers keep no process alive) */
  readonly clock?: Clock;
}

export const ETCD_DEFAULTS = { ttlSeconds: 5, safetyMarginMs: 500 } as const;

interface HeldLease {
  readonly leaseId: string;
  /** When etcd may drop the lease at the earliest, on our clock. */
  expiresAt: number;
  lastError: string | undefined;
  cancelTick: () => void;
  cancelWatchdog: () => void;
}

export class EtcdLock extends BaseClusterLock {
  private readonly ttlSeconds: number;
  private readonly keepAliveIntervalMs: number;
  private readonly safetyMarginMs: number;
  private readonly requestTimeoutMs: number;
  private readonly holderName: string;
  private readonly client: EtcdLeaseClient;
  private readonly clock: Clock;
  private held: HeldLease | undefined;

  constructor(readonly endpoint: string, readonly key: string, options: EtcdLockOptions = {}) {
    super(`etcd:${endpoint}/${key}`);
    this.ttlSeconds = options.ttlSeconds ?? ETCD_DEFAULTS.ttlSeconds;
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds < 2) {
      throw new RangeError(`etcd lease TTL must be a whole number of seconds, at least 2 (etcd's minimum); got ${this.ttlSeconds}`);
    }
    this.keepAliveIntervalMs = options.keepAliveIntervalMs ?? Math.floor((this.ttlSeconds * 1000) / 3);
    this.safetyMarginMs = options.safetyMarginMs ?? ETCD_DEFAULTS.safetyMarginMs;
    if (this.keepAliveIntervalMs + this.safetyMarginMs >= this.ttlSeconds * 1000) {
      throw new RangeError(`etcd lock: keep-alive interval (${this.keepAliveIntervalMs} ms) plus safety margin `
        + `(${this.safetyMarginMs} ms) must be shorter than the lease TTL (${this.ttlSeconds} s), or every renewal comes too late`);
    }
    this.requestTimeoutMs = options.requestTimeoutMs ?? this.keepAliveIntervalMs;
    this.holderName = options.holderName ?? `${hostname()} pid ${process.pid}`;
    this.client = options.client ?? new Etcd3LeaseClient(endpoint);
    this.clock = options.clock ?? backgroundClock;
  }

  protected async attempt(): Promise<AcquireResult> {
    const sentAt = this.clock.now();
    let lease: { leaseId: string; ttlSeconds: number };
    try {
      lease = await this.client.grant(this.ttlSeconds, this.requestTimeoutMs);
    } catch (error) {
      return this.unreachable('cannot get a lease from', error);
    }
    try {
      const created = await this.client.createIfAbsent(this.key, this.holderName, lease.leaseId, this.requestTimeoutMs);
      if (!created.created) {
        this.revokeQuietly(lease.leaseId);
        return created.owner ? { outcome: 'contended', holder: created.owner.value } : { outcome: 'contended' };
      }
    } catch (error) {
      this.revokeQuietly(lease.leaseId);
      return this.unreachable('cannot create the lock key on', error);
    }
    const held: HeldLease = {
      leaseId: lease.leaseId,
      expiresAt: sentAt + lease.ttlSeconds * 1000,
      lastError: undefined,
      cancelTick: () => undefined,
      cancelWatchdog: () => undefined,
    };
    if (this.clock.now() >= held.expiresAt - this.safetyMarginMs) {
      this.revokeQuietly(lease.leaseId);
      return this.unreachable('took too long to answer', new Error(`the lease TTL of ${lease.ttlSeconds} s was nearly used up before the key was created`));
    }
    this.held = held;
    this.armWatchdog(held);
    this.scheduleTick(held, this.keepAliveIntervalMs);
    return { outcome: 'held' };
  }

  protected async letGo(): Promise<void> {
    const held = this.held;
    this.held = undefined;
    if (!held) return;
    this.stopTimers(held);
    // Revoking deletes the key, so the next holder need not wait for the TTL.
    await this.client.revoke(held.leaseId, this.requestTimeoutMs);
  }

  protected override dispose(): void {
    this.client.close();
  }

  private scheduleTick(held: HeldLease, delayMs: number): void {
    // tick() catches every request's failure (the watchdog judges); only a bug gets past it: remembered for the watchdog's message.
    held.cancelTick = this.clock.schedule(delayMs, () => {
      this.tick(held).catch((error: unknown) => { if (this.held === held) held.lastError = reasonOf(error); });
    });
  }

  private async tick(held: HeldLease): Promise<void> {
    const sentAt = this.clock.now();
    try {
      const ttl = await this.client.keepAlive(held.leaseId, this.requestTimeoutMs);
      if (this.held !== held) return;
      if (ttl <= 0) {
        this.loseHeld(held, new ClusterLockError('E_LOCK_LOST_LEASE_REVOKED',
          `etcd at ${this.endpoint} no longer knows lease ${held.leaseId} of key ${this.key}: it was revoked or expired; `
          + 'this node no longer holds the cluster lock; find out who revokes leases or why renewals were late'));
        return;
      }
      held.expiresAt = Math.max(held.expiresAt, sentAt + ttl * 1000);
      held.lastError = undefined;
      this.armWatchdog(held);
      const owner = await this.client.owner(this.key, this.requestTimeoutMs);
      if (this.held !== held) return;
      if (!owner || owner.leaseId !== held.leaseId) {
        const now = owner ? `now holds "${owner.value}" on lease ${owner.leaseId}` : 'was deleted';
        this.loseHeld(held, new ClusterLockError('E_LOCK_LOST_KEY_CHANGED',
          `the lock key ${this.key} on etcd at ${this.endpoint} ${now}: this node no longer holds the cluster lock; `
          + 'nothing but floatip may write that key'));
        return;
      }
    } catch (error) {
      // Not yet a loss: the watchdog decides, at the last moment etcd could have kept the lease.
      if (this.held === held) held.lastError = reasonOf(error);
    }
    if (this.held === held) this.scheduleTick(held, Math.max(0, sentAt + this.keepAliveIntervalMs - this.clock.now()));
  }

  private armWatchdog(held: HeldLease): void {
    held.cancelWatchdog();
    const dueIn = Math.max(0, held.expiresAt - this.safetyMarginMs - this.clock.now());
    held.cancelWatchdog = this.clock.schedule(dueIn, () => {
      if (this.held !== held) return;
      const why = held.lastError ? ` (last error: ${held.lastError})` : '';
      this.loseHeld(held, new ClusterLockError('E_LOCK_LOST_LEASE_EXPIRED',
        `no lease renewal answered by etcd at ${this.endpoint} in time${why}: lease ${held.leaseId} of key ${this.key} `
        + 'may expire, so this node no longer holds the cluster lock; check that etcd runs and is reachable'));
    });
  }

  private loseHeld(held: HeldLease, loss: ClusterLockError): void {
    this.held = undefined;
    this.stopTimers(held);
    this.lose(loss);
    this.revokeQuietly(held.leaseId);
  }

  private stopTimers(held: HeldLease): void {
    held.cancelTick();
    held.cancelWatchdog();
  }

  private revokeQuietly(leaseId: string): void {
    // Best effort: an unrevoked lease expires by itself after its TTL.
    this.client.revoke(leaseId, this.requestTimeoutMs).catch(() => undefined);
  }

  private unreachable(what: string, error: unknown): AcquireResult {
    return {
      outcome: 'error',
      error: new ClusterLockError('E_LOCK_ETCD',
        `${what} etcd at ${this.endpoint}: ${reasonOf(error)}; check that etcd runs there and the URL in cluster_lock is right`, error),
    };
  }
}

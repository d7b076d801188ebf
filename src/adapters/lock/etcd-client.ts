// The few etcd calls the lease lock makes, as a port, and their implementation over the etcd3 (gRPC) client.

import type { Etcd3 } from 'etcd3';

/**
 * etcd3 loads gRPC and its protobuf definitions, ~150 ms of a daemon's start (measured with
 * --cpu-prof). Only a node with an etcd cluster lock needs it, so it is loaded on first use.
 */
function etcd3(): typeof import('etcd3') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deliberate lazy load, see above
  return require('etcd3') as typeof import('etcd3');
}

/** Who holds the lock key: its value and the lease it is attached to. */
export interface KeyOwner {
  readonly leaseId: string;
  readonly value: string;
}

export type CreateOutcome = { readonly created: true } | { readonly created: false; readonly owner: KeyOwner | undefined };

/** Every call gives up after `timeoutMs` (rejecting); nothing here retries on its own. */
export interface EtcdLeaseClient {
  /** Grants a lease; answers its id and the TTL etcd actually gave (it may raise a short one). */
  grant(ttlSeconds: number, timeoutMs: number): Promise<{ readonly leaseId: string; readonly ttlSeconds: number }>;
  /** Renews the lease once; answers the remaining TTL in seconds, 0 when the lease no longer exists. */
  keepAlive(leaseId: string, timeoutMs: number): Promise<number>;
  /** Revokes the lease, deleting every key attached to it; a lease already gone is not an error. */
  revoke(leaseId: string, timeoutMs: number): Promise<void>;
  /** In one transaction: creates `key` = `value` on the lease if the key does not exist, else reads its owner. */
  createIfAbsent(key: string, value: string, leaseId: string, timeoutMs: number): Promise<CreateOutcome>;
  /** The key's owner now, or undefined when there is no such key. */
  owner(key: string, timeoutMs: number): Promise<KeyOwner | undefined>;
  close(): void;
}

function deadline(timeoutMs: number): { deadline: number } {
  return { deadline: Date.now() + timeoutMs };
}

/**
 * Over etcd3's raw RPC clients rather than its Lease class: that class keeps
 * the lease alive on its own timers and reports a loss only 2 x TTL after the
 * last renewal, later than etcd itself drops the lease. The lock needs to know
 * when each renewal was sent, so it drives them itself (see etcd-lock.ts).
 */
export class Etcd3LeaseClient implements EtcdLeaseClient {
  private readonly client: Etcd3;

  constructor(endpoint: string, dialTimeoutMs = 2000) {
    this.client = new (etcd3().Etcd3)({ hosts: endpoint, dialTimeout: dialTimeoutMs });
  }

  async grant(ttlSeconds: number, timeoutMs: number): Promise<{ leaseId: string; ttlSeconds: number }> {
    const answer = await this.client.leaseClient.leaseGrant({ TTL: ttlSeconds, ID: 0 }, deadline(timeoutMs));
    if (answer.error) throw new Error(`etcd refused the lease: ${answer.error}`);
    return { leaseId: answer.ID, ttlSeconds: Number(answer.TTL) };
  }

  async keepAlive(leaseId: string, timeoutMs: number): Promise<number> {
    const stream = await this.client.leaseClient.leaseKeepAlive(deadline(timeoutMs));
    try {
      return await new Promise<number>((resolve, reject) => {
        stream.on('data', (answer) => resolve(Number(answer.TTL)));
        stream.on('error', reject);
        stream.on('end', () => reject(new Error('etcd closed the keep-alive stream without an answer')));
        stream.write({ ID: leaseId });
      });
    } finally {
      stream.end();
    }
  }

  async revoke(leaseId: string, timeoutMs: number): Promise<void> {
    try {
      await this.client.leaseClient.leaseRevoke({ ID: leaseId }, deadline(timeoutMs));
    } catch (error) {
      if (!(error instanceof etcd3().EtcdLeaseInvalidError)) throw error;
    }
  }

  async createIfAbsent(key: string, value: string, leaseId: string, timeoutMs: number): Promise<CreateOutcome> {
    const answer = await this.client
      .if(key, 'Create', '==', 0)
      .then(this.client.put(key).value(value).lease(leaseId))
      .else(this.client.get(key))
      .options(deadline(timeoutMs))
      .commit();
    if (answer.succeeded) return { created: true };
    const found = answer.responses[0]?.response_range?.kvs[0];
    return { created: false, owner: found && { leaseId: found.lease, value: found.value.toString() } };
  }

  async owner(key: string, timeoutMs: number): Promise<KeyOwner | undefined> {
    const answer = await this.client.get(key).options(deadline(timeoutMs)).exec();
    const found = answer.kvs[0];
    return found && { leaseId: found.lease, value: found.value.toString() };
  }

  close(): void {
    this.client.close();
  }
}

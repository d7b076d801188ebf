// The cluster-lock contract, run against the in-memory lock here and against each real backend in test/integration/lock.

import { ClusterLock } from '../../../../src/adapters/lock/port';
import { ClusterLockError } from '../../../../src/adapters/lock/errors';

export interface LockContractSubject {
  /** Two locks on the same cluster lock, as two nodes would have. */
  readonly first: ClusterLock;
  readonly second: ClusterLock;
  /** Does to the world what takes the lock away from `first`, which holds it (replace the file, revoke the lease ...). */
  breakHold(): Promise<void>;
  /** The loss code `breakHold` must produce. */
  readonly lossCode: string;
  /** How long the backend may take to notice. */
  readonly lossWithinMs: number;
  /** Lets time pass (real or fake), in steps small enough for checks to run. */
  pass(ms: number): Promise<void>;
  cleanup(): Promise<void>;
}

/** Passes time until `losses` has an entry; throws when none came within `ms`. */
export async function awaitLoss(losses: readonly ClusterLockError[], ms: number, pass: (ms: number) => Promise<void>): Promise<ClusterLockError> {
  for (let waited = 0; losses.length === 0 && waited < ms; waited += 50) await pass(50);
  if (losses.length === 0) throw new Error(`no loss reported within ${ms} ms`);
  return losses[0];
}

export function describeLockContract(name: string, makeSubject: () => Promise<LockContractSubject>): void {
  describe(`${name}: cluster lock contract`, () => {
    let subject: LockContractSubject;
    beforeEach(async () => {
      subject = await makeSubject();
    });
    afterEach(async () => {
      await subject.first.close();
      await subject.second.close();
      await subject.cleanup();
    });

    it('takes a free lock, and holding it answers held again', async () => {
      const { first } = subject;
      expect(first.state).toBe('free');
      expect(await first.acquire()).toEqual({ outcome: 'held' });
      expect(first.state).toBe('held');
      expect(first.holder).toBe(true);
      expect(await first.acquire()).toEqual({ outcome: 'held' });
    });

    it('answers contended to a second node while the first holds it', async () => {
      const { first, second } = subject;
      await first.acquire();
      const result = await second.acquire();
      expect(result.outcome).toBe('contended');
      expect(second.state).toBe('free');
      expect(second.holder).toBe(false);
      expect(first.holder).toBe(true);
    });

    it('lets the second node take it once the first releases', async () => {
      const { first, second } = subject;
      await first.acquire();
      expect((await second.acquire()).outcome).toBe('contended');
      await first.release();
      expect(first.state).toBe('free');
      expect(await second.acquire()).toEqual({ outcome: 'held' });
      expect((await first.acquire()).outcome).toBe('contended');
    });

    it('reports the loss of a held lock once, with a typed reason', async () => {
      const { first } = subject;
      await first.acquire();
      const losses: ClusterLockError[] = [];
      first.onLost((loss) => losses.push(loss));
      await subject.breakHold();
      const loss = await awaitLoss(losses, subject.lossWithinMs, subject.pass);
      expect(loss.code).toBe(subject.lossCode);
      expect(loss.isLoss).toBe(true);
      expect(first.state).toBe('lost');
      expect(first.holder).toBe(false);
      expect(first.lastLoss).toBe(loss);
      await subject.pass(200);
      expect(losses).toHaveLength(1);
      await first.release();
      expect(first.state).toBe('free');
    });
  });
}

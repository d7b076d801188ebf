// The in-memory cluster lock keeps the same contract as the real backends.

import { MemoryLockService } from '../../../../src/adapters/memory/lock';
import { describeLockContract } from './contract';

describeLockContract('memory', async () => {
  const service = new MemoryLockService();
  return {
    first: service.lock('node0'),
    second: service.lock('node1'),
    breakHold: async () => service.breakLock(),
    lossCode: 'E_LOCK_LOST_INJECTED',
    lossWithinMs: 50,
    pass: async () => undefined,
    cleanup: async () => undefined,
  };
});

describe('MemoryLockService controls', () => {
  it('names the holder to contenders and in its log', async () => {
    const service = new MemoryLockService();
    const a = service.lock('node0');
    const b = service.lock('node1');
    await a.acquire();
    expect(await b.acquire()).toEqual({ outcome: 'contended', holder: 'node0' });
    expect(service.holder).toBe('node0');
    await a.release();
    expect(service.holder).toBeUndefined();
    expect(service.log).toEqual(['node0: held', 'node1: contended', 'node0: released']);
  });

  it('fails tries until healed, leaving nobody holding', async () => {
    const service = new MemoryLockService();
    const a = service.lock('node0');
    service.failTries();
    const result = await a.acquire();
    expect(result.outcome).toBe('error');
    expect(result.outcome === 'error' && result.error.code).toBe('E_LOCK_ETCD');
    expect(a.state).toBe('free');
    service.healTries();
    expect(await a.acquire()).toEqual({ outcome: 'held' });
  });

  it('refuses to break a lock nobody holds', () => {
    expect(() => new MemoryLockService().breakLock()).toThrow(/nobody holds/);
  });

  it('lets a lock that was broken be taken by another node at once', async () => {
    const service = new MemoryLockService();
    const a = service.lock('node0');
    const b = service.lock('node1');
    await a.acquire();
    service.breakLock('E_LOCK_LOST_LEASE_EXPIRED', 'lease gone');
    expect(a.lastLoss?.code).toBe('E_LOCK_LOST_LEASE_EXPIRED');
    expect(await b.acquire()).toEqual({ outcome: 'held' });
  });
});

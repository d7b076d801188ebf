// The retry loop: tries now, again every interval until held, again after a loss, and lets go on stop.

import { LockContender, ContenderEvent } from '../../../../src/adapters/lock/contender';
import { MemoryLockService } from '../../../../src/adapters/memory/lock';
import { ManualTimers, flushMicrotasks } from '../packet/manual-timers';

function setup() {
  const service = new MemoryLockService();
  const timers = new ManualTimers();
  const events: string[] = [];
  const record = (event: ContenderEvent): void => {
    events.push(event.kind === 'lost' ? `lost ${event.loss.code}` : `tried ${event.result.outcome}`);
  };
  const lock = service.lock('node0');
  const contender = new LockContender(lock, record, { retryIntervalMs: 1000, timers });
  return { service, timers, events, lock, contender };
}

describe('LockContender', () => {
  it('takes a free lock on the first try and stops trying', async () => {
    const { timers, events, lock, contender } = setup();
    contender.start();
    await flushMicrotasks();
    expect(lock.holder).toBe(true);
    expect(events).toEqual(['tried held']);
    expect(timers.waiting).toBe(0);
  });

  it('retries every interval while another node holds it, and takes it once freed', async () => {
    const { service, timers, events, lock, contender } = setup();
    const other = service.lock('node1');
    await other.acquire();
    contender.start();
    await timers.advance(2500);
    expect(events).toEqual(['tried contended', 'tried contended', 'tried contended']);
    await other.release();
    await timers.advance(1000);
    expect(lock.holder).toBe(true);
    expect(events.at(-1)).toBe('tried held');
    await timers.advance(5000);
    expect(events).toHaveLength(4);
  });

  it('reports a loss and tries again one interval later, not at once', async () => {
    const { service, timers, events, lock, contender } = setup();
    contender.start();
    await flushMicrotasks();
    service.breakLock();
    expect(events).toEqual(['tried held', 'lost E_LOCK_LOST_INJECTED']);
    expect(lock.state).toBe('lost');
    await timers.advance(999);
    expect(lock.state).toBe('lost');
    await timers.advance(1);
    expect(lock.holder).toBe(true);
    expect(events.at(-1)).toBe('tried held');
  });

  it('keeps trying through errors', async () => {
    const { service, timers, events, lock, contender } = setup();
    service.failTries();
    contender.start();
    await timers.advance(1000);
    service.healTries();
    await timers.advance(1000);
    expect(events).toEqual(['tried error', 'tried error', 'tried held']);
    expect(lock.holder).toBe(true);
  });

  it('releases on stop and tries no more', async () => {
    const { service, timers, events, contender } = setup();
    contender.start();
    await flushMicrotasks();
    await contender.stop();
    expect(service.holder).toBeUndefined();
    expect(contender.contending).toBe(false);
    await timers.advance(5000);
    expect(events).toEqual(['tried held']);
  });

  it('stops retrying on stop while contended', async () => {
    const { service, timers, events, contender } = setup();
    await service.lock('node1').acquire();
    contender.start();
    await flushMicrotasks();
    await contender.stop();
    await timers.advance(5000);
    expect(events).toEqual(['tried contended']);
    expect(timers.waiting).toBe(0);
  });

  it('starting twice runs one loop', async () => {
    const { service, timers, events, contender } = setup();
    await service.lock('node1').acquire();
    contender.start();
    contender.start();
    await timers.advance(1000);
    expect(events).toEqual(['tried contended', 'tried contended']);
  });
});

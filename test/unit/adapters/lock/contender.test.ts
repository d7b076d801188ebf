// The retry loop: tries now, again every interval until held, again after a loss, and lets go on stop.

import { LockContender, ContenderEvent } from '../../../../src/adapters/lock/contender';
import { MemoryLockService } from '../../../../src/adapters/memory/lock';
import { ManualClock } from '../../../../src/adapters/memory/clock';

function setup() {
  const service = new MemoryLockService();
  const clock = new ManualClock();
  const events: string[] = [];
  const record = (event: ContenderEvent): void => {
    events.push(event.kind === 'lost' ? `lost ${event.loss.code}` : `tried ${event.result.outcome}`);
  };
  const lock = service.lock('node0');
  const contender = new LockContender(lock, record, { retryIntervalMs: 1000, clock });
  return { service, clock, events, lock, contender };
}

describe('LockContender', () => {
  it('takes a free lock on the first try and stops trying', async () => {
    const { clock, events, lock, contender } = setup();
    contender.start();
    await clock.settle();
    expect(lock.holder).toBe(true);
    expect(events).toEqual(['tried held']);
    expect(clock.waiting).toBe(0);
  });

  it('retries every interval while another node holds it, and takes it once freed', async () => {
    const { service, clock, events, lock, contender } = setup();
    const other = service.lock('node1');
    await other.acquire();
    contender.start();
    await clock.advance(2500);
    expect(events).toEqual(['tried contended', 'tried contended', 'tried contended']);
    await other.release();
    await clock.advance(1000);
    expect(lock.holder).toBe(true);
    expect(events.at(-1)).toBe('tried held');
    await clock.advance(5000);
    expect(events).toHaveLength(4);
  });

  it('reports a loss and tries again one interval later, not at once', async () => {
    const { service, clock, events, lock, contender } = setup();
    contender.start();
    await clock.settle();
    service.breakLock();
    expect(events).toEqual(['tried held', 'lost E_LOCK_LOST_INJECTED']);
    expect(lock.state).toBe('lost');
    await clock.advance(999);
    expect(lock.state).toBe('lost');
    await clock.advance(1);
    expect(lock.holder).toBe(true);
    expect(events.at(-1)).toBe('tried held');
  });

  it('keeps trying through errors', async () => {
    const { service, clock, events, lock, contender } = setup();
    service.failTries();
    contender.start();
    await clock.advance(1000);
    service.healTries();
    await clock.advance(1000);
    expect(events).toEqual(['tried error', 'tried error', 'tried held']);
    expect(lock.holder).toBe(true);
  });

  it('releases on stop and tries no more', async () => {
    const { service, clock, events, contender } = setup();
    contender.start();
    await clock.settle();
    await contender.stop();
    expect(service.holder).toBeUndefined();
    expect(contender.contending).toBe(false);
    await clock.advance(5000);
    expect(events).toEqual(['tried held']);
  });

  it('stops retrying on stop while contended', async () => {
    const { service, clock, events, contender } = setup();
    await service.lock('node1').acquire();
    contender.start();
    await clock.settle();
    await contender.stop();
    await clock.advance(5000);
    expect(events).toEqual(['tried contended']);
    expect(clock.waiting).toBe(0);
  });

  it('starting twice runs one loop', async () => {
    const { service, clock, events, contender } = setup();
    await service.lock('node1').acquire();
    contender.start();
    contender.start();
    await clock.advance(1000);
    expect(events).toEqual(['tried contended', 'tried contended']);
  });
});

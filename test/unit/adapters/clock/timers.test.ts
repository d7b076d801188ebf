// The timers built on the clock port, on the manual clock: a repeating pace, a re-armable deadline, owners' timers dropped.

import { every, OneTimer } from '../../../../src/adapters/clock';
import { ManualClock } from '../../../../src/adapters/memory/clock';

describe('every', () => {
  it('runs at a steady pace until cancelled, and never after', async () => {
    const clock = new ManualClock();
    const runs: number[] = [];
    const cancel = every(clock, 100, () => runs.push(clock.now()));
    await clock.advance(350);
    expect(runs).toEqual([100, 200, 300]);
    cancel();
    await clock.advance(1000);
    expect(runs).toEqual([100, 200, 300]);
    expect(clock.waiting).toBe(0);
  });
});

describe('OneTimer', () => {
  it('keeps only the latest setting, says when it is due, and forgets it once fired or cleared', async () => {
    const clock = new ManualClock();
    const timer = new OneTimer(clock);
    const fired: string[] = [];
    timer.set(100, () => fired.push('first'));
    await clock.advance(50);
    timer.set(100, () => fired.push('second'));
    expect(timer.due).toBe(150);
    await clock.advance(99);
    expect(fired).toEqual([]);
    await clock.advance(1);
    expect(fired).toEqual(['second']);
    expect(timer.due).toBeUndefined();
    timer.set(10, () => fired.push('cleared'));
    timer.clear();
    await clock.advance(100);
    expect(fired).toEqual(['second']);
  });
});

describe('ManualClock', () => {
  it('fires in time order, then in scheduling order; a killed owner\'s timers never fire', async () => {
    const clock = new ManualClock();
    const order: string[] = [];
    const a = clock.forOwner('a');
    const b = clock.forOwner('b');
    a.schedule(20, () => order.push('a20'));
    b.schedule(10, () => order.push('b10'));
    clock.schedule(10, () => order.push('shared10'));
    b.schedule(30, () => order.push('b30'));
    clock.kill('b');
    await clock.advance(15);
    expect(order).toEqual(['shared10']);
    await clock.advance(100);
    expect(order).toEqual(['shared10', 'a20']);
    expect(a.wallNow() - clock.wallNow()).toBe(0);
  });

  it('runs next-turn work when time moves, even by nothing', async () => {
    const clock = new ManualClock();
    let ran = false;
    clock.nextTurn(() => { ran = true; });
    await clock.settle();
    expect(ran).toBe(false);
    await clock.advance(0);
    expect(ran).toBe(true);
  });
});

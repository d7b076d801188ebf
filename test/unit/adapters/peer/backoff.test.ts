// Reconnect delays: doubling to the cap, jitter within [base/2, base], reset after success.

import { Backoff } from '../../../../src/adapters/peer/backoff';

describe('Backoff', () => {
  it('doubles from the first delay to the cap; jitter 0 gives half, jitter ~1 the whole base', () => {
    const low = new Backoff({ initialMs: 50, maxMs: 2000 }, () => 0);
    expect(Array.from({ length: 8 }, () => low.next())).toEqual([25, 50, 100, 200, 400, 800, 1000, 1000]);
    const high = new Backoff({ initialMs: 50, maxMs: 2000 }, () => 0.999999);
    expect(Array.from({ length: 8 }, () => high.next())).toEqual([50, 100, 200, 400, 800, 1600, 2000, 2000]);
  });

  it('starts again from the first delay after reset()', () => {
    const backoff = new Backoff({ initialMs: 50, maxMs: 2000 }, () => 0.5);
    backoff.next();
    backoff.next();
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(38);
  });

  it('keeps a misbehaving random source inside the range', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 100 }, () => 7);
    expect(backoff.next()).toBe(100);
    const negative = new Backoff({ initialMs: 100, maxMs: 100 }, () => -3);
    expect(negative.next()).toBe(50);
  });

  it('refuses options that cannot make a schedule', () => {
    expect(() => new Backoff({ initialMs: 0, maxMs: 10 }, Math.random)).toThrow(RangeError);
    expect(() => new Backoff({ initialMs: 100, maxMs: 10 }, Math.random)).toThrow(/initialMs <= maxMs/);
  });
});

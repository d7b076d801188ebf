import { TokenBucket } from '../../../../src/adapters/packet/token-bucket';

describe('TokenBucket', () => {
  it('starts full, empties as tokens are taken and refills at the rate', () => {
    const bucket = new TokenBucket(1000, 100, 0);
    expect(bucket.available(0)).toBe(100);
    bucket.take(100, 0);
    expect(bucket.available(0)).toBe(0);
    expect(bucket.available(10)).toBe(10);
    expect(bucket.available(50)).toBe(50);
  });

  it('never holds more than its capacity', () => {
    const bucket = new TokenBucket(1000, 100, 0);
    expect(bucket.available(1_000_000)).toBe(100);
  });

  it('says how long to wait for tokens, rounding up to whole ms', () => {
    const bucket = new TokenBucket(300, 10, 0);
    bucket.take(10, 0);
    expect(bucket.waitFor(1, 0)).toBe(4); // 3.33 ms per token
    expect(bucket.waitFor(3, 0)).toBe(10);
    expect(bucket.waitFor(50, 0)).toBe(34); // capped at capacity
    expect(bucket.waitFor(1, 10)).toBe(0);
  });

  it('ignores a clock that steps back', () => {
    const bucket = new TokenBucket(1000, 10, 100);
    bucket.take(10, 100);
    expect(bucket.available(50)).toBe(0);
    expect(bucket.available(105)).toBe(5);
  });
});

// When `heal` must expect a continued floatipd to exit: frozen at least 3/4 fence_after, or not known.

import { mayHaveFenced } from '../../../src/lab/resume';

describe('mayHaveFenced', () => {
  it('is false for a freeze shorter than the stall limit', () => {
    expect(mayHaveFenced(1000, 1500, 525)).toBe(false);
  });

  it('is true from the stall limit on', () => {
    expect(mayHaveFenced(1000, 1525, 525)).toBe(true);
    expect(mayHaveFenced(1000, 9000, 525)).toBe(true);
  });

  it('is true when the freeze time or the limit is unknown: waiting costs less than a node left down', () => {
    expect(mayHaveFenced(undefined, 1500, 525)).toBe(true);
    expect(mayHaveFenced(1000, 1001, undefined)).toBe(true);
  });
});

// A small seeded PRNG (mulberry32), so one seed always gives the same soak schedule.
//
// Math.random cannot be seeded, and a soak that finds a duplicate is only worth
// something if the same schedule can be run again. mulberry32 is 32-bit state,
// fast and good enough for picking faults; it is not for secrets.

export interface SeededRandom {
  /** A float in [0, 1). */
  next(): number;
  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** `count` distinct elements of `items`, in random order. */
  sample<T>(items: readonly T[], count: number): T[];
}

export function mulberry32(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)],
    sample(items, count) {
      const pool = [...items];
      // A partial Fisher-Yates shuffle: the first `count` places are the sample.
      for (let k = 0; k < Math.min(count, pool.length); k++) {
        const j = int(k, pool.length - 1);
        [pool[k], pool[j]] = [pool[j], pool[k]];
      }
      return pool.slice(0, count);
    },
  };
}

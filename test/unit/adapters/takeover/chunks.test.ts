// settleInChunks: a chunk per turn, every outcome in the items' order, failures as outcomes.

import { settleInChunks } from '../../../../src/adapters/takeover/chunks';

/** A next turn that comes only when the test lets it: `turn()` runs the one asked for. */
class HeldTurns {
  private readonly waiting: (() => void)[] = [];
  readonly nextTurn = (callback: () => void): void => { this.waiting.push(callback); };
  get asked(): number {
    return this.waiting.length;
  }
  async turn(): Promise<void> {
    const callback = this.waiting.shift();
    if (!callback) throw new Error('no turn was asked for');
    callback();
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('settleInChunks', () => {
  it('starts one chunk per turn, in order, and waits for a turn between chunks', async () => {
    const turns = new HeldTurns();
    const started: number[] = [];
    const done = settleInChunks([10, 11, 12, 13, 14], 2, turns.nextTurn, async (item, index) => {
      started.push(index);
      return item * 2;
    });
    await flush();
    expect(started).toEqual([0, 1]);
    expect(turns.asked).toBe(1);
    await turns.turn();
    expect(started).toEqual([0, 1, 2, 3]);
    await turns.turn();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(turns.asked).toBe(0);
    expect(await done).toEqual([10, 11, 12, 13, 14].map((n) => ({ status: 'fulfilled', value: n * 2 })));
  });

  it('gives the outcomes in the items\' order, whatever order they settle in', async () => {
    const turns = new HeldTurns();
    const resolvers: ((value: string) => void)[] = [];
    const done = settleInChunks(['a', 'b', 'c'], 2, turns.nextTurn,
      (item) => new Promise<string>((resolve) => { resolvers.push(() => resolve(item.toUpperCase())); }));
    await flush();
    await turns.turn();
    for (const resolve of [...resolvers].reverse()) resolve('');
    expect((await done).map((o) => (o.status === 'fulfilled' ? o.value : o.reason))).toEqual(['A', 'B', 'C']);
  });

  it('reports a rejection and a throw as that item\'s outcome, and starts the rest', async () => {
    const turns = new HeldTurns();
    const started: number[] = [];
    const done = settleInChunks([0, 1, 2, 3], 2, turns.nextTurn, (item) => {
      started.push(item);
      if (item === 0) return Promise.reject(new Error('EEXIST'));
      if (item === 2) throw new Error('ENODEV');
      return Promise.resolve(item);
    });
    // The first chunk's rejection settles while the second chunk waits for its turn.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await turns.turn();
    const outcomes = await done;
    expect(started).toEqual([0, 1, 2, 3]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : o.value))).toEqual(['EEXIST', 1, 'ENODEV', 3]);
  });

  it('asks for no turn when everything fits in one chunk, and for none after the last chunk', async () => {
    const turns = new HeldTurns();
    expect(await settleInChunks([], 3, turns.nextTurn, async () => 1)).toEqual([]);
    expect(await settleInChunks([1, 2, 3], 3, turns.nextTurn, async (n) => n)).toHaveLength(3);
    expect(turns.asked).toBe(0);
  });

  it('refuses a chunk that is not a whole number of 1 or more', async () => {
    const turns = new HeldTurns();
    await expect(settleInChunks([1], 0, turns.nextTurn, async (n) => n)).rejects.toThrow(RangeError);
    await expect(settleInChunks([1], 1.5, turns.nextTurn, async (n) => n)).rejects.toThrow(/whole number/);
  });
});

// The remembering allocator: one allocation per distinct state, shared while in progress, failures forgotten.

import { ip } from '../../../../src/core/ip';
import { AllocResult, AllocState, DEFAULT_TUNABLES, allocate, buildAllocState } from '../../../../src/core/ipalloc';
import { Allocator, rememberingAllocator } from '../../../../src/daemon/runtime/allocator';

function stateWith(holder: number): AllocState {
  return buildAllocState('lcp2', DEFAULT_TUNABLES, [{ flags: 0, running: true }, { flags: 0, running: true }], [
    { address: { address: ip('192.0.2.1'), bits: 24, interfaces: ['eth0'] }, known: [0, 1], holder },
    { address: { address: ip('192.0.2.2'), bits: 24, interfaces: ['eth0'] }, known: [0, 1], holder: -1 },
  ]);
}

/** An inner allocator that counts its calls and can be told to fail or to wait. */
class CountingAllocator implements Allocator {
  calls = 0;
  failNext = false;
  release: (() => void) | undefined;
  closed = false;
  async allocate(state: AllocState): Promise<AllocResult> {
    this.calls++;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('worker died');
    }
    if (this.release === undefined) await new Promise<void>((resolve) => { this.release = resolve; });
    return allocate(state);
  }
  async close(): Promise<void> { this.closed = true; }
}

it('allocates a state once, and again only when the state differs', async () => {
  const inner = new CountingAllocator();
  inner.release = () => undefined;
  const allocator = rememberingAllocator(inner);
  const first = await allocator.allocate(stateWith(0));
  expect(await allocator.allocate(stateWith(0))).toBe(first);
  expect(inner.calls).toBe(1);
  expect(await allocator.allocate(stateWith(1))).toEqual(allocate(stateWith(1)));
  expect(inner.calls).toBe(2);
});

it('shares an allocation still in progress', async () => {
  const inner = new CountingAllocator();
  const allocator = rememberingAllocator(inner);
  const early = allocator.allocate(stateWith(0));
  const late = allocator.allocate(stateWith(0));
  expect(inner.calls).toBe(1);
  await Promise.resolve();
  inner.release?.();
  expect(await late).toBe(await early);
});

it('forgets a failed allocation, so the next call tries again', async () => {
  const inner = new CountingAllocator();
  inner.release = () => undefined;
  inner.failNext = true;
  const allocator = rememberingAllocator(inner);
  await expect(allocator.allocate(stateWith(0))).rejects.toThrow('worker died');
  await expect(allocator.allocate(stateWith(0))).resolves.toEqual(allocate(stateWith(0)));
  expect(inner.calls).toBe(2);
});

it('keeps only the most recently used states', async () => {
  const inner = new CountingAllocator();
  inner.release = () => undefined;
  const allocator = rememberingAllocator(inner, 2);
  await allocator.allocate(stateWith(0));
  await allocator.allocate(stateWith(1));
  await allocator.allocate(stateWith(0)); // used again: now the newest
  await allocator.allocate(stateWith(-1)); // drops holder 1, the oldest
  expect(inner.calls).toBe(3);
  await allocator.allocate(stateWith(0));
  expect(inner.calls).toBe(3);
  await allocator.allocate(stateWith(1));
  expect(inner.calls).toBe(4);
  await allocator.close();
  expect(inner.closed).toBe(true);
});

/** An inner allocator whose every call waits until the test lets it finish. */
class GatedAllocator implements Allocator {
  readonly asked: AllocState[] = [];
  private readonly gates: ((fail: boolean) => void)[] = [];
  allocate(state: AllocState): Promise<AllocResult> {
    this.asked.push(state);
    return new Promise((resolve, reject) => {
      this.gates.push((fail) => (fail ? reject(new Error('worker died')) : resolve(allocate(state))));
    });
  }
  /** Ends the oldest call still waiting. */
  async finish(fail = false): Promise<void> {
    this.gates.shift()?.(fail);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  }
  async close(): Promise<void> { /* nothing held */ }
}

describe('speculate', () => {
  it('allocates the foreseen states one at a time, a turn apart, and answers a run that asks for one from memory', async () => {
    const inner = new GatedAllocator();
    const turns: (() => void)[] = [];
    const allocator = rememberingAllocator(inner, 4, (then) => turns.push(then));
    allocator.speculate?.([stateWith(0), stateWith(1)]);
    expect(inner.asked).toHaveLength(1); // the second waits: a run's own allocation queues behind one at most
    await inner.finish();
    expect(inner.asked).toHaveLength(1); // and the loop gets a turn in between
    turns.shift()?.();
    expect(inner.asked).toHaveLength(2);
    await inner.finish();
    await expect(allocator.allocate(stateWith(1))).resolves.toEqual(allocate(stateWith(1)));
    await expect(allocator.allocate(stateWith(0))).resolves.toEqual(allocate(stateWith(0)));
    expect(inner.asked).toHaveLength(2);
  });

  it('starts a foreseen state at once when a run asks for it before its turn, and keeps what is still foreseen', async () => {
    const inner = new GatedAllocator();
    const allocator = rememberingAllocator(inner, 4, (then) => then());
    allocator.speculate?.([stateWith(0), stateWith(1)]);
    const asked = allocator.allocate(stateWith(1));
    expect(inner.asked).toHaveLength(2);
    allocator.speculate?.([stateWith(1), stateWith(-1)]); // holder 1 foreseen again: not allocated twice
    await inner.finish(); // holder 0, the old forecast's
    await inner.finish(); // holder 1
    await expect(asked).resolves.toEqual(allocate(stateWith(1)));
    expect(inner.asked.map((s) => s.addresses[0].holder)).toEqual([0, 1, -1]);
  });

  it('stops a forecast that a newer one replaced, and tries a failed one again when asked', async () => {
    const inner = new GatedAllocator();
    const allocator = rememberingAllocator(inner, 4, (then) => then());
    allocator.speculate?.([stateWith(0), stateWith(1)]);
    allocator.speculate?.([stateWith(0)]);
    await inner.finish(true);
    expect(inner.asked).toHaveLength(1); // holder 1 is no longer foreseen
    const again = allocator.allocate(stateWith(0));
    expect(inner.asked).toHaveLength(2);
    await inner.finish();
    await expect(again).resolves.toEqual(allocate(stateWith(0)));
  });
});

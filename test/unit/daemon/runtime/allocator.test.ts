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

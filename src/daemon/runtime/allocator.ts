// Where the IP allocator runs: inline for small clusters, in a worker thread when the work is big.

import { allocate, AllocResult, AllocState } from '../../core/ipalloc';

/** Computes the target assignment; async so an implementation may run it off the event loop. */
export interface Allocator {
  allocate(state: AllocState): Promise<AllocResult>;
  close(): Promise<void>;
}

/** Runs core/ipalloc on the calling thread: fine for hundreds of addresses (bench:alloc). */
export function inlineAllocator(): Allocator {
  return {
    allocate: async (state) => allocate(state),
    close: async () => undefined,
  };
}

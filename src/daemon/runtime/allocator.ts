// Where the IP allocator runs: inline for small clusters, in a worker thread when the work is big.

import { allocate, AllocResult, AllocState, sameAllocState } from '../../core/ipalloc';

/** Computes the target assignment; async so an implementation may run it off the event loop. */
export interface Allocator {
  allocate(state: AllocState): Promise<AllocResult>;
  /**
   * Gets ready to allocate states like `state` soon, its answer not wanted: a follower calls it
   * because it may lead the next run. Returns false when `state` is too small to tell (ask again
   * with a bigger one). Without it there is nothing to get ready.
   */
  prepare?(state: AllocState): boolean;
  close(): Promise<void>;
}

/** Runs core/ipalloc on the calling thread: fine for hundreds of addresses (bench:alloc). */
export function inlineAllocator(): Allocator {
  return {
    allocate: async (state) => allocate(state),
    close: async () => undefined,
  };
}

/**
 * Answers a state it has seen lately from memory: the allocator is a pure function of
 * its state (sameAllocState), so the leader can allocate while a run is held (a crashed
 * peer's guardian is still deleting) and the run that follows, reading the same view,
 * finds the answer ready. An allocation in progress is shared; a failed one is forgotten.
 * Callers must not change the result (the leader copies the assignment).
 */
export function rememberingAllocator(inner: Allocator, capacity = 4): Allocator {
  /** Most recently used last, so the oldest is dropped first. */
  const answers: { state: AllocState; answer: Promise<AllocResult> }[] = [];
  return {
    allocate(state) {
      const at = answers.findIndex((entry) => sameAllocState(entry.state, state));
      if (at >= 0) {
        const [known] = answers.splice(at, 1);
        answers.push(known);
        return known.answer;
      }
      const entry = { state, answer: inner.allocate(state) };
      answers.push(entry);
      entry.answer.catch(() => {
        const failed = answers.indexOf(entry);
        if (failed >= 0) answers.splice(failed, 1);
      });
      while (answers.length > capacity) answers.shift();
      return entry.answer;
    },
    // Not remembered: the follower's view is not the one a failover will allocate for.
    prepare: inner.prepare && ((state) => inner.prepare?.(state) ?? true),
    close: () => {
      answers.length = 0;
      return inner.close();
    },
  };
}

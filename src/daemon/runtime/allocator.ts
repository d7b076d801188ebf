// Where the IP allocator runs: inline for small clusters, in a worker thread when the work is big.

import { allocate, AllocResult, AllocState, allocStateKey } from '../../core/ipalloc';

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

/**
 * Answers a state it has seen lately from memory: the allocator is a pure function of
 * its state (allocStateKey), so the leader can allocate while a run is held (a crashed
 * peer's guardian is still deleting) and the run that follows, reading the same view,
 * finds the answer ready. An allocation in progress is shared; a failed one is forgotten.
 * Callers must not change the result (the leader copies the assignment).
 */
export function rememberingAllocator(inner: Allocator, capacity = 4): Allocator {
  const answers = new Map<string, Promise<AllocResult>>();
  return {
    allocate(state) {
      const key = allocStateKey(state);
      const known = answers.get(key);
      if (known) {
        // Most recently used last, so the oldest is dropped first.
        answers.delete(key);
        answers.set(key, known);
        return known;
      }
      const answer = inner.allocate(state);
      answers.set(key, answer);
      answer.catch(() => { if (answers.get(key) === answer) answers.delete(key); });
      while (answers.size > capacity) answers.delete(answers.keys().next().value as string);
      return answer;
    },
    close: () => {
      answers.clear();
      return inner.close();
    },
  };
}

// Where the IP allocator runs: inline for small clusters, in a worker thread when the work is big.

import { allocate, AllocResult, AllocState, sameAllocState } from '../../core/ipalloc';

/** Computes the target assignment; async so an implementation may run it off the event loop. */
export interface Allocator {
  allocate(state: AllocState): Promise<AllocResult>;
  /**
   * Gets ready to allocate states like `state` soon, its answer not wanted: a node that may lead
   * a later run calls it (failure-forecast.ts). Returns false when `state` is too small to tell
   * (ask again with a bigger one). Without it there is nothing to get ready.
   */
  prepare?(state: AllocState): boolean;
  /**
   * Allocates `states` in the background, one at a time, and answers them from memory until
   * the next call replaces them: what the next run asks for if one node fails
   * (failure-forecast.ts). Without it nothing is allocated ahead.
   */
  speculate?(states: readonly AllocState[]): void;
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
 * The states given to `speculate` are kept apart from the `capacity` recent ones and
 * allocated one after the other, a turn of the event loop (`nextTurn`) between two, so a
 * run's own allocation waits behind one of them at most.
 * Callers must not change the result (the leader copies the assignment).
 */
export function rememberingAllocator(inner: Allocator, capacity = 4, nextTurn: (then: () => void) => void = (then) => setImmediate(then)): Allocator {
  interface Entry { readonly state: AllocState; answer?: Promise<AllocResult> }
  /** Most recently used last, so the oldest is dropped first. */
  const answers: Required<Entry>[] = [];
  let forecast: Entry[] = [];
  const start = (entry: Entry): Promise<AllocResult> => {
    const answer = inner.allocate(entry.state);
    entry.answer = answer;
    answer.catch(() => {
      // A failed allocation is forgotten, wherever it is kept: asked again, it is tried again.
      if (entry.answer === answer) entry.answer = undefined;
      const failed = answers.findIndex((known) => known.answer === answer);
      if (failed >= 0) answers.splice(failed, 1);
    });
    return answer;
  };
  return {
    allocate(state) {
      const at = answers.findIndex((entry) => sameAllocState(entry.state, state));
      if (at >= 0) {
        const [known] = answers.splice(at, 1);
        answers.push(known);
        return known.answer;
      }
      const foreseen = forecast.find((entry) => sameAllocState(entry.state, state));
      const entry = { state, answer: foreseen?.answer ?? (foreseen ? start(foreseen) : start({ state })) };
      answers.push(entry);
      while (answers.length > capacity) answers.shift();
      return entry.answer;
    },
    // Not remembered: the view as it is now is not the one a failover will allocate for.
    prepare: inner.prepare && ((state) => inner.prepare?.(state) ?? true),
    speculate(states) {
      // A state foreseen before keeps its answer (the view changed elsewhere, or not at all).
      const next = states.map((state) => forecast.find((entry) => sameAllocState(entry.state, state)) ?? { state });
      forecast = next;
      const allocateFrom = (k: number): void => {
        if (forecast !== next || k >= next.length) return;
        // A turn of the event loop between two: an inline allocator's (small states) would hold the loop for all of them.
        const on = (): void => nextTurn(() => allocateFrom(k + 1));
        (next[k].answer ?? start(next[k])).then(on, on);
      };
      allocateFrom(0);
    },
    close: () => {
      answers.length = 0;
      forecast = [];
      return inner.close();
    },
  };
}

// Starts the work of a long batch in chunks, with a turn of the event loop between chunks, and collects every outcome in order.
//
// Starting a thousand address adds in one synchronous loop builds every netlink request
// and every promise in one turn: 333 adds held the main loop 200-600 ms in the failover
// bench (issue 17 asks for at most 50). The work itself still runs concurrently (the
// netlink channel caps what is in flight); only the starting is spread, so timers, the
// peers' frames and the loop-delay budget get their turns in between.

/** What a chunked batch needs of the clock: a later turn of the event loop (setImmediate in the daemon). */
export type NextTurn = (callback: () => void) => void;

/**
 * Items started in one turn of a batch. 64 IPv4/IPv6 adds cost ~5-15 ms on a loaded 2-core
 * machine (--cpu-prof); the netlink channel keeps 64 in flight, so a chunk keeps it full.
 */
export const TAKEOVER_CHUNK = 64;

/**
 * Calls `start` for every item, `chunk` items per turn, in order, and resolves with each
 * item's settled outcome in the items' order (as Promise.allSettled). Each promise gets its
 * handler at once, so a rejection while later chunks wait for their turn is never unhandled;
 * a `start` that throws counts as that item's rejection and the others still run.
 */
export async function settleInChunks<T, R>(items: readonly T[], chunk: number, nextTurn: NextTurn,
  start: (item: T, index: number) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  if (!(Number.isInteger(chunk) && chunk >= 1)) throw new RangeError(`chunk ${chunk}: must be a whole number of 1 or more`);
  const outcomes: Promise<PromiseSettledResult<R>>[] = [];
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % chunk === 0) await new Promise<void>((resolve) => nextTurn(resolve));
    let started: Promise<R>;
    try {
      started = start(items[i], i);
    } catch (error) {
      started = Promise.reject(error);
    }
    outcomes.push(started.then(
      (value): PromiseSettledResult<R> => ({ status: 'fulfilled', value }),
      (reason: unknown): PromiseSettledResult<R> => ({ status: 'rejected', reason }),
    ));
  }
  return Promise.all(outcomes);
}

// Starts the runtime and floatipd's first guardian side by side: the node joins the cluster while its guardian comes up.
//
// The guardian is a process of its own (a node start, ~1 s on a loaded 2-core machine: the
// rejoin bench, docs/benchmarks.md). Started before the runtime, as it was, it delayed the
// join, the first monitor and so the node's share by that much. The safety it gives does not
// need that order: until it is ready the node is unguarded (runtime/guard.ts): it reports
// itself UNHEALTHY, so no run places an address on it, and it refuses TAKE orders meanwhile.

/** The runtime as this start needs it. */
export interface GuardedRuntime {
  guardianStarting(why: string): void;
  setUnguarded(why: string | undefined): void;
  start(): Promise<void>;
}

export const GUARDIAN_STARTING = 'the guardian is starting';

/**
 * Resolves with the guardian once both are up. A guardian that fails to start fails the whole
 * start (after the runtime's own start settled, so the stop that follows finds it whole); the
 * node stays unguarded meanwhile and holds nothing.
 */
export async function startGuardedRuntime<G>(runtime: GuardedRuntime, startGuardian: () => Promise<G>): Promise<G> {
  runtime.guardianStarting(GUARDIAN_STARTING);
  // Guarded as soon as the guardian is ready, not when the runtime's start (its first monitor) ends.
  const guardian = startGuardian().then((keeper) => {
    runtime.setUnguarded(undefined);
    return keeper;
  });
  // Both run; neither failure may go unobserved while the other is awaited.
  const [started, keeper] = await Promise.allSettled([runtime.start(), guardian]);
  if (keeper.status === 'rejected') throw keeper.reason;
  if (started.status === 'rejected') throw started.reason;
  return keeper.value;
}

// The one clock the soak's helper processes stamp with (CLOCK_MONOTONIC), and the offset that puts it on the soak's wall clock.
//
// Each process's `performance.timeOrigin` is its own wall-clock anchor, read once at its start;
// children compared on those anchors are only as aligned as the anchors (tens of ms apart were
// seen, docs/reliability.md). CLOCK_MONOTONIC reads alike in every process of the machine,
// whatever namespace: children stamp with it, the parent adds ONE offset to all of them.

/** CLOCK_MONOTONIC in ms (uv_hrtime). */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** This process's wall time minus CLOCK_MONOTONIC (ms): read once by a parent, added to every child's stamps. */
export const wallMinusMonotonic = (): number => performance.timeOrigin + performance.now() - monotonicMs();

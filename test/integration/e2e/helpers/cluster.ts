// Cluster-level waits for the end-to-end tests: a balanced layout, a node's addresses, the wall clock the samplers use.

import { DaemonLab, holders, waitFor } from '../../daemon/helpers/daemon-lab';

/** Milliseconds since the epoch at sub-ms resolution: the clock of the address sampler and of the clients. */
export const now = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How many of `addresses` each node holds, by pnn. */
export function countsOf(lab: DaemonLab, layout: ReadonlyMap<string, number>): number[] {
  const counts = Array.from({ length: lab.nodes }, () => 0);
  for (const pnn of layout.values()) counts[pnn]++;
  return counts;
}

/** Waits until every address is on exactly one node and the nodes hold equal shares (the LCP2 result for equal addresses). */
export function balanced(lab: DaemonLab, addresses: readonly string[], timeoutMs = 20_000): Promise<Map<string, number>> {
  const share = addresses.length / lab.nodes;
  return waitFor(`every address once, ${share} per node`, () => {
    const layout = holders(lab, addresses);
    return layout && countsOf(lab, layout).every((c) => c === share) ? layout : undefined;
  }, timeoutMs, 50);
}

/** Waits until every address is on exactly one node and none on `absent`. */
export function hostedWithout(lab: DaemonLab, addresses: readonly string[], absent: number, timeoutMs = 10_000): Promise<Map<string, number>> {
  return waitFor(`every address once, none on node ${absent}`, () => {
    const layout = holders(lab, addresses);
    return layout && ![...layout.values()].includes(absent) && lab.kernelAddresses()[absent].length === 0 ? layout : undefined;
  }, timeoutMs, 20);
}

export function addressesOf(layout: ReadonlyMap<string, number>, pnn: number): string[] {
  return [...layout].filter(([, holder]) => holder === pnn).map(([address]) => address);
}

/** Rejects after `ms` with a message naming `what`, so a promise that never settles fails the test readably. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Comparisons of ordered lists (node sets, address lists), shared by the membership view, quorum and the heartbeat sender.

/** True when both lists hold the same items in the same order (for ascending node lists: the same nodes). */
export function sameInOrder<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

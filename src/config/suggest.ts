// "Did you mean" for misspelt keys: the closest known name by edit distance.

/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The candidate closest to `name`, if it is close enough to be a typo: at most a
 * third of the name's length in edits (at least 1, so `prot` finds `port`), or
 * the same words in another order or case (`interval_heartbeat`, `Port`).
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const normal = (s: string): string => s.toLowerCase().split(/[_-]/).sort().join('_');
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = normal(candidate) === normal(name) ? 0 : editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

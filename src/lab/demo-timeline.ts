// What the demo saw, as pure data: kernel address changes per node, who answered the client, and what they add up to.
//
// Two independent witnesses: `ip monitor` in every node namespace tells when
// an address was added to or deleted from a kernel (the truth about "on two
// nodes at once"), and the client tells when it reached an address and which
// node answered (the truth about "reachable again"). Times are wall-clock
// milliseconds (fractions allowed) taken where the event was seen.

/** One kernel change in a node namespace. */
export interface AddressEvent {
  readonly t: number;
  readonly node: number;
  readonly address: string;
  readonly present: boolean;
}

/** One change of who answers the client on an address: a node number, or null while attempts fail. */
export interface ReachEvent {
  readonly t: number;
  readonly address: string;
  readonly node: number | null;
}

/** An address on a node from `from` to `to` (Infinity: still there). */
export interface Presence {
  readonly node: number;
  readonly address: string;
  readonly from: number;
  readonly to: number;
}

export interface Overlap {
  readonly address: string;
  readonly nodes: readonly [number, number];
  readonly from: number;
  readonly to: number;
}

/** One `ip -ts -o monitor address` line (run with TZ=UTC) as an event, or undefined for any other line. */
export function parseMonitorLine(line: string, node: number): AddressEvent | undefined {
  const match = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{1,6})\]\s+(Deleted\s+)?\d+:\s+\S+\s+inet6?\s+([0-9a-fA-F.:]+)\/\d+/.exec(line);
  if (match === null) return undefined;
  const [, seconds, fraction, deleted, address] = match;
  const t = Date.parse(`${seconds}Z`) + Number(`0.${fraction}`) * 1000;
  return { t, node, address: address.toLowerCase(), present: deleted === undefined };
}

/**
 * Every stretch of time each address was on each node, from a snapshot begun at
 * `since` and finished at `snapshotDone` (address -> nodes holding it; the nodes are
 * asked one after another) and the events after `since`. Repeated adds and deletes of
 * what is already so are ignored: the snapshot and the first events may see the same
 * change. An address the snapshot lists whose first event is an add before
 * `snapshotDone` was added while the snapshot was being taken: it counts from that add,
 * not from `since` (else a move between two nodes during the snapshot looks like both
 * held it from `since`).
 */
export function presences(
  snapshot: ReadonlyMap<string, readonly number[]>, since: number, events: readonly AddressEvent[], snapshotDone = since,
): Presence[] {
  const open = new Map<string, number>();
  const key = (node: number, address: string): string => `${node} ${address}`;
  for (const [address, nodes] of snapshot) for (const node of nodes) open.set(key(node, address), since);
  const fromSnapshot = new Set(open.keys());
  const out: Presence[] = [];
  for (const event of [...events].filter((e) => e.t > since).sort((a, b) => a.t - b.t)) {
    const k = key(event.node, event.address);
    const first = fromSnapshot.delete(k);
    if (first && event.present && event.t <= snapshotDone) {
      open.set(k, event.t);
      continue;
    }
    const from = open.get(k);
    if (event.present && from === undefined) open.set(k, event.t);
    if (!event.present && from !== undefined) {
      out.push({ node: event.node, address: event.address, from, to: event.t });
      open.delete(k);
    }
  }
  for (const [k, from] of open) {
    const [node, address] = k.split(' ');
    out.push({ node: Number(node), address, from, to: Infinity });
  }
  return out;
}

/** Every stretch during which one address was on two nodes at once. */
export function overlaps(all: readonly Presence[]): Overlap[] {
  const found: Overlap[] = [];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i];
      const b = all[j];
      if (a.address !== b.address || a.node === b.node) continue;
      const from = Math.max(a.from, b.from);
      const to = Math.min(a.to, b.to);
      if (from < to) found.push({ address: a.address, nodes: [Math.min(a.node, b.node), Math.max(a.node, b.node)], from, to });
    }
  }
  return found;
}

/** The nodes holding each address at time `t`. */
export function holdersAt(all: readonly Presence[], addresses: readonly string[], t: number): Map<string, number[]> {
  const out = new Map<string, number[]>(addresses.map((a) => [a, []]));
  for (const p of all) if (p.from <= t && t < p.to) out.get(p.address)?.push(p.node);
  for (const nodes of out.values()) nodes.sort((x, y) => x - y);
  return out;
}

/** The node answering the client on each address at time `t` (null: failing, undefined: no answer yet). */
export function answeringAt(events: readonly ReachEvent[], t: number): Map<string, number | null> {
  const out = new Map<string, number | null>();
  for (const e of [...events].sort((a, b) => a.t - b.t)) if (e.t <= t) out.set(e.address, e.node);
  return out;
}

/** What happened to one address between two moments (a fault or a heal, and the settled state after it). */
export interface Move {
  readonly address: string;
  readonly from: number | null;
  /** The node holding it at the end; null when no node or several did. */
  readonly to: number | null;
  /** From the start: deleted on the old node, added on the new one, first answer from the new one; undefined when not seen. */
  readonly goneMs: number | undefined;
  readonly addedMs: number | undefined;
  readonly reachedMs: number | undefined;
}

export interface PhaseInput {
  readonly addresses: readonly string[];
  /** When the fault or heal was made. */
  readonly start: number;
  /** When the phase was judged settled. */
  readonly end: number;
  readonly presences: readonly Presence[];
  readonly reach: readonly ReachEvent[];
}

function firstAfter<T extends { t: number }>(items: readonly T[], after: number, match: (item: T) => boolean): number | undefined {
  return items.filter((i) => i.t > after && match(i)).map((i) => i.t).sort((a, b) => a - b)[0];
}

/**
 * The addresses whose holder changed between `start` and `end`, with the
 * times of each step from `start`. "Reached" means the client got an answer
 * from the new holder, so an old holder still answering does not count.
 */
export function movesIn(input: PhaseInput): Move[] {
  const before = holdersAt(input.presences, input.addresses, input.start);
  const after = holdersAt(input.presences, input.addresses, input.end);
  const moves: Move[] = [];
  for (const address of input.addresses) {
    const was = before.get(address) ?? [];
    const now = after.get(address) ?? [];
    const from = was.length === 1 ? was[0] : null;
    const to = now.length === 1 ? now[0] : null;
    if (from === to && to !== null) continue;
    const since = (t: number | undefined): number | undefined => (t === undefined ? undefined : t - input.start);
    const gone = from === null ? undefined
      : input.presences.filter((p) => p.address === address && p.node === from && p.to > input.start && p.to !== Infinity)
        .map((p) => p.to).sort((a, b) => a - b)[0];
    const added = to === null ? undefined
      : input.presences.filter((p) => p.address === address && p.node === to && p.from > input.start).map((p) => p.from).sort((a, b) => a - b)[0];
    const reached = to === null ? undefined : firstAfter(input.reach, input.start, (e) => e.address === address && e.node === to);
    moves.push({ address, from, to, goneMs: since(gone), addedMs: since(added), reachedMs: since(reached) });
  }
  return moves;
}

/**
 * Whether every address is on exactly one node that the client reaches it
 * through, at time `t`, with none on `avoid` (the failed node). Addresses
 * whose holder changed since `since` must have answered from the new holder
 * after `since`, so a stale answer from before the fault does not count.
 */
export function settled(
  addresses: readonly string[], all: readonly Presence[], reach: readonly ReachEvent[], t: number, since: number, avoid?: number,
): boolean {
  const holders = holdersAt(all, addresses, t);
  const answering = answeringAt(reach, t);
  const before = holdersAt(all, addresses, since);
  return addresses.every((address) => {
    const on = holders.get(address) ?? [];
    if (on.length !== 1 || on[0] === avoid || answering.get(address) !== on[0]) return false;
    const moved = (before.get(address) ?? []).join() !== on.join();
    return !moved || firstAfter(reach, since, (e) => e.address === address && e.node === on[0]) !== undefined;
  });
}

/** The node holding the most addresses at `t` (ties: the lowest number). */
export function busiestNode(all: readonly Presence[], addresses: readonly string[], nodes: number, t: number): number {
  const counts = Array.from({ length: nodes }, () => 0);
  for (const on of holdersAt(all, addresses, t).values()) for (const node of on) counts[node] += 1;
  return counts.indexOf(Math.max(...counts));
}

// When the soak's cluster operations run and on which nodes: planned stop of half, rolling restart, even split, one-way cut at a tie (pure).
//
// These are what an admin or a switch does to half of the cluster or all of it at once
// (issue 13), far beyond the minority the random faults keep to, and each is judged by
// its own promise (operation-judge.ts). So an operation runs alone: it gets a window no
// random fault touches (schedule.ts drops the random steps that would overlap one), and
// windows follow each other with a stretch of random faults between them. The kinds take
// turns in a seeded order, so a 10-minute soak runs every kind that applies more than
// once. The two split kinds need an even node count: they are about the tie.

import { SeededRandom } from './prng';

export const OPERATION_KINDS = ['stop-half', 'rolling-restart', 'even-split', 'one-way-tie'] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export function isOperationDetail(detail: { readonly kind: string }): detail is OperationDetail {
  return (OPERATION_KINDS as readonly string[]).includes(detail.kind);
}

/** Two halves of the nodes; `sides[0]` holds the lowest-numbered node, so it is the side the tie-breaker keeps. */
export type Sides = readonly [readonly number[], readonly number[]];

export type OperationDetail =
  /** `stopped` get SIGTERM at once (a planned stop: they leave), and are started again at the end. */
  | { readonly kind: 'stop-half'; readonly stopped: readonly number[] }
  /** Each node in `order`: stop, start, `floatip wait-ok`, then the next. */
  | { readonly kind: 'rolling-restart'; readonly order: readonly number[] }
  /** The private network splits into the two sides. */
  | { readonly kind: 'even-split'; readonly sides: Sides }
  /** Private frames from every node of `sides[from]` to every node of the other side are dropped; the reverse flows. */
  | { readonly kind: 'one-way-tie'; readonly sides: Sides; readonly from: 0 | 1 };

export interface OperationWindow {
  readonly at: number;
  readonly durationMs: number;
  readonly kind: OperationKind;
  readonly detail: OperationDetail;
}

/** How long a stop, a split or a cut lasts, ms: some end before dead_after-driven moves settle, some long after. */
const HELD_MS: readonly [number, number] = [4000, 12_000];
/**
 * A rolling restart's window per node: a SIGTERM, a start and a wait-ok take seconds each
 * on a loaded machine; the window only keeps random faults away, the roll itself takes what it takes.
 */
export const ROLL_BUDGET_PER_NODE_MS = 12_000;
/** After an operation: time for the cluster to be whole again before random faults resume. */
export const OPERATION_RECOVERY_MS = 5000;
/** Random faults between two operations, ms. */
const BETWEEN_MS: readonly [number, number] = [20_000, 40_000];
/** Before the first operation, ms. */
const FIRST_MS: readonly [number, number] = [10_000, 30_000];

/** The operation kinds that apply to `nodes`: splits need a tie (an even count), anything needs two nodes. */
export function operationKindsFor(nodes: number, asked: readonly string[]): OperationKind[] {
  return OPERATION_KINDS.filter((kind) => asked.includes(kind) && nodes >= 2 && (nodes % 2 === 0 || !isSplit(kind)));
}

function isSplit(kind: OperationKind): boolean {
  return kind === 'even-split' || kind === 'one-way-tie';
}

/** Random halves of `nodes` nodes; the side with node 0 first. */
function halves(random: SeededRandom, nodes: number): Sides {
  const all = Array.from({ length: nodes }, (_, pnn) => pnn);
  const one = random.sample(all, nodes / 2).sort((a, b) => a - b);
  const other = all.filter((pnn) => !one.includes(pnn));
  return one.includes(0) ? [one, other] : [other, one];
}

/** The operation windows for a soak of `durationMs` ending with `quietTailMs` of no fault; none when no kind applies. */
export function planOperations(random: SeededRandom, nodes: number, kinds: readonly OperationKind[], durationMs: number, quietTailMs: number): OperationWindow[] {
  const windows: OperationWindow[] = [];
  if (kinds.length === 0) return windows;
  const all = Array.from({ length: nodes }, (_, pnn) => pnn);
  // Turns: every kind once in a seeded order, then again in another.
  let turn: OperationKind[] = [];
  for (let at = random.int(...FIRST_MS); ; at += random.int(...BETWEEN_MS)) {
    if (turn.length === 0) turn = random.sample(kinds, kinds.length);
    const kind = turn[0];
    let detail: OperationDetail;
    let length = random.int(...HELD_MS);
    switch (kind) {
      case 'stop-half':
        detail = { kind, stopped: random.sample(all, Math.floor(nodes / 2)).sort((a, b) => a - b) };
        break;
      case 'rolling-restart':
        detail = { kind, order: random.sample(all, nodes) };
        length = nodes * ROLL_BUDGET_PER_NODE_MS;
        break;
      case 'even-split':
        detail = { kind, sides: halves(random, nodes) };
        break;
      case 'one-way-tie':
        detail = { kind, sides: halves(random, nodes), from: random.pick([0, 1] as const) };
        break;
    }
    if (at + length > durationMs - quietTailMs) return windows;
    turn.shift();
    windows.push({ at, durationMs: length, kind, detail });
    at += length + OPERATION_RECOVERY_MS;
  }
}

/** The nodes an operation acts on (for the schedule's `nodes`). */
export function operationNodes(detail: OperationDetail): number[] {
  switch (detail.kind) {
    case 'stop-half': return [...detail.stopped];
    case 'rolling-restart': return [...detail.order].sort((a, b) => a - b);
    case 'even-split':
    case 'one-way-tie': return [...detail.sides[0], ...detail.sides[1]].sort((a, b) => a - b);
  }
}

export function describeOperation(detail: OperationDetail): string {
  switch (detail.kind) {
    case 'stop-half': return `planned stop of nodes ${detail.stopped.join(',')} (SIGTERM at once), then start again`;
    case 'rolling-restart': return `rolling restart in the order ${detail.order.join(',')} (stop, start, floatip wait-ok, next)`;
    case 'even-split': return `even split ${detail.sides[0].join(',')} | ${detail.sides[1].join(',')} (tie side ${detail.sides[0].join(',')})`;
    case 'one-way-tie': {
      const [from, to] = detail.from === 0 ? detail.sides : [detail.sides[1], detail.sides[0]];
      return `one-way cut at a tie: ${from.join(',')} -> ${to.join(',')} dropped (tie side ${detail.sides[0].join(',')})`;
    }
  }
}

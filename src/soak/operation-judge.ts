// Judges each cluster operation of the soak by what issue 13 promises for it (pure).
//
// - every operation: no address on two nodes during it;
// - planned stop of half and rolling restart: no moment with every address unserved
//   (measured from the address sampler's gaps), and for the stop the nodes left running
//   keep quorum (a planned leave lowers the expected votes);
// - even split: only the tie side (the half with the lowest-numbered node) is ever
//   quorate, it stays quorate, and it keeps serving (no moment with every address unserved);
// - one-way cut at a tie: never both halves quorate.
// "A side is quorate" means one of its nodes says it is quorate in a partition within its
// side: a node that has not noticed the cut yet still reports the old, whole view, and
// that stale view is measured apart (cross_view_max_ms), not taken for a second quorum.

import type { OperationDetail, OperationKind, Sides } from './operation-schedule';
import type { Gap, Overlap } from './timeline';

/** What one node said in one poll round (nodes that did not answer are absent). */
export interface NodeQuorum {
  readonly pnn: number;
  readonly quorate: boolean;
  readonly partition: readonly number[];
}

export interface QuorumRound {
  readonly t: number;
  readonly nodes: readonly NodeQuorum[];
}

/** One `floatip wait-ok` of a rolling restart. */
export interface WaitOkResult {
  readonly node: number;
  readonly exitCode: number | null;
  readonly ms: number;
  readonly output: string;
}

/** What the injector saw of one operation: from its start to the end of its heal (nodes back in a quorate cluster). */
export interface OperationRecord {
  readonly step: number;
  readonly kind: OperationKind;
  readonly detail: OperationDetail;
  readonly from: number;
  readonly to: number;
  readonly rounds: readonly QuorumRound[];
  readonly waitOk: readonly WaitOkResult[];
}

export interface Stretch {
  readonly from: number;
  readonly to: number;
}

export interface QuorumFigures {
  readonly rounds: number;
  /** Rounds in which both halves had a quorate node seeing only its own half: must be 0. */
  readonly both_sides_quorate_rounds: number;
  /** Rounds in which the half without the tie-breaker was quorate: must be 0. */
  readonly other_side_quorate_rounds: number;
  /** Rounds, after the tie side saw the split, in which one of its nodes was not quorate. */
  readonly tie_side_not_quorate_rounds: number;
  /** Longest run of rounds in which a quorate node still counted a node of the other half in its partition. */
  readonly cross_view_max_ms: number;
}

export interface OperationVerdict {
  readonly step: number;
  readonly kind: OperationKind;
  readonly window_ms: number;
  readonly duplicates: number;
  readonly all_unserved_stretches: number;
  readonly longest_all_unserved_ms: number;
  readonly quorum: QuorumFigures | null;
  /** Stop of half: rounds in which a node left running was not quorate: must be 0. */
  readonly survivors_not_quorate_rounds: number | null;
  readonly wait_ok: readonly { readonly node: number; readonly exit: number | null; readonly ms: number }[];
  /** What broke a promise, in words; empty when the operation kept every one. */
  readonly failures: readonly string[];
}

const round1 = (ms: number): number => Math.round(ms * 10) / 10;

function intersect(a: readonly Stretch[], b: readonly Stretch[]): Stretch[] {
  const out: Stretch[] = [];
  for (const x of a) {
    for (const y of b) {
      const from = Math.max(x.from, y.from);
      const to = Math.min(x.to, y.to);
      if (to > from) out.push({ from, to });
    }
  }
  return out.sort((p, q) => p.from - q.from);
}

/** The stretches inside [from, to] during which every one of `addresses` was unserved at once. */
export function allUnservedStretches(gaps: readonly Gap[], addresses: readonly string[], from: number, to: number): Stretch[] {
  if (addresses.length === 0 || to <= from) return [];
  let covered: Stretch[] = [{ from, to }];
  for (const address of addresses) {
    const own = gaps.filter((g) => g.address === address).map((g) => ({ from: g.from, to: g.to }));
    covered = intersect(covered, own);
    if (covered.length === 0) return [];
  }
  return covered;
}

const within = (partition: readonly number[], side: readonly number[]): boolean => partition.every((pnn) => side.includes(pnn));

/** Whether a node of `side` says it is quorate in a partition within `side`. */
export function sideQuorate(round: QuorumRound, side: readonly number[]): boolean {
  return round.nodes.some((n) => side.includes(n.pnn) && n.quorate && within(n.partition, side));
}

export function judgeSplitQuorum(rounds: readonly QuorumRound[], sides: Sides): QuorumFigures {
  const [tie, other] = sides;
  let both = 0;
  let otherQuorate = 0;
  let tieLost = 0;
  let tieSawSplit = false;
  let crossSince: number | undefined;
  let crossMax = 0;
  for (const r of rounds) {
    const tieQ = sideQuorate(r, tie);
    const otherQ = sideQuorate(r, other);
    if (tieQ && otherQ) both++;
    if (otherQ) otherQuorate++;
    tieSawSplit ||= r.nodes.some((n) => tie.includes(n.pnn) && within(n.partition, tie));
    if (tieSawSplit && r.nodes.some((n) => tie.includes(n.pnn) && !n.quorate)) tieLost++;
    const cross = r.nodes.some((n) => n.quorate && !within(n.partition, tie.includes(n.pnn) ? tie : other));
    if (cross) {
      crossSince ??= r.t;
      crossMax = Math.max(crossMax, r.t - crossSince);
    } else {
      crossSince = undefined;
    }
  }
  return {
    rounds: rounds.length, both_sides_quorate_rounds: both, other_side_quorate_rounds: otherQuorate,
    tie_side_not_quorate_rounds: tieLost, cross_view_max_ms: round1(crossMax),
  };
}

/** The verdict on one operation, from its record and the sampler's gaps and overlaps over the whole soak. */
export function judgeOperation(record: OperationRecord, gaps: readonly Gap[], overlaps: readonly Overlap[], addresses: readonly string[]): OperationVerdict {
  const failures: string[] = [];
  const duplicates = overlaps.filter((o) => o.from >= record.from && o.from <= record.to).length;
  if (duplicates > 0) failures.push(`${duplicates} address(es) on two nodes`);
  const stretches = allUnservedStretches(gaps, addresses, record.from, record.to);
  const longest = Math.max(0, ...stretches.map((s) => s.to - s.from));
  const d = record.detail;
  let quorum: QuorumFigures | null = null;
  let survivorsLost: number | null = null;
  if (d.kind === 'even-split' || d.kind === 'one-way-tie') {
    quorum = judgeSplitQuorum(record.rounds, d.sides);
    if (quorum.both_sides_quorate_rounds > 0) failures.push(`both halves quorate in ${quorum.both_sides_quorate_rounds} round(s)`);
    if (quorum.other_side_quorate_rounds > 0) failures.push(`the half without the tie-breaker quorate in ${quorum.other_side_quorate_rounds} round(s)`);
  }
  if (d.kind === 'even-split') {
    if ((quorum as QuorumFigures).tie_side_not_quorate_rounds > 0) {
      failures.push(`the tie side lost quorum in ${(quorum as QuorumFigures).tie_side_not_quorate_rounds} round(s)`);
    }
    if (longest > 0) failures.push(`every address unserved for ${round1(longest)} ms while the tie side held quorum`);
  }
  if (d.kind === 'stop-half' || d.kind === 'rolling-restart') {
    if (longest > 0) failures.push(`every address unserved at once for ${round1(longest)} ms (${stretches.length} stretch(es))`);
  }
  if (d.kind === 'stop-half') {
    const stopped = d.stopped;
    survivorsLost = record.rounds.filter((r) => r.nodes.some((n) => !stopped.includes(n.pnn) && !n.quorate)).length;
    if (survivorsLost > 0) failures.push(`a node left running was not quorate in ${survivorsLost} round(s)`);
  }
  for (const w of record.waitOk) if (w.exitCode !== 0) failures.push(`floatip wait-ok on node ${w.node} exited ${w.exitCode}: ${w.output.trim()}`);
  return {
    step: record.step, kind: record.kind, window_ms: Math.round(record.to - record.from), duplicates,
    all_unserved_stretches: stretches.length, longest_all_unserved_ms: round1(longest), quorum,
    survivors_not_quorate_rounds: survivorsLost,
    wait_ok: record.waitOk.map((w) => ({ node: w.node, exit: w.exitCode, ms: Math.round(w.ms) })),
    failures,
  };
}

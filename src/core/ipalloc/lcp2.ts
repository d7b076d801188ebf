// LCP2 placement (CTDB's ipalloc_lcp2.c): addresses that share long key prefixes are spread over
// different nodes, by greedy lowest-cost assignment and then imbalance-reducing failback moves.

import { NO_NODE, Pnn } from '../flags';
import { keyDistance } from './distance';
import { WorkingSet, canNodeTakeover, setHolder, unassignUnsuitable } from './working-set';

/**
 * Incremental form of CTDB's LCP2. CTDB recomputes `ip_distance_2_sum` (the sum of squared
 * distances from an address to every address on a node) from scratch inside every loop; here it is
 * a cache `dsum[i * N + pnn]`, updated whenever an address changes node. Every comparison, every
 * loop order and every uint32_t wrap is CTDB's, so results are identical.
 */
interface Lcp2Run {
  readonly ws: WorkingSet;
  /** dsum[i * N + pnn]: sum over addresses j != i held by pnn of distance(i, j)^2 (uint32). */
  readonly dsum: Uint32Array;
  /** Per-node imbalance, uint32 like CTDB's lcp2_imbalances. */
  readonly imbalance: Uint32Array;
  /** Nodes that may receive addresses in the failback step. */
  readonly rebalanceTarget: Uint8Array;
}

function startRun(ws: WorkingSet, forceRebalance: readonly Pnn[]): Lcp2Run {
  const n = ws.nodeCount;
  const dsum = new Uint32Array(ws.count * n);
  const imbalance = new Uint32Array(n);
  const { keys, holder } = ws;
  for (let i = 0; i < ws.count; i++) {
    const pi = holder[i];
    for (let j = i + 1; j < ws.count; j++) {
      const pj = holder[j];
      if (pi === NO_NODE && pj === NO_NODE) continue;
      const d = keyDistance(keys, i, j);
      const d2 = d * d;
      if (pj !== NO_NODE) dsum[i * n + pj] += d2;
      if (pi !== NO_NODE) dsum[j * n + pi] += d2;
      if (pi === pj) imbalance[pi] += d2;
    }
  }
  // A node holding nothing must have been unhealthy or new: only such nodes receive addresses by
  // failback, so that a healthy cluster is not reshuffled for a small gain (CTDB's lcp2_init).
  const rebalanceTarget = new Uint8Array(n).fill(1);
  for (let i = 0; i < ws.count; i++) if (holder[i] !== NO_NODE) rebalanceTarget[holder[i]] = 0;
  for (const pnn of forceRebalance) if (Number.isInteger(pnn) && pnn >= 0 && pnn < n) rebalanceTarget[pnn] = 1;
  return { ws, dsum, imbalance, rebalanceTarget };
}

/** Moves address `moved` from `from` to `to` (either may be NO_NODE) and keeps dsum in step. */
function moveAddress(run: Lcp2Run, moved: number, from: Pnn, to: Pnn): void {
  const { ws, dsum } = run;
  const n = ws.nodeCount;
  for (let j = 0; j < ws.count; j++) {
    if (j === moved) continue;
    const d = keyDistance(ws.keys, moved, j);
    const d2 = d * d;
    if (from !== NO_NODE) dsum[j * n + from] -= d2;
    if (to !== NO_NODE) dsum[j * n + to] += d2;
  }
  setHolder(ws, moved, to);
}

/**
 * The unassigned addresses node `pnn` may take, as a binary min-heap ordered by (dsum towards
 * pnn, address index): its top is the address CTDB's scan would meet first with the lowest dsum
 * for that node. Entries for addresses assigned meanwhile are skipped lazily.
 */
class ColumnHeap {
  private readonly items: Int32Array;
  private size = 0;

  constructor(capacity: number, private readonly dsum: Uint32Array, private readonly nodeCount: number, private readonly pnn: Pnn) {
    this.items = new Int32Array(capacity);
  }

  private less(a: number, b: number): boolean {
    const da = this.dsum[a * this.nodeCount + this.pnn];
    const db = this.dsum[b * this.nodeCount + this.pnn];
    return da < db || (da === db && a < b);
  }

  private siftDown(from: number): void {
    const { items } = this;
    let at = from;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= this.size) return;
      const right = left + 1;
      const child = right < this.size && this.less(items[right], items[left]) ? right : left;
      if (!this.less(items[child], items[at])) return;
      const t = items[at];
      items[at] = items[child];
      items[child] = t;
      at = child;
    }
  }

  /** Refills the heap from `members` (dsum towards pnn changed for all of them). */
  rebuild(members: readonly number[], isMember: Uint8Array): void {
    this.size = 0;
    for (const i of members) if (isMember[i] === 1) this.items[this.size++] = i;
    for (let k = (this.size >> 1) - 1; k >= 0; k--) this.siftDown(k);
  }

  /** The best still-pending address, or -1. */
  top(pending: Uint8Array): number {
    while (this.size > 0 && pending[this.items[0]] === 0) {
      this.items[0] = this.items[--this.size];
      this.siftDown(0);
    }
    return this.size > 0 ? this.items[0] : -1;
  }
}

/**
 * CTDB's lcp2_allocate_unassigned: repeatedly take, over all (unassigned address, node) pairs in
 * address order then node order, the first pair with the lowest dsum, and assign it. That pair is
 * the least (dsum, address, node) triple, found here from one heap per node: assigning to node p
 * only changes dsum towards p, so only p's heap is rebuilt.
 */
function allocateUnassigned(run: Lcp2Run): void {
  const { ws, imbalance, dsum } = run;
  const n = ws.nodeCount;
  const pending = new Uint8Array(ws.count);
  const candidates: number[][] = Array.from({ length: n }, () => []);
  const takeable: Uint8Array[] = Array.from({ length: n }, () => new Uint8Array(ws.count));
  let left = 0;
  for (let i = 0; i < ws.count; i++) {
    if (ws.holder[i] !== NO_NODE) continue;
    let any = false;
    for (let pnn = 0; pnn < n; pnn++) {
      if (!canNodeTakeover(ws, pnn, i)) continue;
      candidates[pnn].push(i);
      takeable[pnn][i] = 1;
      any = true;
    }
    if (any) { pending[i] = 1; left++; }
  }
  const heaps = candidates.map((members, pnn) => {
    const heap = new ColumnHeap(members.length, dsum, n, pnn);
    heap.rebuild(members, takeable[pnn]);
    return heap;
  });
  while (left > 0) {
    let pick = -1;
    let pickNode = NO_NODE;
    let pickSum = 0;
    for (let pnn = 0; pnn < n; pnn++) {
      const i = heaps[pnn].top(pending);
      if (i < 0) continue;
      const s = dsum[i * n + pnn];
      if (pick < 0 || s < pickSum || (s === pickSum && i < pick)) { pick = i; pickNode = pnn; pickSum = s; }
    }
    imbalance[pickNode] += pickSum;
    pending[pick] = 0;
    left--;
    for (let pnn = 0; pnn < n; pnn++) takeable[pnn][pick] = 0;
    moveAddress(run, pick, NO_NODE, pickNode);
    heaps[pickNode].rebuild(candidates[pickNode], takeable[pickNode]);
  }
}

/**
 * CTDB's lcp2_failback_candidate: the best move of one address away from `src` to a rebalance
 * target. A move counts only when the target's new imbalance stays below src's current imbalance
 * and the address costs the target less than it costs src; among those, the lowest sum of the two
 * new imbalances wins (first one on ties). Returns true when a move was made.
 */
function moveOneFrom(run: Lcp2Run, src: Pnn): boolean {
  const { ws, dsum, imbalance, rebalanceTarget } = run;
  const n = ws.nodeCount;
  const srcImbalance = imbalance[src];
  let bestAddr = -1;
  let bestDst = NO_NODE;
  let bestSrcImbl = 0;
  let bestDstImbl = 0;
  for (let i = 0; i < ws.count; i++) {
    if (ws.holder[i] !== src) continue;
    const srcDsum = dsum[i * n + src];
    const srcImbl = (srcImbalance - srcDsum) >>> 0;
    for (let dst = 0; dst < n; dst++) {
      if (rebalanceTarget[dst] === 0 || !canNodeTakeover(ws, dst, i)) continue;
      const dstDsum = dsum[i * n + dst];
      const dstImbl = (imbalance[dst] + dstDsum) >>> 0;
      if (
        dstImbl < srcImbalance &&
        dstDsum < srcDsum &&
        (bestDst === NO_NODE || ((srcImbl + dstImbl) >>> 0) < ((bestSrcImbl + bestDstImbl) >>> 0))
      ) {
        bestAddr = i;
        bestDst = dst;
        bestSrcImbl = srcImbl;
        bestDstImbl = dstImbl;
      }
    }
  }
  if (bestDst === NO_NODE) return false;
  imbalance[src] = bestSrcImbl;
  imbalance[bestDst] = bestDstImbl;
  moveAddress(run, bestAddr, src, bestDst);
  return true;
}

/**
 * CTDB's lcp2_failback: try the nodes from most to least imbalanced (a stable sort, as glibc's
 * qsort is in practice) until one gives up an address; repeat until none can. A node with zero
 * imbalance (at most one address) ends the search.
 */
function failback(run: Lcp2Run): void {
  const nodes = Array.from({ length: run.ws.nodeCount }, (_, pnn) => pnn);
  for (;;) {
    const order = [...nodes].sort((a, b) => run.imbalance[b] - run.imbalance[a]);
    let moved = false;
    for (const src of order) {
      if (run.imbalance[src] === 0) break;
      if (moveOneFrom(run, src)) { moved = true; break; }
    }
    if (!moved) return;
  }
}

export function allocateLcp2(ws: WorkingSet, noIpFailback: boolean, forceRebalance: readonly Pnn[] = []): void {
  unassignUnsuitable(ws);
  const run = startRun(ws, forceRebalance);
  allocateUnassigned(run);
  if (noIpFailback) return;
  if (!run.rebalanceTarget.some((t) => t === 1)) return;
  failback(run);
}

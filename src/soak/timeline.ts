// Judges sampled address timelines (pure): where each address was, when it was on two nodes, when on none.
//
// The sampler reports, per node, each sample at which the node's set of addresses
// changed (`t`) and the time of the sample before (`before`). An address is counted
// present from the first sample that saw it to the last sample that still did, so a
// presence is never longer than the truth, and a gap (no node holds it) never shorter
// than the truth minus one sample period on each side. Presence and Overlap are the demo's
// types (src/lab/demo-timeline.ts); here `to` = Infinity means the address is still there.

import type { Overlap, Presence } from '../lab/demo-timeline';

export type { Overlap, Presence };

/** One sample where a node's set changed: at `t` it held `addresses`; the sample before was at `before`. */
export interface SampleChange {
  readonly t: number;
  readonly before: number;
  readonly addresses: readonly string[];
}

/** A sampler child's line: `t` and `before` in CLOCK_MONOTONIC ms (src/soak/sampler-child.ts). */
export type MonotonicSample = SampleChange;

/**
 * A child's sample on the wall clock, by ONE offset (wall - monotonic) that the parent
 * reads once and applies to every child: the nodes' timelines are then comparable to
 * the sampling precision, whatever each child's own wall-clock anchor says.
 */
export function onSharedClock(sample: MonotonicSample, wallMinusMonotonic: number): SampleChange {
  return { t: sample.t + wallMinusMonotonic, before: sample.before + wallMinusMonotonic, addresses: sample.addresses };
}

/** The largest distance (ms) between the children's own wall anchors and the parent's: what stamping on them would have shifted a timeline by. */
export function anchorSkewMs(childAnchors: readonly number[], parentAnchor: number): number {
  return childAnchors.reduce((worst, anchor) => Math.max(worst, Math.abs(anchor - parentAnchor)), 0);
}

/** A stretch an address was on no node. */
export interface Gap {
  readonly address: string;
  readonly from: number;
  readonly to: number;
}

/** Every stretch of time an address was on a node; `changes[node]` in time order. */
export function presencesOf(changes: readonly (readonly SampleChange[])[]): Presence[] {
  const out: Presence[] = [];
  changes.forEach((list, node) => {
    const since = new Map<string, number>();
    for (const change of list) {
      const present = new Set(change.addresses);
      for (const [address, from] of since) {
        if (!present.has(address)) {
          out.push({ node, address, from, to: change.before });
          since.delete(address);
        }
      }
      for (const address of present) if (!since.has(address)) since.set(address, change.t);
    }
    for (const [address, from] of since) out.push({ node, address, from, to: Infinity });
  });
  return out;
}

function byAddress(presences: readonly Presence[]): Map<string, Presence[]> {
  const grouped = new Map<string, Presence[]>();
  for (const p of presences) grouped.set(p.address, [...(grouped.get(p.address) ?? []), p]);
  return grouped;
}

/** Every stretch during which one address was seen on two nodes. */
export function overlapsOf(presences: readonly Presence[]): Overlap[] {
  const found: Overlap[] = [];
  for (const list of byAddress(presences).values()) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i];
        const b = list[j];
        if (a.node === b.node || a.from > b.to || b.from > a.to) continue;
        const [low, high] = a.node < b.node ? [a.node, b.node] : [b.node, a.node];
        found.push({ address: a.address, nodes: [low, high], from: Math.max(a.from, b.from), to: Math.min(a.to, b.to) });
      }
    }
  }
  return found.sort((x, y) => x.from - y.from);
}

/**
 * The stretches inside [start, end] during which `address` was on no node. Before
 * the address was first seen at all it is not counted (the cluster was starting).
 */
export function gapsOf(presences: readonly Presence[], addresses: readonly string[], start: number, end: number): Gap[] {
  const grouped = byAddress(presences);
  const gaps: Gap[] = [];
  for (const address of addresses) {
    const list = [...(grouped.get(address) ?? [])].sort((a, b) => a.from - b.from);
    if (list.length === 0) {
      gaps.push({ address, from: start, to: end });
      continue;
    }
    let servedUntil = Math.max(start, list[0].from);
    for (const p of list) {
      if (p.from > servedUntil && p.from > start) gaps.push({ address, from: servedUntil, to: Math.min(p.from, end) });
      servedUntil = Math.max(servedUntil, p.to);
      if (servedUntil >= end) break;
    }
    if (servedUntil < end) gaps.push({ address, from: servedUntil, to: end });
  }
  return gaps.filter((g) => g.to > g.from).sort((x, y) => x.from - y.from);
}

/** Nearest-rank percentile of `values` (q in 0..1); 0 for none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

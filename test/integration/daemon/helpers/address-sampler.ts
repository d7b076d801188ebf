// The soak's address sampler (src/soak/address-sampler.ts), run from src/, with the questions the tests ask of its timelines.
//
// One child per node namespace (src/soak/sampler-child.ts) prints a line when its set changes:
// the sample time and the time of the sample before it, so an address is known present from
// the first sample that saw it to the last one that still did. Two such intervals of one
// address on two nodes that overlap mean it answered on both at once; a duplicate shorter
// than one sample period can slip between samples, which is the resolution the tests ask for
// (10 ms). The children are .ts files here, so they get the TypeScript require hook.

import { tsRequireHookFile } from '../../helpers/netns-child';
import { AddressSampler as SoakAddressSampler } from '../../../../src/soak/address-sampler';
import { Overlap, overlapsOf, Presence, SampleChange } from '../../../../src/soak/timeline';

export type { Presence, SampleChange } from '../../../../src/soak/timeline';

export class AddressSampler {
  private constructor(private readonly sampler: SoakAddressSampler) {}

  /** Starts one sampler per namespace; resolves when each has reported its first sample. */
  static async start(namespaces: readonly string[], intervalMs: number): Promise<AddressSampler> {
    return new AddressSampler(await SoakAddressSampler.start(namespaces, intervalMs, ['--require', tsRequireHookFile()]));
  }

  /** Each node's changes, in the order its sampler reported them. */
  get changes(): readonly SampleChange[][] {
    return this.sampler.changes;
  }

  stop(): Promise<void> {
    return this.sampler.stop();
  }

  /** Every stretch of time an address was on a node. */
  presences(): Presence[] {
    return this.sampler.presences();
  }

  /** Every stretch during which one address was seen on two nodes (`from`..`to` of the overlap). */
  overlaps(): Overlap[] {
    return overlapsOf(this.presences());
  }

  /** The overlaps as readable lines, leaving out those that begin inside one of the `excused` windows. */
  duplicates(excused: ReadonlyArray<readonly [number, number]> = []): string[] {
    return this.overlaps()
      .filter((o) => !excused.some(([from, to]) => o.from >= from && o.from <= to))
      .map((o) => `${o.address} on nodes ${o.nodes.join(' and ')} from ${o.from.toFixed(1)} for ${(o.to - o.from).toFixed(1)} ms`);
  }

  /** The first time after `after` at which `node` was seen holding `address`, or undefined. */
  firstSeen(node: number, address: string, after: number): number | undefined {
    return this.presences().filter((p) => p.node === node && p.address === address && p.from >= after)
      .map((p) => p.from).sort((x, y) => x - y)[0];
  }

  /**
   * When `node` was last seen holding `address` in the stretch it held it at (or first after)
   * `after`, or undefined (Infinity: still there). Only that first stretch: when the node later
   * takes the address back (its share returned after a fault), that is a new stretch and must
   * not be taken for the end of the one the fault ended.
   */
  lastSeen(node: number, address: string, after: number): number | undefined {
    return this.presences().filter((p) => p.node === node && p.address === address && p.to >= after)
      .map((p) => p.to).sort((x, y) => x - y)[0];
  }

  /** Every stretch of `address` on any node that ended after `after`, as readable text (for a failing check's message). */
  story(address: string, after: number): string[] {
    return this.presences().filter((p) => p.address === address && p.to >= after).sort((a, b) => a.from - b.from)
      .map((p) => `node ${p.node} ${(p.from - after).toFixed(1)}..${(p.to - after).toFixed(1)} ms`);
  }
}

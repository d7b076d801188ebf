// Properties of the membership view over random observation sequences (fast-check).

import fc from 'fast-check';
import { LinkState } from '../../../../src/core/address';
import { NodeFlag } from '../../../../src/core/flags';
import { ip } from '../../../../src/core/ip';
import {
  createView, MembershipView, nodeFlags, Observation, update,
} from '../../../../src/core/membership';
import { MembershipError } from '../../../../src/core/membership-errors';

const NODE_COUNT = 4;
const LOCAL = 1;
const DELETED = 3;
const DEAD_AFTER = 1000;

const pnnArb = fc.integer({ min: 0, max: NODE_COUNT - 1 });
const linksArb = fc.dictionary(fc.constantFrom('eth0', 'eth1'), fc.constantFrom<LinkState>('up', 'down'));
const hostedArb = fc.subarray(['192.0.2.1', '192.0.2.2', '2001:db8::1'].map(ip));
const selfFlagsArb = fc.subarray([NodeFlag.UNHEALTHY, NodeFlag.DISABLED, NodeFlag.STOPPED, NodeFlag.BANNED])
  .map((bits) => bits.reduce((a, b) => a | b, 0));

/** Observations of every kind, aimed at any node, legal or not: the property must hold either way. */
const stepArb = fc.record({
  // Steps of whole 100 ms often land exactly on dead_after and ban expiries, where off-by-one bugs live.
  dt: fc.oneof(fc.integer({ min: 0, max: 7 }).map((n) => n * 100), fc.integer({ min: 0, max: 700 })),
  make: fc.oneof(
    fc.record({ pnn: pnnArb, seq: fc.integer({ min: 0, max: 20 }), flags: selfFlagsArb, ban: fc.option(fc.integer({ min: 1, max: 3000 }), { nil: undefined }), hosted: hostedArb, links: linksArb, epoch: fc.nat(5),
      heard: fc.array(fc.record({ pnn: pnnArb, agoMs: fc.nat(2000) }), { maxLength: 3 }) })
      .map((h) => (at: number): Observation => ({
        kind: 'heartbeat', pnn: h.pnn, at, seq: h.seq, flags: h.flags,
        banRemainingMs: (h.flags & NodeFlag.BANNED) !== 0 ? h.ban : undefined,
        epoch: h.epoch, leader: 0, hosted: h.hosted, links: h.links, heard: h.heard,
      })),
    pnnArb.map((pnn) => (at: number): Observation => ({ kind: 'stream-closed', pnn, at })),
    fc.record({ pnn: pnnArb, healthy: fc.boolean() }).map((o) => (at: number): Observation => ({ kind: 'health', ...o, at })),
    fc.record({ pnn: pnnArb, iface: fc.constantFrom('eth0', 'eth1'), state: fc.constantFrom<LinkState>('up', 'down') })
      .map((o) => (at: number): Observation => ({ kind: 'link', ...o, at })),
    fc.record({ pnn: pnnArb, action: fc.constantFrom('disable', 'enable', 'stop', 'continue', 'ban', 'unban' as const), len: fc.integer({ min: 1, max: 3000 }) })
      .map((o) => (at: number): Observation => ({ kind: 'admin', pnn: o.pnn, action: o.action, at, until: at + o.len })),
    fc.record({ pnn: pnnArb, addresses: hostedArb }).map((o) => (at: number): Observation => ({ kind: 'hosting', ...o, at })),
    fc.constant((at: number): Observation => ({ kind: 'tick', at })),
  ),
});

function run(steps: { dt: number; make: (at: number) => Observation }[], check: (before: MembershipView, after: MembershipView, observation: Observation) => void): void {
  let view = createView({ localPnn: LOCAL, nodeCount: NODE_COUNT, deleted: [DELETED], deadAfterMs: DEAD_AFTER, now: 0 });
  let at = 0;
  for (const step of steps) {
    at += step.dt;
    const observation = step.make(at);
    const snapshot = structuredClone(view);
    let next = view;
    try {
      next = update(view, observation).view;
    } catch (error) {
      if (!(error instanceof MembershipError)) throw error;
    }
    expect(view).toEqual(snapshot);
    check(view, next, observation);
    view = next;
  }
}

describe('membership update properties', () => {
  it('never mutates its input, legal observation or not', () => {
    fc.assert(fc.property(fc.array(stepArb, { maxLength: 40 }), (steps) => run(steps, () => undefined)));
  });

  it('keeps the local node connected, deleted nodes untouched, and the clock monotonic', () => {
    fc.assert(fc.property(fc.array(stepArb, { maxLength: 40 }), (steps) => run(steps, (before, after) => {
      expect(after.now).toBeGreaterThanOrEqual(before.now);
      expect(after.nodes[LOCAL].connected).toBe(true);
      expect(after.nodes[DELETED]).toEqual(before.nodes[DELETED]);
    })));
  });

  it('never leaves a peer connected after dead_after of silence, nor a ban past its expiry', () => {
    fc.assert(fc.property(fc.array(stepArb, { maxLength: 40 }), (steps) => run(steps, (_before, after) => {
      for (const node of after.nodes) {
        if (!node.local && node.connected) expect(after.now - (node.lastHeardAt as number)).toBeLessThan(DEAD_AFTER);
        if (node.bannedUntil !== undefined) expect(node.bannedUntil).toBeGreaterThan(after.now);
      }
    })));
  });

  it('reports every flags change, chained from the old flags to the new', () => {
    fc.assert(fc.property(fc.array(stepArb, { maxLength: 40 }), (steps) => {
      let view = createView({ localPnn: LOCAL, nodeCount: NODE_COUNT, deleted: [DELETED], deadAfterMs: DEAD_AFTER, now: 0 });
      let at = 0;
      for (const step of steps) {
        at += step.dt;
        let result;
        try {
          result = update(view, step.make(at));
        } catch {
          continue;
        }
        for (let pnn = 0; pnn < NODE_COUNT; pnn++) {
          let flags = nodeFlags(view.nodes[pnn]);
          for (const change of result.changes) {
            if (change.kind !== 'flags' || change.pnn !== pnn) continue;
            expect(change.before).toBe(flags);
            expect(change.after).not.toBe(change.before);
            flags = change.after;
          }
          expect(flags).toBe(nodeFlags(result.view.nodes[pnn]));
        }
        view = result.view;
      }
    }));
  });
});

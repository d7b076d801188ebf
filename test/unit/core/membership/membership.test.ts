// Membership view: configuration errors, the transition table, and the queries beside update.

import { PublicAddress } from '../../../../src/core/address';
import { NO_NODE } from '../../../../src/core/flags';
import { ip } from '../../../../src/core/ip';
import {
  canHostAddress, createView, TRANSITIONS, update, updateAll,
} from '../../../../src/core/membership';
import { BadMembershipConfigError } from '../../../../src/core/membership-errors';

const base = { localPnn: 0, nodeCount: 3, deleted: [] as number[], deadAfterMs: 1000, now: 0 };

describe('createView', () => {
  it.each([
    [{ nodeCount: 0 }, 'nodeCount must be a whole number >= 1'],
    [{ localPnn: 3 }, 'localPnn 3 is not a line of the nodes file (0..2)'],
    [{ deleted: [5] }, 'deleted 5 is not a line of the nodes file (0..2)'],
    [{ deleted: [0] }, 'localPnn 0 is commented out in the nodes file'],
    [{ deadAfterMs: 0 }, 'deadAfterMs must be a positive number of milliseconds'],
    [{ now: Number.NaN }, 'now must be a clock reading'],
  ])('refuses %j', (override, message) => {
    const make = (): unknown => createView({ ...base, ...override });
    expect(make).toThrow(BadMembershipConfigError);
    expect(make).toThrow(message);
  });

  it('starts with every peer DISCONNECTED, the local node connected but UNHEALTHY, nobody holding anything', () => {
    const view = createView({ ...base, deleted: [2] });
    expect(view.nodes.map((n) => [n.connected, n.unhealthy, n.deleted, n.hosted, n.leader])).toEqual([
      [true, true, false, [], NO_NODE],
      [false, false, false, [], NO_NODE],
      [false, false, true, [], NO_NODE],
    ]);
  });
});

describe('TRANSITIONS', () => {
  it('gives every observation kind to some role, and nothing to deleted nodes', () => {
    const kinds = new Set(Object.values(TRANSITIONS).flatMap((row) => Object.keys(row)));
    expect([...kinds].sort()).toEqual(['admin', 'epoch', 'health', 'heartbeat', 'hosting', 'link', 'stream-closed']);
    expect(TRANSITIONS.deleted).toEqual({});
  });

  it('is what update enforces: a heartbeat moves a disconnected peer to connected, a close moves it back', () => {
    let view = createView(base);
    for (const [kind, from, to] of [['heartbeat', 'disconnected', 'connected'], ['stream-closed', 'connected', 'disconnected']] as const) {
      expect(TRANSITIONS[from][kind]).toBe(to);
      const observation = kind === 'heartbeat'
        ? { kind, pnn: 1, at: 1, seq: 1, flags: 0, epoch: 0, leader: NO_NODE, hosted: [], links: {}, heard: [] }
        : { kind, pnn: 1, at: 2 };
      view = update(view, observation).view;
      expect(view.nodes[1].connected).toBe(to === 'connected');
    }
  });
});

describe('update', () => {
  it('canonicalises a heartbeat\'s hosted list, and keeps the same list (no change) when the next beat repeats it', () => {
    const beat = (seq: number, hosted: string[]) => ({
      kind: 'heartbeat' as const, pnn: 1, at: seq, seq, flags: 0, epoch: 0, leader: NO_NODE, hosted: hosted.map(ip), links: {}, heard: [],
    });
    const first = update(createView(base), beat(1, ['2001:DB8::1', '192.0.2.9', '192.0.2.10', '192.0.2.9']));
    expect(first.view.nodes[1].hosted).toEqual(['192.0.2.9', '192.0.2.10', '2001:db8::1']);
    const again = update(first.view, beat(2, ['192.0.2.9', '192.0.2.10', '2001:db8::1']));
    expect(again.view.nodes[1].hosted).toBe(first.view.nodes[1].hosted);
    expect(again.changes.filter((c) => c.kind === 'hosted')).toEqual([]);
    // Not canonical (out of order) but the same set: sorted again, still no change.
    const reordered = update(again.view, beat(3, ['2001:db8::1', '192.0.2.10', '192.0.2.9']));
    expect(reordered.view.nodes[1].hosted).toEqual(['192.0.2.9', '192.0.2.10', '2001:db8::1']);
    expect(reordered.changes.filter((c) => c.kind === 'hosted')).toEqual([]);
  });

  it('returns the same view object when nothing changed', () => {
    const view = createView(base);
    expect(update(view, { kind: 'tick', at: 0 }).view).toBe(view);
    expect(update(view, { kind: 'tick', at: 1 }).view).not.toBe(view);
  });

  it('updateAll gathers the changes of every step in order', () => {
    const { view, changes } = updateAll(createView(base), [
      { kind: 'health', pnn: 0, at: 1, healthy: true },
      { kind: 'link', pnn: 0, at: 2, iface: 'eth0', state: 'up' },
    ]);
    expect(changes.map((c) => c.kind)).toEqual(['flags', 'link']);
    expect(view.now).toBe(2);
  });
});

describe('canHostAddress', () => {
  const addr: PublicAddress = { address: ip('192.0.2.10'), bits: 24, interfaces: ['eth0', 'eth1'] };
  const healthy = updateAll(createView(base), [{ kind: 'health', pnn: 0, at: 1, healthy: true }]).view;

  it('needs a link on one of the address\'s interfaces', () => {
    expect(canHostAddress(healthy.nodes[0], addr)).toBe(false); // no link known yet
    const eth1Up = update(healthy, { kind: 'link', pnn: 0, at: 2, iface: 'eth1', state: 'up' }).view;
    expect(canHostAddress(eth1Up.nodes[0], addr)).toBe(true);
    const eth2Only = update(healthy, { kind: 'link', pnn: 0, at: 2, iface: 'eth2', state: 'up' }).view;
    expect(canHostAddress(eth2Only.nodes[0], addr)).toBe(false);
  });

  it('needs no flag at all', () => {
    const up = update(healthy, { kind: 'link', pnn: 0, at: 2, iface: 'eth0', state: 'up' }).view;
    const disabled = update(up, { kind: 'admin', pnn: 0, at: 3, action: 'disable' }).view;
    expect(canHostAddress(up.nodes[0], addr)).toBe(true);
    expect(canHostAddress(disabled.nodes[0], addr)).toBe(false);
    expect(canHostAddress(up.nodes[1], addr)).toBe(false); // DISCONNECTED
  });
});

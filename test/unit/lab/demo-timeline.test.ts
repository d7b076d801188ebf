// The demo's judgement from its witnesses: ip monitor lines, presences, duplicates, moves, settled, busiest node.

import {
  AddressEvent, busiestNode, holdersAt, movesIn, overlaps, parseMonitorLine, presences, ReachEvent, settled,
} from '../../../src/lab/demo-timeline';

const T0 = Date.parse('2026-11-21T07:33:37Z');

describe('parseMonitorLine', () => {
  it('reads an added IPv4 address with its microsecond time (UTC)', () => {
    const line = '[2026-11-21T07:33:37.351138] 3: flab-pub    inet 198.51.100.9/24 scope global flab-pub\\       valid_lft forever preferred_lft forever';
    const event = parseMonitorLine(line, 2) as AddressEvent;
    expect(event).toMatchObject({ node: 2, address: '198.51.100.9', present: true });
    expect(event.t - T0).toBeCloseTo(351.138, 3);
  });

  it('reads a deleted IPv6 address, lower-cased', () => {
    const line = '[2026-11-21T07:33:38.5] Deleted 3: flab-pub    inet6 2001:DB8:100::1/64 scope global nodad \\       valid_lft forever';
    expect(parseMonitorLine(line, 0)).toEqual({ t: T0 + 1500, node: 0, address: '2001:db8:100::1', present: false });
  });

  it('ignores lines that are not address changes', () => {
    expect(parseMonitorLine('Timestamp: Sat Nov 21 07:33:37 2026 351138 usec', 0)).toBeUndefined();
    expect(parseMonitorLine('', 0)).toBeUndefined();
  });
});

const A = '198.51.100.1';
const B = '198.51.100.2';
const ev = (t: number, node: number, address: string, present: boolean): AddressEvent => ({ t, node, address, present });
const reach = (t: number, address: string, node: number | null): ReachEvent => ({ t, address, node });

describe('presences and overlaps', () => {
  it('counts an address the snapshot saw from its add when that came while the snapshot was taken', () => {
    // Node 0 moved A to node 1 while the nodes were asked one by one (100-130): node 0 was
    // asked before its delete, node 1 after its add, so the snapshot lists A on both.
    const all = presences(new Map([[A, [0, 1]]]), 100, [ev(110, 0, A, false), ev(112, 1, A, true)], 130);
    expect(all).toEqual([
      { node: 0, address: A, from: 100, to: 110 },
      { node: 1, address: A, from: 112, to: Infinity },
    ]);
    expect(overlaps(all)).toEqual([]);
    // The same events without the snapshot's end: node 1's add is taken for a repeat, and it looks like an overlap.
    expect(overlaps(presences(new Map([[A, [0, 1]]]), 100, [ev(110, 0, A, false), ev(112, 1, A, true)]))).toHaveLength(1);
    // An add after the snapshot finished is a repeat of what it saw.
    expect(presences(new Map([[A, [1]]]), 100, [ev(140, 1, A, true)], 130)).toEqual([{ node: 1, address: A, from: 100, to: Infinity }]);
  });


  it('opens at the snapshot, closes at a delete, ignores repeats and events before the snapshot', () => {
    const all = presences(new Map([[A, [0]]]), 100, [
      ev(50, 1, A, true), // before the snapshot: already in it or not, it is ignored
      ev(120, 0, A, true), // a repeat of what the snapshot saw
      ev(150, 0, A, false),
      ev(160, 0, A, false),
      ev(170, 1, A, true),
    ]);
    expect(all).toEqual([
      { node: 0, address: A, from: 100, to: 150 },
      { node: 1, address: A, from: 170, to: Infinity },
    ]);
    expect(overlaps(all)).toEqual([]);
  });

  it('finds an address added on one node before the other deleted it', () => {
    const all = presences(new Map([[A, [0]]]), 0, [ev(200, 1, A, true), ev(204.5, 0, A, false)]);
    expect(overlaps(all)).toEqual([{ address: A, nodes: [0, 1], from: 200, to: 204.5 }]);
  });

  it('does not count a take at the very instant of the release', () => {
    const all = presences(new Map([[A, [0]]]), 0, [ev(200, 0, A, false), ev(200, 1, A, true)]);
    expect(overlaps(all)).toEqual([]);
  });

  it('tells the holders at any time', () => {
    const all = presences(new Map([[A, [0]], [B, [1]]]), 0, [ev(10, 0, A, false), ev(20, 2, A, true)]);
    expect(holdersAt(all, [A, B], 15)).toEqual(new Map([[A, []], [B, [1]]]));
    expect(holdersAt(all, [A, B], 25)).toEqual(new Map([[A, [2]], [B, [1]]]));
  });
});

describe('movesIn', () => {
  it('times each step of a moved address from the start, and leaves unmoved ones out', () => {
    const all = presences(new Map([[A, [0]], [B, [1]]]), 0, [ev(1022, 0, A, false), ev(1070, 2, A, true)]);
    const moves = movesIn({
      addresses: [A, B], start: 1000, end: 2000, presences: all,
      reach: [reach(500, A, 0), reach(1030, A, null), reach(1076, A, 2), reach(500, B, 1)],
    });
    expect(moves).toEqual([{ address: A, from: 0, to: 2, goneMs: 22, addedMs: 70, reachedMs: 76 }]);
  });

  it('reports an address held nowhere at the end as not reached', () => {
    const all = presences(new Map([[A, [0]]]), 0, [ev(1010, 0, A, false)]);
    expect(movesIn({ addresses: [A], start: 1000, end: 2000, presences: all, reach: [reach(500, A, 0)] }))
      .toEqual([{ address: A, from: 0, to: null, goneMs: 10, addedMs: undefined, reachedMs: undefined }]);
  });

  it('does not count an answer from the old holder as reaching the new one', () => {
    const all = presences(new Map([[A, [0]]]), 0, [ev(1700, 0, A, false), ev(2000, 1, A, true)]);
    const moves = movesIn({ addresses: [A], start: 1000, end: 3000, presences: all, reach: [reach(500, A, 0), reach(1800, A, null)] });
    expect(moves[0].reachedMs).toBeUndefined();
  });
});

describe('settled', () => {
  const all = presences(new Map([[A, [0]], [B, [1]]]), 0, [ev(1020, 0, A, false), ev(1070, 2, A, true)]);

  it('needs every address on one node, answering from it, and not on the avoided node', () => {
    const answers = [reach(10, A, 0), reach(10, B, 1)];
    expect(settled([A, B], all, answers, 500, 0)).toBe(true);
    expect(settled([A, B], all, answers, 500, 0, 0)).toBe(false);
    expect(settled([A, B], all, [reach(10, A, 0)], 500, 0)).toBe(false);
  });

  it('needs a moved address to have answered from its new holder after the start', () => {
    expect(settled([A, B], all, [reach(10, A, 0), reach(10, B, 1)], 1100, 1000, 0)).toBe(false);
    expect(settled([A, B], all, [reach(10, A, 0), reach(10, B, 1), reach(1080, A, 2)], 1100, 1000, 0)).toBe(true);
  });
});

describe('busiestNode', () => {
  it('picks the node with the most addresses, the lowest number on a tie', () => {
    const all = presences(new Map([[A, [1]], [B, [1]], ['198.51.100.3', [0]]]), 0, []);
    expect(busiestNode(all, [A, B, '198.51.100.3'], 3, 10)).toBe(1);
    const even = presences(new Map([[A, [2]], [B, [1]]]), 0, []);
    expect(busiestNode(even, [A, B], 3, 10)).toBe(1);
  });
});

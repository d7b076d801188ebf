// Judging sampled timelines: presences, two nodes at once, no node at all, percentiles.

import { anchorSkewMs, gapsOf, onSharedClock, overlapsOf, percentile, presencesOf, SampleChange } from '../../../src/soak/timeline';

const change = (t: number, before: number, ...addresses: string[]): SampleChange => ({ t, before, addresses });

describe('presencesOf', () => {
  test('an address is present from the first sample that saw it to the last that still did', () => {
    const node0 = [change(0, -10, 'A'), change(100, 90), change(200, 190, 'A', 'B')];
    expect(presencesOf([node0])).toEqual([
      { node: 0, address: 'A', from: 0, to: 90 },
      { node: 0, address: 'A', from: 200, to: Infinity },
      { node: 0, address: 'B', from: 200, to: Infinity },
    ]);
  });
});

describe('overlapsOf', () => {
  test('a clean move (gone from one node before seen on the other) is no overlap', () => {
    const presences = presencesOf([[change(0, -10, 'A'), change(100, 90)], [change(0, -10), change(110, 100, 'A')]]);
    expect(overlapsOf(presences)).toEqual([]);
  });

  test('two nodes holding one address in the same stretch are an overlap, with its nodes and span', () => {
    const presences = presencesOf([[change(0, -10, 'A'), change(100, 90)], [change(0, -10), change(50, 40, 'A')]]);
    expect(overlapsOf(presences)).toEqual([{ address: 'A', nodes: [0, 1], from: 50, to: 90 }]);
  });

  test('one node re-adding its own address is no overlap', () => {
    const presences = presencesOf([[change(0, -10, 'A'), change(100, 90), change(120, 110, 'A')]]);
    expect(overlapsOf(presences)).toEqual([]);
  });
});

describe('onSharedClock: every child on one clock', () => {
  // The fs3 soak's artefact: node 4's child stamped its samples with its own wall anchor,
  // ~45 ms ahead of node 3's. A clean move 4 -> 3 (node 4's last dump that saw A started at
  // monotonic 990, node 3's first that saw it returned at 1000) then read as an overlap.
  const MONO = {
    node3: [change(900, 890), change(1000, 995, 'A')],
    node4: [change(900, 890, 'A'), change(1001, 990)],
  };
  const PARENT = 1_700_000_000_000; // the soak's wall minus monotonic
  const OWN = { node3: PARENT, node4: PARENT + 45 }; // each child's own anchor

  test('stamped with each child\'s own anchor, a clean move looks like an overlap (how the soak misjudged)', () => {
    const own = (list: SampleChange[], anchor: number): SampleChange[] => list.map((c) => onSharedClock(c, anchor));
    const presences = presencesOf([[], [], [], own(MONO.node3, OWN.node3), own(MONO.node4, OWN.node4)]);
    expect(overlapsOf(presences)).toEqual([{ address: 'A', nodes: [3, 4], from: PARENT + 1000, to: PARENT + 1035 }]);
  });

  test('on the parent\'s one offset, the same samples are a clean move with its true 0 ms overlap', () => {
    const shared = (list: SampleChange[]): SampleChange[] => list.map((c) => onSharedClock(c, PARENT));
    const presences = presencesOf([[], [], [], shared(MONO.node3), shared(MONO.node4)]);
    expect(overlapsOf(presences)).toEqual([]);
    expect(gapsOf(presences, ['A'], PARENT + 900, PARENT + 1100)).toEqual([{ address: 'A', from: PARENT + 990, to: PARENT + 1000 }]);
  });

  test('a child whose own anchor is off is measured (the sampler reports it)', () => {
    expect(anchorSkewMs([OWN.node3, OWN.node4], PARENT)).toBe(45);
    expect(anchorSkewMs([PARENT - 3, PARENT + 1], PARENT)).toBe(3);
  });
});

describe('gapsOf', () => {
  test('the time between the last sample on the old node and the first on the new one is unserved', () => {
    const presences = presencesOf([[change(0, -10, 'A', 'B'), change(100, 90, 'B')], [change(0, -10), change(140, 130, 'A')]]);
    expect(gapsOf(presences, ['A', 'B'], 0, 1000)).toEqual([{ address: 'A', from: 90, to: 140 }]);
  });

  test('an address never seen is unserved for the whole window; one still missing at the end has a gap to the end', () => {
    const presences = presencesOf([[change(0, -10, 'A'), change(500, 490)]]);
    expect(gapsOf(presences, ['A', 'C'], 0, 1000)).toEqual([
      { address: 'C', from: 0, to: 1000 },
      { address: 'A', from: 490, to: 1000 },
    ]);
  });

  test('overlapping presences on two nodes leave no gap, and time before the window is not counted', () => {
    const presences = presencesOf([[change(-500, -510, 'A'), change(300, 290)], [change(-500, -510), change(200, 190, 'A')]]);
    expect(gapsOf(presences, ['A'], 0, 1000)).toEqual([]);
  });
});

test('percentile: nearest rank', () => {
  const values = Array.from({ length: 100 }, (_, k) => k + 1);
  expect(percentile(values, 0.5)).toBe(50);
  expect(percentile(values, 0.99)).toBe(99);
  expect(percentile(values, 1)).toBe(100);
  expect(percentile([7], 0.99)).toBe(7);
  expect(percentile([], 0.99)).toBe(0);
});

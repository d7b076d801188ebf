// Judging sampled timelines: presences, two nodes at once, no node at all, percentiles.

import { gapsOf, overlapsOf, percentile, presencesOf, SampleChange } from '../../../src/soak/timeline';

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

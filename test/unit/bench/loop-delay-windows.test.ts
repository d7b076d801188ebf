// Merging event-loop delay windows: a p99 that errs high never low, the max of maxes, damaged lines skipped.

import { mergeWindows, parseLoopDelayFile, windowsWithin } from '../../../bench/loop-delay-windows';

const quiet = { t: 1000, n: 250, max: 2, p: [[0, 1], [50, 1.1], [99, 1.5], [100, 2]] } as const;
const busy = { t: 1250, n: 250, max: 80, p: [[0, 1], [50, 1.2], [90, 30], [99, 70], [100, 80]] } as const;

describe('mergeWindows', () => {
  test('no windows: no figure', () => {
    expect(mergeWindows([])).toBeUndefined();
  });

  test('one window: its own p99 and max', () => {
    expect(mergeWindows([busy])).toEqual({ p99_ms: 70, max_ms: 80, windows: 1 });
  });

  test('a busy window among quiet ones: the p99 of all samples, not of the worst window', () => {
    const windows = [...Array.from({ length: 19 }, (_, k) => ({ ...quiet, t: 1000 + k * 250 })), busy];
    // The busy window's slowest 10 % are 0.5 % of all samples: the true p99 lies between its 50th
    // and 90th percentile points (1.2-30 ms), and the merge answers the upper one, never the worst window's 70.
    expect(mergeWindows(windows)).toEqual({ p99_ms: 30, max_ms: 80, windows: 20 });
    // All quiet: their own p99.
    expect(mergeWindows(windows.slice(0, 19))?.p99_ms).toBe(1.5);
  });

  test('windowsWithin keeps those that overlap the stretch', () => {
    expect(windowsWithin([quiet, busy, { ...quiet, t: 2000 }], 1100, 1500).map((w) => w.t)).toEqual([1250]);
  });
});

test('parseLoopDelayFile: header, windows, and a line cut short by a kill skipped', () => {
  const text = `${JSON.stringify({ role: 'floatipd', pid: 7, config: '/x/node1/floatip.toml', t: 5 })}\n${JSON.stringify(quiet)}\n{"t":12`;
  expect(parseLoopDelayFile(text)).toEqual({ header: { role: 'floatipd', pid: 7, config: '/x/node1/floatip.toml', t: 5 }, windows: [quiet] });
  expect(parseLoopDelayFile('')).toBeUndefined();
});

// The demo's text: fault stories with the real timings, the assignment, the moves table, the summary, the root message.

import { FAULT_MODES } from '../../../src/lab/args';
import { faultStory, formatAssignment, formatMoves, formatOverlap, notRootMessage, summarizeReach } from '../../../src/lab/demo-format';

const timings = { fenceAfterMs: 700, deadAfterMs: 1000, crashGraceMs: 40 };

describe('faultStory', () => {
  it('tells every mode in short lines, naming the node and the timings that apply', () => {
    for (const mode of FAULT_MODES) {
      const lines = faultStory(mode, 2, timings);
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expect(lines[0].toLowerCase()).toContain('node 2');
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(90);
    }
    expect(faultStory('kill', 0, timings).join(' ')).toContain('or 40 ms after the break, crash_grace');
    expect(faultStory('freeze', 0, timings).join(' ')).toMatch(/700 ms \(fence_after\).*1000 ms \(dead_after\)/);
    expect(faultStory('link', 0, { fenceAfterMs: 175, deadAfterMs: 250, crashGraceMs: 40 }).join(' ')).toMatch(/175 ms.*250 ms/);
  });
});

describe('formatAssignment', () => {
  it('lists every node, one with no address as a dash', () => {
    const holders = new Map([['198.51.100.1', [1]], ['198.51.100.2', [0]], ['198.51.100.3', [1]]]);
    expect(formatAssignment(holders, 3)).toEqual(['node 0: 198.51.100.2', 'node 1: 198.51.100.1  198.51.100.3', 'node 2: -']);
  });
});

describe('formatMoves', () => {
  it('aligns a table with the times from the start, and says NOT REACHED', () => {
    expect(formatMoves([
      { address: '198.51.100.3', from: 0, to: 2, goneMs: 25.6, addedMs: 71.2, reachedMs: 79.9 },
      { address: '2001:db8:100::1', from: 0, to: null, goneMs: 26, addedMs: undefined, reachedMs: undefined },
    ])).toEqual([
      'address          moved              deleted  added  client reached it',
      '198.51.100.3     node 0 -> node 2   26 ms    71 ms  after 80 ms',
      '2001:db8:100::1  node 0 -> nowhere  26 ms    -      NOT REACHED',
    ]);
  });
});

describe('summarizeReach', () => {
  const move = (reachedMs: number | undefined) => ({ address: 'a', from: 0, to: 1, goneMs: 1, addedMs: 2, reachedMs });
  it('gives the range and the median, or the single time', () => {
    expect(summarizeReach([move(80), move(76), move(90)])).toBe('reached again after 76 ms to 90 ms (median 80 ms)');
    expect(summarizeReach([move(80)])).toBe('reached again after 80 ms');
    expect(summarizeReach([move(undefined)])).toBe('no moved address was reached again');
  });
});

describe('formatOverlap and notRootMessage', () => {
  it('says which nodes held an address at once and for how long', () => {
    expect(formatOverlap({ address: '198.51.100.1', nodes: [0, 2], from: 10, to: 14.25 }))
      .toBe('198.51.100.1 was on nodes 0 and 2 at once for 4.3 ms');
  });

  it('tells a non-root user why root is needed and what to type', () => {
    const text = notRootMessage(1000);
    expect(text).toContain('must run as root (you are uid 1000)');
    expect(text).toContain('sudo npm run demo');
  });
});

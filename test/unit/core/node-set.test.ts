// The nodes-file change rules (CTDB's reloadnodes) and the leaving rule table, one line per case.

import { compareNodeSets, firstDifference, LEAVING_RULES, leavingRefusal, NodeLine, sameNodeSet } from '../../../src/core/node-set';

/** `a,#,c` -> lines: a letter is an address, `#` a deleted line. */
function file(text: string): NodeLine[] {
  return text.split(',').filter((t) => t !== '').map((t, pnn) => (t === '#' ? { pnn, address: null, deleted: true } : { pnn, address: `198.51.100.${t.charCodeAt(0) - 96}`, deleted: false }));
}

describe('compareNodeSets', () => {
  it.each([
    ['a,b,c', 'a,b,c', [], [], 0],
    ['a,b,c', 'a,b,c,d', [3], [], 0],
    ['a,b,c', 'a,b,c,d,#', [3], [], 0],
    ['a,b,c', 'a,#,c', [], [1], 0],
    ['a,#,c', 'a,b,c', [1], [], 0],
    ['a,#,c', 'a,#,c,d', [3], [], 0],
    ['a,b,c', 'a,d,c', [], [], 1],
    ['a,b,c', 'a,b', [], [], 1],
    ['a,b,c,d', 'a,#,c', [], [1], 1],
  ])('%s -> %s: added %j, removed %j, %i problem(s)', (before, after, added, removed, problems) => {
    const change = compareNodeSets(file(before), file(after));
    expect([change.added, change.removed, change.problems.length]).toEqual([added, removed, problems]);
  });

  it('names the line that changed its address and says what to do', () => {
    expect(compareNodeSets(file('a,b'), file('a,c')).problems[0]).toBe(
      'line 2 (node 1) changed from 198.51.100.2 to 198.51.100.3: a node keeps its address; comment the old line out and append the new address as a new line');
  });
});

describe('sameNodeSet and firstDifference', () => {
  it.each([
    ['a,b', 'a,b', true, undefined],
    ['a,b', 'a,b,c', false, 'line 3: no line here, 198.51.100.3 on node 0'],
    ['a,#', 'a,b', false, 'line 2: # here, 198.51.100.2 on node 0'],
  ])('%s vs %s', (mine, theirs, same, difference) => {
    expect(sameNodeSet(file(mine), file(theirs))).toBe(same);
    expect(firstDifference(file(mine), file(theirs), 'node 0')).toBe(difference);
  });
});

describe('LEAVING_RULES', () => {
  const node = { pnn: 3, local: false, connected: false, stopped: false, holds: 0 };
  it.each([
    ['disconnected, holds nothing', {}, undefined],
    ['connected and stopped, holds nothing', { connected: true, stopped: true }, undefined],
    ['this node', { local: true, connected: true }, 'not-self'],
    ['connected, running', { connected: true }, 'stopped-or-gone'],
    ['connected, stopped, still holds two', { connected: true, stopped: true, holds: 2 }, 'holds-nothing'],
    ['disconnected, addresses not moved yet', { holds: 1 }, 'holds-nothing'],
  ])('%s', (_name, facts, rule) => {
    const refusal = leavingRefusal({ ...node, ...facts });
    const expected = rule === undefined ? undefined : LEAVING_RULES.find((r) => r.name === rule)?.check({ ...node, ...facts });
    expect(refusal).toBe(expected);
    if (rule !== undefined) expect(refusal).toMatch(/node 3|this node/);
  });
});

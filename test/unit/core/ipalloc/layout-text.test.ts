// Reading `IP PNN [ALLOWED]` layouts (one view or per-node views) with CTDB's merge rules.

import { numberLines, parseLayout } from '../../../../src/core/ipalloc/layout-text';

function read(text: string, nodeCount: number, multi = false) {
  const parsed = parseLayout(numberLines(text), { nodeCount, multi, source: 'in' });
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value.map((a) => ({ ip: a.address.text, known: a.known, holder: a.holder }));
}

describe('parseLayout, one shared view', () => {
  it('sorts by descending key, defaults PNN to -1 and ALLOWED to every node, skips blanks and comments', () => {
    expect(read('192.0.2.1\n\n# a comment\n2001:db8::1\t\t1\n192.0.2.9 0 # trailing comment\n', 2)).toEqual([
      { ip: '2001:db8::1', known: [0, 1], holder: 1 },
      { ip: '192.0.2.9', known: [0, 1], holder: 0 },
      { ip: '192.0.2.1', known: [0, 1], holder: -1 },
    ]);
  });

  it('counts a holder only when it lists the address itself', () => {
    expect(read('192.0.2.1 1 0,2\n192.0.2.2 2 2,0\n', 3)).toEqual([
      { ip: '192.0.2.2', known: [0, 2], holder: 2 },
      { ip: '192.0.2.1', known: [0, 2], holder: -1 },
    ]);
  });

  it('prints IPv6 in canonical form', () => {
    expect(read('2001:DB8:0:0:0:0:0:0001 -1\n', 1)[0].ip).toBe('2001:db8::1');
  });

  it.each([
    ['192.0.2.1 0\n192.0.2.1 1\n', 'in:2: address 192.0.2.1 is listed twice'],
    ['192.0.2.1 x\n', "in:1: holder 'x' is not -1 or a node 0..1"],
    ['192.0.2.1 -2\n', "in:1: holder '-2'"],
    ['192.0.2.1 0 0,,1\n', "in:1: allowed node ''"],
    ['host.example 0\n', 'in:1: host.example is not an IPv4 address'],
  ])('rejects %j: %s', (text, message) => {
    const parsed = parseLayout(numberLines(text), { nodeCount: 2, multi: false, source: 'in' });
    expect(parsed).toEqual({ ok: false, error: expect.stringContaining(message) });
  });
});

describe('parseLayout, per-node views (multi)', () => {
  it('takes what each node lists as known and trusts a node only about itself; the last claim wins', () => {
    const text = ['192.0.2.1 0', '192.0.2.2 1', '', '192.0.2.1 1', '192.0.2.2 0', '', '192.0.2.3 0', ''].join('\n');
    expect(read(text, 3, true)).toEqual([
      { ip: '192.0.2.3', known: [2], holder: -1 },
      { ip: '192.0.2.2', known: [0, 1], holder: -1 },
      { ip: '192.0.2.1', known: [0, 1], holder: 1 },
    ]);
  });

  it('an empty block is a node that lists nothing', () => {
    expect(read('192.0.2.1 0\n\n\n192.0.2.1 2\n', 3, true)).toEqual([{ ip: '192.0.2.1', known: [0, 2], holder: 2 }]);
  });

  it('rejects an ALLOWED column and more blocks than nodes', () => {
    expect(parseLayout(numberLines('192.0.2.1 0 0\n'), { nodeCount: 2, multi: true, source: 'in' }))
      .toEqual({ ok: false, error: expect.stringContaining('in:1: per-node views (multi) take no ALLOWED column') });
    expect(parseLayout(numberLines('192.0.2.1 0\n\n192.0.2.1 1\n\n192.0.2.2 0\n'), { nodeCount: 2, multi: true, source: 'in' }))
      .toEqual({ ok: false, error: expect.stringContaining('in:5: more per-node blocks than the 2 nodes') });
  });
});

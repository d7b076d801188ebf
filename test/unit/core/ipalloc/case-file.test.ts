// Reading CTDB takeover case files, including floatip's link-state extension.

import { parseTakeoverCase } from '../../../../src/core/ipalloc/case-file';

const BASE = 'algorithm: lcp2\nnodes: 0,0\ninput:\n192.0.2.1 0\nexpected:\n192.0.2.1 0\n';

describe('parseTakeoverCase', () => {
  it('reads keys, home_nodes, runstate and tunables into the state', () => {
    const text = '# comment\nalgorithm: det\nnodes: 0,0x20\ntunables: NoIPFailback=1 NoIPTakeover=0\nrunstate: 5,4\n'
      + 'home_nodes:\n192.0.2.1 1\ninput:\n192.0.2.1 -1\nexpected:\n192.0.2.1\t0\n';
    const parsed = parseTakeoverCase(text, 'c.txt');
    if (!parsed.ok) throw new Error(parsed.error);
    const { state, expected } = parsed.value;
    expect(state.algorithm).toBe('deterministic');
    expect(state.tunables).toEqual({ noIpFailback: true, noIpTakeover: false });
    expect(state.nodes).toEqual([{ flags: 0, running: true }, { flags: 0x20, running: false }]);
    expect(state.homeNodes).toEqual(new Map([['192.0.2.1', 1]]));
    expect(state.addresses[0].available).toEqual([0]);
    expect(expected).toEqual(['192.0.2.1 0']);
  });

  it('applies link_down to the named node and interface only', () => {
    const text = 'nodes: 0,0\nlink_down: 1:eth1\ninterfaces:\n192.0.2.1 eth0\n192.0.2.2 eth1,eth0\n192.0.2.3 eth1\n'
      + 'input:\n192.0.2.1 -1\n192.0.2.2 -1\n192.0.2.3 -1\nexpected:\n192.0.2.1 0\n';
    const parsed = parseTakeoverCase(text, 'c.txt');
    if (!parsed.ok) throw new Error(parsed.error);
    const available = new Map(parsed.value.state.addresses.map((a) => [a.address.address.text, a.available]));
    expect(available).toEqual(new Map([['192.0.2.3', [0]], ['192.0.2.2', [0, 1]], ['192.0.2.1', [0, 1]]]));
  });

  it('reads rebalance: as the forced rebalance targets', () => {
    const parsed = parseTakeoverCase(BASE.replace('nodes: 0,0', 'nodes: 0,0\nrebalance: 1,0'), 'c.txt');
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.value.state.forceRebalance).toEqual([1, 0]);
  });

  it.each([
    [BASE.replace('nodes: 0,0\n', ''), "c.txt:1: no 'nodes:' line"],
    [BASE.replace('expected:\n192.0.2.1 0\n', ''), "no 'expected:' section"],
    [BASE.replace('input:\n', ''), 'c.txt:3: expected \'key: value\''],
    [BASE.replace('algorithm: lcp2', 'algorithm: magic'), "c.txt:1: unknown algorithm 'magic'"],
    [BASE.replace('algorithm: lcp2', 'colour: blue'), "c.txt:1: unknown key 'colour:'"],
    [BASE.replace('nodes: 0,0', 'nodes: 0,sick'), 'c.txt:2: node 1:'],
    [BASE.replace('expected:\n192.0.2.1 0', 'expected:\n192.0.2.1 zero'), "c.txt:6: expected lines are 'IP PNN'"],
    [BASE.replace('algorithm: lcp2', 'mode: single'), "c.txt:1: unknown mode 'single'"],
    [BASE.replace('nodes: 0,0', 'nodes: 0,0\nlink_down: 1:eth0'), 'c.txt:3: link_down needs an interfaces: section'],
    ['nodes: 0\nlink_down: 3:eth0\ninterfaces:\n192.0.2.1 eth0\ninput:\n192.0.2.1\nexpected:\n192.0.2.1 0\n', "c.txt:2: link_down entry '3:eth0'"],
    ['nodes: 0\ninterfaces:\n192.0.2.9 eth0\ninput:\n192.0.2.1\nexpected:\n192.0.2.1 0\n', 'address 192.0.2.1 has no line in interfaces'],
    [`${BASE}input:\n`, "second 'input:' section"],
    [BASE.replace('nodes: 0,0', 'nodes: 0,0\nrebalance: 2'), 'c.txt:3: node 2 does not exist (nodes are 0..1)'],
    [BASE.replace('nodes: 0,0', 'nodes: 0,0\nrebalance: 1,1'), 'c.txt:3: node 1 is named twice'],
  ])('reports bad case %#: %s', (text, message) => {
    expect(parseTakeoverCase(text, 'c.txt')).toEqual({ ok: false, error: expect.stringContaining(message) });
  });
});

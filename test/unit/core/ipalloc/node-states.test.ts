// Text forms of node states, runstates, tunables and algorithm names.

import { applyTunable, parseAlgorithm, parseCInteger, parseNodeList, parseNodeStates, parseRunstates } from '../../../../src/core/ipalloc/node-states';
import { DEFAULT_TUNABLES } from '../../../../src/core/ipalloc';

describe('parseCInteger (strtol base 0)', () => {
  it.each([['0', 0], ['2', 2], ['0x20', 32], ['0X1f', 31], ['010', 8], ['-1', -1], [' 7 ', 7]])('%j is %d', (text, value) => {
    expect(parseCInteger(text)).toBe(value);
  });
  it.each(['', 'x', '0x', '08', '1e3', '2,'])('%j is not an integer', (text) => {
    expect(parseCInteger(text)).toBeUndefined();
  });
});

describe('parseNodeStates', () => {
  it('reads flag words and names alike', () => {
    expect(parseNodeStates('0,2,0x20,1')).toEqual({ ok: true, value: [0, 2, 0x20, 1] });
    expect(parseNodeStates('ok,unhealthy,stopped,disconnected')).toEqual({ ok: true, value: [0, 2, 0x20, 1] });
    expect(parseNodeStates('healthy,BANNED|Unhealthy,permanently_disabled,deleted')).toEqual({ ok: true, value: [0, 10, 4, 0x10] });
  });
  it('names the node and the bad token', () => {
    expect(parseNodeStates('0,0x40')).toEqual({ ok: false, error: expect.stringContaining('node 1: node state 0x40') });
    expect(parseNodeStates('0,,0')).toEqual({ ok: false, error: expect.stringContaining('node 1:') });
    expect(parseNodeStates('')).toEqual({ ok: false, error: expect.stringContaining('no node states') });
  });
});

describe('parseRunstates', () => {
  it('marks only RUNNING (5) nodes as running, by number or name', () => {
    expect(parseRunstates('4,5,running,startup', 4)).toEqual({ ok: true, value: [false, true, true, false] });
  });
  it('needs one per node and known values', () => {
    expect(parseRunstates('5,5', 3)).toEqual({ ok: false, error: expect.stringContaining('2 runstates for 3 nodes') });
    expect(parseRunstates('9', 1)).toEqual({ ok: false, error: expect.stringContaining("runstate '9' is unknown") });
  });
});

describe('parseNodeList', () => {
  it('keeps the given order', () => {
    expect(parseNodeList('1, 0,2', 3)).toEqual({ ok: true, value: [1, 0, 2] });
    expect(parseNodeList('4294967294')).toEqual({ ok: true, value: [0xfffffffe] });
  });
  it.each([
    ['', 3, 'no nodes given'],
    ['1,', 3, "'' is not a node number"],
    ['-1', 3, "'-1' is not a node number"],
    ['0x1', 3, "'0x1' is not a node number"],
    ['4294967295', undefined, "'4294967295' is not a node number"],
    ['3', 3, 'node 3 does not exist (nodes are 0..2)'],
    ['1,2,1', 3, 'node 1 is named twice'],
  ])('refuses %j with %s nodes', (text, nodeCount, message) => {
    expect(parseNodeList(text, nodeCount)).toEqual({ ok: false, error: expect.stringContaining(message) });
  });
});

describe('applyTunable and parseAlgorithm', () => {
  it('accepts CTDB names in any case, non-zero is on', () => {
    expect(applyTunable(DEFAULT_TUNABLES, 'NoIPFailback=1')).toEqual({ ok: true, value: { noIpFailback: true, noIpTakeover: false } });
    expect(applyTunable(DEFAULT_TUNABLES, 'noiptakeover=0x2')).toEqual({ ok: true, value: { noIpFailback: false, noIpTakeover: true } });
    expect(applyTunable({ noIpFailback: true, noIpTakeover: false }, 'NoIPFailback=0')).toEqual({ ok: true, value: DEFAULT_TUNABLES });
  });
  it('rejects unknown names and missing values', () => {
    expect(applyTunable(DEFAULT_TUNABLES, 'DeterministicIPs=1').ok).toBe(false);
    expect(applyTunable(DEFAULT_TUNABLES, 'NoIPFailback=yes').ok).toBe(false);
  });
  it('knows short and long algorithm names', () => {
    expect(['lcp2', 'det', 'deterministic', 'nondet', 'NonDeterministic'].map((n) => parseAlgorithm(n))).toEqual([
      { ok: true, value: 'lcp2' }, { ok: true, value: 'deterministic' }, { ok: true, value: 'deterministic' },
      { ok: true, value: 'nondeterministic' }, { ok: true, value: 'nondeterministic' },
    ]);
    expect(parseAlgorithm('roundrobin').ok).toBe(false);
  });
});

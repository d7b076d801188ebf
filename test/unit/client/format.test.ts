// The formatters cli and lab share: aligned columns, and `floatip status` in ctdb status layout.

import { formatStatus } from '../../../src/client/format/status';
import { formatTable } from '../../../src/client/format/table';
import { StatusResult } from '../../../src/protocol/control-results';
import { STATUS } from '../daemon/control/fake-api';

describe('formatTable', () => {
  it.each([
    [[['a', 'bb'], ['ccc', 'd']], [], ['a    bb', 'ccc  d']],
    [[['1', 'x'], ['100', 'y']], ['right'], ['  1  x', '100  y']],
    [[['a', ''], ['b', 'c']], [], ['a', 'b  c']],
    [[], [], []],
  ] as const)('%j aligned %j', (rows, align, expected) => {
    expect(formatTable(rows, align)).toEqual(expected);
  });
});

describe('formatStatus', () => {
  it('lock quorum, no deleted node, pending monitor', () => {
    const nodes = STATUS.nodes.slice(0, 2).map((n) => ({ ...n, flags: 'OK' }));
    expect(formatStatus({ ...STATUS, nodes, quorumRule: 'lock', partition: [0, 1], monitor: 'pending' })).toBe([
      'Number of nodes:2', 'pnn:0 192.0.2.1 OK (THIS NODE)', 'pnn:1 192.0.2.2 OK',
      'Epoch:12', 'Leader:0', 'Quorum:yes (cluster lock; partition: 0,1)', 'Monitor:pending', '',
    ].join('\n'));
  });

  it('a node held out by flap damping says so and why', () => {
    const flapDamping = { heldOut: true, flips: 4, heldForMs: 55_000, holds: 1, reason: 'health flipped 4 times within 60 s, more than 3: held out for 60 s' };
    expect(formatStatus({ ...STATUS, monitor: 'unhealthy', flapDamping })).toContain(
      'Monitor:unhealthy\nFlap damping: HELD OUT (health flipped 4 times within 60 s, more than 3: held out for 60 s)\n');
    expect(formatStatus({ ...STATUS, flapDamping: { ...flapDamping, heldOut: false } })).not.toContain('Flap damping');
  });

  it('no quorum, empty partition, two deleted nodes', () => {
    const nodes = [STATUS.nodes[0], { ...STATUS.nodes[3] }, { ...STATUS.nodes[3], pnn: 4 }];
    const text = formatStatus({ ...STATUS, nodes, quorate: false, leader: -1, partition: [] });
    expect(text).toContain('Number of nodes:3 (including 2 deleted nodes)\npnn:0 192.0.2.1 OK (THIS NODE)\nEpoch');
    expect(text).toContain('Leader:none\nQuorum:NO (majority; partition: none)\n');
  });

  it('shows each peer\'s latest heartbeat round trip in a last column, `-` when not measured, nothing for this node', () => {
    const nodes = [STATUS.nodes[0], { ...STATUS.nodes[1], rttMs: 0.4249 }, { ...STATUS.nodes[2], rttMs: null }];
    expect(formatStatus({ ...STATUS, nodes }).split('\n').slice(0, 4)).toEqual([
      'Number of nodes:3',
      'pnn:0 192.0.2.1 OK (THIS NODE)',
      'pnn:1 192.0.2.2 UNHEALTHY              rtt:0.42ms',
      'pnn:2 192.0.2.3 DISCONNECTED|UNHEALTHY rtt:-',
    ]);
  });
});

describe('formatStatus PARTIALLYONLINE', () => {
  it('shows PARTIALLYONLINE in place of OK for a node with an interface without link, as ctdb status', () => {
    const nodes = [{ ...STATUS.nodes[0], partiallyOnline: true }, { ...STATUS.nodes[1], partiallyOnline: true }];
    expect(formatStatus({ ...STATUS, nodes }).split('\n').slice(1, 3)).toEqual([
      'pnn:0 192.0.2.1 PARTIALLYONLINE (THIS NODE)',
      'pnn:1 192.0.2.2 UNHEALTHY',
    ]);
  });
});

describe('formatStatus next run', () => {
  it.each<[string, StatusResult['nextRun'], string[]]>([
    ['none waits', null, []],
    ['an older daemon', undefined, []],
    ['a wait', { decision: 'wait', rule: 'crash', reason: 'for node 2\'s guardian to delete its 3 addresses (its stream broke)', waitMs: 312 },
      ['Next run held for node 2\'s guardian to delete its 3 addresses (its stream broke), 312 ms left']],
    ['a hold', { decision: 'held', rule: 'agreement', reason: 'until the partition agrees: this node sees 0,1, node 1 reports 0,1,2', waitMs: null },
      ['Next run held until the partition agrees: this node sees 0,1, node 1 reports 0,1,2']],
  ])('%s', (_name, nextRun, expected) => {
    const lines = formatStatus({ ...STATUS, nextRun }).split('\n');
    expect(lines.filter((l) => l.startsWith('Next run'))).toEqual(expected);
    if (expected.length > 0) expect(lines[lines.indexOf(expected[0]) - 1]).toMatch(/^Quorum:/);
  });
});

// The pure formatters of src/cli/format: edge cases as tables of input -> exact text.

import { formatAddressList } from '../../../src/cli/format/cleanup';
import { formatDone } from '../../../src/cli/format/done';
import { formatHistory } from '../../../src/cli/format/history';
import { formatIfaces, formatIps } from '../../../src/cli/format/ips';
import { ReplyShapeError, expectList, expectRecord } from '../../../src/cli/format/shape';
import { formatListNodes, formatStatus } from '../../../src/cli/format/status';
import { formatTable } from '../../../src/cli/format/table';
import { formatTickles } from '../../../src/cli/format/tickles';
import { formatAge, formatPing, formatUptime } from '../../../src/cli/format/uptime';
import { STATUS, T0 } from '../daemon/control/fake-api';
import { StatusResult } from '../../../src/protocol/control-results';

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

describe('formatStatus PARTIALLYONLINE', () => {
  it('shows PARTIALLYONLINE in place of OK for a node with an interface without link, as ctdb status', () => {
    const nodes = [{ ...STATUS.nodes[0], partiallyOnline: true }, { ...STATUS.nodes[1], partiallyOnline: true }];
    expect(formatStatus({ ...STATUS, nodes }).split('\n').slice(1, 3)).toEqual([
      'pnn:0 192.0.2.1 PARTIALLYONLINE (THIS NODE)',
      'pnn:1 192.0.2.2 UNHEALTHY',
    ]);
  });
});

describe('duplicate addresses in status and ip -v', () => {
  const duplicate = { address: '203.0.113.10', iface: 'veth0', macs: ['02:00:00:00:00:0b', '02:00:00:00:00:0c'], since: T0, lastSeen: T0 + 5000 };

  it('status says nothing while none is duplicated, and lists each one with its other MACs when some are', () => {
    expect(formatStatus({ ...STATUS, duplicates: { addresses: [], detections: 2 } })).toBe(formatStatus(STATUS));
    expect(formatStatus({ ...STATUS, duplicates: { addresses: [duplicate], detections: 2 } }).split('\n').slice(-3)).toEqual([
      'Duplicate addresses:1 (other MACs answer for addresses this node holds; see docs/operations.md)',
      `  203.0.113.10 on veth0: also 02:00:00:00:00:0b,02:00:00:00:00:0c since ${new Date(T0).toISOString()}`,
      '',
    ]);
  });

  it('ip -v adds duplicate[MACS] to the duplicated address only', () => {
    const ips = [
      { address: '203.0.113.10', bits: 24, pnn: 0, activeInterface: 'veth0', availableInterfaces: ['veth0'], configuredInterfaces: ['veth0'], duplicateMacs: duplicate.macs },
      { address: '203.0.113.11', bits: 24, pnn: 0, activeInterface: 'veth0', availableInterfaces: ['veth0'], configuredInterfaces: ['veth0'] },
    ];
    expect(formatIps(ips, true).split('\n').slice(1, 3)).toEqual([
      '203.0.113.10/24 node[0] active[veth0] available[veth0] configured[veth0] duplicate[02:00:00:00:00:0b,02:00:00:00:00:0c]',
      '203.0.113.11/24 node[0] active[veth0] available[veth0] configured[veth0]',
    ]);
  });
});

describe('small formatters', () => {
  it.each([
    ['listnodes empty', formatListNodes([]), 'No nodes configured\n'],
    ['ip empty', formatIps([], true), 'No public IPs\n'],
    ['ifaces empty', formatIfaces([]), 'No interfaces carry public IPs on this node\n'],
    ['ifaces with one missing on this node', formatIfaces([
      { name: 'bond1', link: 'missing', references: 1 }, { name: 'veth0', link: 'up', references: 2 }, { name: 'veth1', link: 'down', references: 1 },
    ]), 'Interfaces on this node\nname:bond1 link:missing references:1\nname:veth0 link:up      references:2\nname:veth1 link:down    references:1\n'],
    ['history empty', formatHistory([]), 'No takeover run since floatipd started\n'],
    ['cleanup empty', formatAddressList([]), 'No floatip address to remove\n'],
    ['done with message', formatDone({ done: true, message: 'moved\n' }, 'moveip'), 'moved\n'],
    ['done without message', formatDone({ done: true, message: '' }, 'moveip'), 'Done\n'],
    ['tickles IPv6, none', formatTickles({ address: '2001:db8::10', connections: [] }), 'Connections for IP: 2001:db8::10\nNum connections: 0\n'],
    ['tickles IPv6', formatTickles({ address: '2001:db8::10', connections: [{ client: '2001:db8::99', clientPort: 5, serverPort: 445 }] }),
      'Connections for IP: 2001:db8::10\nNum connections: 1\nSRC: [2001:db8::99]:5  DST: [2001:db8::10]:445\n'],
    ['ping', formatPing({ pnn: 3, handledUs: 7 }, 0.1234), 'response from 3 time=0.000123 sec (handled in 7 us)\n'],
  ])('%s', (_what, text, expected) => {
    expect(text).toBe(expected);
  });

  it.each([
    [0, '(000 00:00:00)'],
    [999, '(000 00:00:00)'],
    [61_000, '(000 00:01:01)'],
    [90_061_000, '(001 01:01:01)'],
    [-5_000, '(000 00:00:00)'],
  ])('formatAge(%d) = %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });

  it('uptime without any takeover run', () => {
    expect(formatUptime({ startedAt: T0, lastTakeoverAt: null, lastTakeoverMs: null }, T0 + 5000)).toBe([
      'Current time of node          :                2025-01-02 03:04:10.678 UTC',
      'floatipd start time           : (000 00:00:05) 2025-01-02 03:04:05.678 UTC',
      'Time of last takeover run     : none since floatipd started',
      '',
    ].join('\n'));
  });
});

describe('reply shape checks', () => {
  it.each([
    [() => expectRecord(null, 'status', ['pnn']), 'the daemon\'s answer to status is not an object'],
    [() => expectRecord([], 'status', ['pnn']), 'is not an object'],
    [() => expectRecord({}, 'leader', ['leader']), 'has no field \'leader\''],
    [() => expectList({}, 'ip', ['address']), 'the daemon\'s answer to ip is not a list'],
    [() => expectList([{ address: 'x' }, {}], 'ip', ['address']), 'the daemon\'s answer to ip (item 1) has no field \'address\''],
  ])('%#: %s', (check, message) => {
    expect(check).toThrow(ReplyShapeError);
    expect(check).toThrow(message);
  });
});

// The pure formatters of src/cli/format: edge cases as tables of input -> exact text.

import { formatAddressList } from '../../../src/cli/format/cleanup';
import { formatDone } from '../../../src/cli/format/done';
import { formatHistory } from '../../../src/cli/format/history';
import { formatIfaces, formatIps } from '../../../src/cli/format/ips';
import { ReplyShapeError, expectList, expectRecord } from '../../../src/cli/format/shape';
import { formatListNodes, formatStatus } from '../../../src/client/format/status';
import { formatTickles } from '../../../src/cli/format/tickles';
import { formatAge, formatPing, formatUptime } from '../../../src/cli/format/uptime';
import { STATUS, T0 } from '../daemon/control/fake-api';

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
    ['history empty', formatHistory([]), 'No takeover run known to this node (since the cluster formed)\n'],
    ['cleanup empty', formatAddressList([]), 'No floatip address to remove\n'],
    ['done with message', formatDone({ done: true, message: 'moved\n' }, 'moveip'), 'moved\n'],
    ['done without message', formatDone({ done: true, message: '' }, 'moveip'), 'Done\n'],
    ['tickles IPv6, none', formatTickles({ address: '2001:db8::10', connections: [] }), 'Connections for IP: 2001:db8::10\nNum connections: 0\n'],
    ['tickles IPv6', formatTickles({ address: '2001:db8::10', connections: [{ client: '2001:db8::99', clientPort: 5, serverPort: 445 }] }),
      'Connections for IP: 2001:db8::10\nNum connections: 1\nSRC: [2001:db8::99]:5  DST: [2001:db8::10]:445\n'],
    ['ping', formatPing({ pnn: 3 }, 0.1234), 'response from 3 time=0.000123 sec\n'],
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

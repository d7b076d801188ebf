// CTDB's -X layouts and nodestatus text, byte for byte against the expected output of CTDB's tool tests (ctdb/tests/UNIT/tool/).

import {
  ctdbFlagsText, ctdbIfacesText, ctdbIfacesX, ctdbIpText, ctdbIpX, ctdbListNodesX, ctdbNodemapText, ctdbNodemapX, ctdbTicklesX, ctdbUptimeX,
} from '../../../src/protocol/ctdb-x';
import { formatFlags } from '../../../src/core/flags';
import { IpStatus, NodeStatus } from '../../../src/protocol/control-results';

/** A NODEMAP section of CTDB's tool tests: `PNN ADDRESS 0xFLAGS`. */
function nodemap(text: string): NodeStatus[] {
  return text.trim().split('\n').map((line) => {
    const [pnn, address, flags] = line.trim().split(/\s+/);
    const bits = Number(flags);
    return { pnn: Number(pnn), address, flags: formatFlags(bits), flagBits: bits, isLocal: false };
  });
}

const THREE_OK = nodemap(`
0 192.168.20.41 0x0
1 192.168.20.42 0x0
2 192.168.20.43 0x0`);

describe("CTDB's -X layouts", () => {
  // ctdb.nodestatus.001 (-X all), ctdb.status.002 (-X), ctdb.nodestatus.002, .003, .004
  const NODEMAP_CASES: ReadonlyArray<[string, NodeStatus[], number, string]> = [
    ['nodestatus.001 -X all', THREE_OK, 2, `|Node|IP|Disconnected|Unknown|Banned|Disabled|Unhealthy|Stopped|Inactive|PartiallyOnline|ThisNode|
|0|192.168.20.41|0|0|0|0|0|0|0|0|N|
|1|192.168.20.42|0|0|0|0|0|0|0|0|N|
|2|192.168.20.43|0|0|0|0|0|0|0|0|Y|
`],
    ['nodestatus.002 -X all, 1 disconnected', nodemap('0 192.168.20.41 0x0\n1 192.168.20.42 0x1\n2 192.168.20.43 0x0'), 2,
      `|Node|IP|Disconnected|Unknown|Banned|Disabled|Unhealthy|Stopped|Inactive|PartiallyOnline|ThisNode|
|0|192.168.20.41|0|0|0|0|0|0|0|0|N|
|1|192.168.20.42|1|0|0|0|0|0|1|0|N|
|2|192.168.20.43|0|0|0|0|0|0|0|0|Y|
`],
    ['status.002 -X, 1 unhealthy', nodemap('0 192.168.20.41 0x2\n1 192.168.20.42 0x0\n2 192.168.20.43 0x0'), 1,
      `|Node|IP|Disconnected|Unknown|Banned|Disabled|Unhealthy|Stopped|Inactive|PartiallyOnline|ThisNode|
|0|192.168.20.41|0|0|0|0|1|0|0|0|N|
|1|192.168.20.42|0|0|0|0|0|0|0|0|Y|
|2|192.168.20.43|0|0|0|0|0|0|0|0|N|
`],
    ['nodestatus.004 -X 0, disabled+stopped', nodemap('0 192.168.20.41 0x24'), 2,
      `|Node|IP|Disconnected|Unknown|Banned|Disabled|Unhealthy|Stopped|Inactive|PartiallyOnline|ThisNode|
|0|192.168.20.41|0|0|0|1|0|1|1|0|N|
`],
  ];
  it.each(NODEMAP_CASES)('%s', (_name, nodes, thisNode, expected) => {
    expect(ctdbNodemapX(nodes, thisNode)).toBe(expected);
  });

  // ctdb.c partially_online(): a node with no flag and an interface whose link is down.
  it('PARTIALLYONLINE in place of OK, and 1 in -X, only for a node with no flag', () => {
    const [ok, unhealthy, healthy] = nodemap('0 192.168.20.41 0x0\n1 192.168.20.42 0x2\n2 192.168.20.43 0x0');
    const nodes = [{ ...ok, partiallyOnline: true }, { ...unhealthy, partiallyOnline: true }, { ...healthy, partiallyOnline: false }];
    expect(ctdbNodemapText(nodes, 2, true)).toBe(
      'Number of nodes:3\npnn:0 192.168.20.41    PARTIALLYONLINE\npnn:1 192.168.20.42    UNHEALTHY\npnn:2 192.168.20.43    OK (THIS NODE)\n');
    expect(ctdbNodemapX(nodes, 2).split('\n').slice(1, 4).map((l) => l.split('|')[10])).toEqual(['1', '0', '0']);
  });

  it('nodemap -X leaves deleted nodes out, as print_nodemap_machine does', () => {
    const nodes = nodemap('0 192.168.20.41 0x0\n1 192.168.20.42 0x10\n2 192.168.20.43 0x0');
    expect(ctdbNodemapX(nodes, 0).split('\n').map((l) => l.split('|')[1])).toEqual(['Node', '0', '2', undefined]);
  });

  // ctdb.nodestatus.001 / .003 / .004 without -X
  it.each([
    ['nodestatus.001 all', THREE_OK, 2, true, 'Number of nodes:3\npnn:0 192.168.20.41    OK\npnn:1 192.168.20.42    OK\npnn:2 192.168.20.43    OK (THIS NODE)\n'],
    ['nodestatus.003 all, unhealthy', nodemap('0 192.168.20.41 0x2\n1 192.168.20.42 0x0\n2 192.168.20.43 0x0'), 2, true,
      'Number of nodes:3\npnn:0 192.168.20.41    UNHEALTHY\npnn:1 192.168.20.42    OK\npnn:2 192.168.20.43    OK (THIS NODE)\n'],
    ['nodestatus.004 0', nodemap('0 192.168.20.41 0x24'), 2, false, 'pnn:0 192.168.20.41    DISABLED|STOPPED|INACTIVE\n'],
    ['nodestatus.002 all, disconnected', nodemap('0 192.168.20.41 0x0\n1 192.168.20.42 0x1\n2 192.168.20.43 0x0'), 2, true,
      'Number of nodes:3\npnn:0 192.168.20.41    OK\npnn:1 192.168.20.42    DISCONNECTED|INACTIVE\npnn:2 192.168.20.43    OK (THIS NODE)\n'],
  ] as const)('%s', (_name, nodes, thisNode, all, expected) => {
    expect(ctdbNodemapText(nodes, thisNode, all)).toBe(expected);
  });

  it('flag text keeps CTDB order and adds INACTIVE', () => {
    expect(ctdbFlagsText(0)).toBe('OK');
    expect(ctdbFlagsText(0x1 | 0x2)).toBe('DISCONNECTED|UNHEALTHY|INACTIVE');
    expect(ctdbFlagsText(0x8 | 0x4)).toBe('DISABLED|BANNED|INACTIVE');
  });

  // ctdb.ifaces.001 data, -X layout of control_ifaces
  it('ifaces -X', () => {
    expect(ctdbIfacesX([{ name: 'eth2', link: 'up', references: 2 }, { name: 'eth1', link: 'down', references: 4 }], 0))
      .toBe('|Name|LinkStatus|References|\n|eth2|1|2|\n|eth1|0|4|\n');
    expect(ctdbIfacesX([], 2)).toBe('No interfaces configured on node 2\n');
  });

  const ip = (address: string, pnn: number, active = '', available: string[] = [], configured: string[] = []): IpStatus => ({
    address, bits: 24, pnn, activeInterface: active, availableInterfaces: available, configuredInterfaces: configured,
  });

  // ctdb.ip.007 data (-v all) in the -X layout of print_ip
  it('ip -X and ip -X -v', () => {
    const ips = [
      ip('10.0.0.31', 0, 'eth2', ['eth2', 'eth1'], ['eth2', 'eth1']),
      ip('10.0.0.32', -1),
      ip('fd00::5357:5f01', 2, 'eth2', ['eth2', 'eth1'], ['eth2', 'eth1']),
    ];
    expect(ctdbIpX(ips, false)).toBe('|Public IP|Node|\n|10.0.0.31|0|\n|10.0.0.32|-1|\n|fd00::5357:5f01|2|\n');
    expect(ctdbIpX(ips, true)).toBe([
      '|Public IP|Node|ActiveInterfaces|AvailableInterfaces|ConfiguredInterfaces|',
      '|10.0.0.31|0|eth2|eth2,eth1|eth2,eth1|',
      '|10.0.0.32|-1||||',
      '|fd00::5357:5f01|2|eth2|eth2,eth1|eth2,eth1|',
      '',
    ].join('\n'));
    expect(ctdbIpX([], false)).toBe('|Public IP|Node|\n');
  });

  it('the awk lines of CTDB\'s functions file read what they expect', () => {
    // update_tickles: $CTDB -X ip | awk -F'|' -v pnn="$_pnn" '$3 == pnn {print $2}'
    const fields = ctdbIpX([ip('10.0.0.31', 1)], false).split('\n')[1].split('|');
    expect([fields[2], fields[1]]).toEqual(['1', '10.0.0.31']);
    // ctdb_get_ip_address: $CTDB -X nodestatus | awk -F '|' 'NR == 2 { print $3 }'
    expect(ctdbNodemapX(nodemap('1 192.168.20.42 0x0'), 1).split('\n')[1].split('|')[2]).toBe('192.168.20.42');
  });

  // ctdb.ip.003 / .006 / .007 and ctdb.ifaces.001, plain text
  it('ip and ifaces in plain text', () => {
    expect(ctdbIpText([ip('10.0.0.31', 0), ip('10.0.0.32', 1)], false, 0)).toBe('Public IPs on node 0\n10.0.0.31 0\n10.0.0.32 1\n');
    expect(ctdbIpText([ip('10.0.0.31', 0, 'eth2', ['eth2', 'eth1'], ['eth2', 'eth1']), ip('10.0.0.32', -1)], true, 'all')).toBe(
      'Public IPs on ALL nodes\n10.0.0.31 node[0] active[eth2] available[eth2,eth1] configured[eth2,eth1]\n'
      + '10.0.0.32 node[-1] active[] available[] configured[]\n');
    expect(ctdbIpText([], false, 0)).toBe('Public IPs on node 0\n');
    expect(ctdbIfacesText([{ name: 'eth2', link: 'up', references: 2 }, { name: 'eth1', link: 'up', references: 4 }], 0))
      .toBe('Interfaces on node 0\nname:eth2 link:up references:2\nname:eth1 link:up references:4\n');
  });

  it('listnodes -X: |PNN|ADDRESS| without a header, deleted nodes left out', () => {
    expect(ctdbListNodesX([
      { pnn: 0, address: '192.168.20.41', deleted: false },
      { pnn: 1, address: null, deleted: true },
      { pnn: 2, address: '192.168.20.43', deleted: false },
    ])).toBe('|0|192.168.20.41|\n|2|192.168.20.43|\n');
  });

  it('gettickles -X: source is the client, destination the public address', () => {
    expect(ctdbTicklesX({ address: '10.0.0.31', connections: [{ client: '192.0.2.9', clientPort: 51234, serverPort: 2049 }] }))
      .toBe('|Source IP|Port|Destination IP|Port|\n|192.0.2.9|51234|10.0.0.31|2049|\n');
  });

  it('uptime -X: epoch seconds and the duration with six decimals', () => {
    expect(ctdbUptimeX({ startedAt: 1_700_000_000_500, lastTakeoverAt: 1_700_000_100_900, lastTakeoverMs: 12.5 }, 1_700_000_200_000))
      .toBe('|Current Node Time|Ctdb Start Time|Last Recovery/Failover Time|Last Recovery/IPFailover Duration|\n|1700000200|1700000000|1700000100|0.012500\n');
    expect(ctdbUptimeX({ startedAt: 1_700_000_000_000, lastTakeoverAt: null, lastTakeoverMs: null }, 1_700_000_000_000).split('\n')[1])
      .toBe('|1700000000|1700000000|1700000000|0.000000');
  });
});

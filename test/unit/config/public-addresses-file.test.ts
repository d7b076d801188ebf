import { ip } from '../../../src/core/ip';
import { interfaceNameProblem, readPublicAddressesFile } from '../../../src/config/public-addresses-file';

const pub = (address: string, bits: number, ...interfaces: string[]) => ({ address: ip(address), bits, interfaces });

describe('readPublicAddressesFile: CTDB format', () => {
  it('reads IPv4 and IPv6, several interfaces, comments, blank lines and a last line without newline', () => {
    const content = [
      '# public addresses of node 0',
      '198.51.100.10/24 eth1',
      '',
      '   # indented comment',
      '198.51.100.11/24\teth1,eth2',
      '  203.0.113.7/32   bond0   # trailing comment',
      '2001:DB8:100::10/64 eth1',
      '\t2001:db8:100::11/128 eth1,eth2,eth3',
    ].join('\n');
    expect(readPublicAddressesFile(content, 'public_addresses')).toEqual({
      addresses: [
        pub('198.51.100.10', 24, 'eth1'),
        pub('198.51.100.11', 24, 'eth1', 'eth2'),
        pub('203.0.113.7', 32, 'bond0'),
        pub('2001:db8:100::10', 64, 'eth1'),
        pub('2001:db8:100::11', 128, 'eth1', 'eth2', 'eth3'),
      ],
      lines: [2, 5, 6, 7, 8],
      issues: [],
    });
  });

  it('reads CRLF line ends like LF', () => {
    const { addresses, issues } = readPublicAddressesFile('198.51.100.10/24 eth1\r\n\r\n198.51.100.11/24 eth2\r\n', 'p');
    expect(issues).toEqual([]);
    expect(addresses).toEqual([pub('198.51.100.10', 24, 'eth1'), pub('198.51.100.11', 24, 'eth2')]);
  });

  it('accepts an empty file: the node hosts nothing', () => {
    expect(readPublicAddressesFile('', 'p')).toEqual({ addresses: [], lines: [], issues: [] });
    expect(readPublicAddressesFile('# none here\n\n', 'p')).toEqual({ addresses: [], lines: [], issues: [] });
  });

  it('accepts /31 and /32 host addresses that look like network or broadcast addresses', () => {
    const { issues } = readPublicAddressesFile('198.51.100.0/31 eth1\n198.51.100.255/32 eth1\n', 'p');
    expect(issues).toEqual([]);
  });
});

describe('readPublicAddressesFile: errors', () => {
  it.each([
    ['198.51.100.300/24 eth1', 'E_PUBLIC_ADDRESS', 'public_addresses:2: 198.51.100.300/24 is not an IPv4 address'],
    ['2001:db8::g/64 eth1', 'E_PUBLIC_ADDRESS', 'public_addresses:2: 2001:db8::g/64 is not an IPv6 address'],
    ['198.51.100.12 eth1', 'E_PUBLIC_ADDRESS', '198.51.100.12 has no prefix length: write ADDR/BITS, e.g. 198.51.100.12/24'],
    ['198.51.100.12/33 eth1', 'E_PUBLIC_ADDRESS', '198.51.100.12/33: the prefix length must be 1..32'],
    ['198.51.100.12/0 eth1', 'E_PUBLIC_ADDRESS', '198.51.100.12/0: the prefix length must be 1..32'],
    ['198.51.100.12/x eth1', 'E_PUBLIC_ADDRESS', 'the prefix length must be 1..32'],
    ['2001:db8::12/129 eth1', 'E_PUBLIC_ADDRESS', '2001:db8::12/129: the prefix length must be 1..128'],
    ['198.51.100.0/24 eth1', 'E_PUBLIC_ADDRESS', '198.51.100.0/24 is the network address of its prefix'],
    ['198.51.100.255/24 eth1', 'E_PUBLIC_ADDRESS', '198.51.100.255/24 is the broadcast address of its prefix'],
    ['127.0.0.2/8 lo', 'E_PUBLIC_ADDRESS', '127.0.0.2 is a loopback address and cannot be a public address'],
    ['224.0.0.5/24 eth1', 'E_PUBLIC_ADDRESS', 'is a multicast address'],
    ['fe80::5/64 eth1', 'E_PUBLIC_ADDRESS', 'is a link-local address'],
    ['::ffff:198.51.100.5/120 eth1', 'E_PUBLIC_ADDRESS', 'is an IPv4-mapped IPv6 address: write the IPv4 address'],
    ['198.51.100.12/24', 'E_PUBLIC_INTERFACE', 'no interface for 198.51.100.12/24: a line is ADDR/BITS IFACE[,IFACE...]'],
    ['198.51.100.12/24 # eth1', 'E_PUBLIC_INTERFACE', 'no interface for 198.51.100.12/24'],
    ['198.51.100.12/24 eth1,,eth2', 'E_PUBLIC_INTERFACE', 'an interface name is empty'],
    ['198.51.100.12/24 eth1,', 'E_PUBLIC_INTERFACE', 'an interface name is empty'],
    ['198.51.100.12/24 eth1:0', 'E_PUBLIC_INTERFACE', 'interface name "eth1:0" contains "/", ":" or white space'],
    ['198.51.100.12/24 averyveryverylongname', 'E_PUBLIC_INTERFACE', 'is longer than 15 characters'],
    ['198.51.100.12/24 eth1,eth1', 'E_PUBLIC_INTERFACE', 'interface "eth1" is listed twice'],
    ['198.51.100.12/24 eth1 eth2', 'E_PUBLIC_SYNTAX', 'unexpected "eth2" after the interfaces'],
  ])('%s', (line, code, message) => {
    const { addresses, issues } = readPublicAddressesFile(`198.51.100.10/24 eth1\n${line}\n198.51.100.11/24 eth1\n`, 'public_addresses');
    expect(issues).toHaveLength(1);
    expect(issues[0].code).toBe(code);
    expect(`${issues[0].file}:${issues[0].line}: ${issues[0].message}`).toContain(message);
    expect(addresses.map((a) => a.address.text)).toEqual(['198.51.100.10', '198.51.100.11']);
  });

  it('refuses a duplicate address, also with another prefix length or spelling', () => {
    const { issues } = readPublicAddressesFile(
      '198.51.100.10/24 eth1\n198.51.100.10/25 eth2\n2001:db8::10/64 eth1\n2001:DB8:0::10/64 eth1\n', 'p');
    expect(issues).toEqual([
      { code: 'E_PUBLIC_DUPLICATE', file: 'p', line: 2, message: '198.51.100.10 is already listed on line 1: list each address once' },
      { code: 'E_PUBLIC_DUPLICATE', file: 'p', line: 4, message: '2001:db8::10 is already listed on line 3: list each address once' },
    ]);
  });

  it('reports an address and an interface problem on the same line', () => {
    const { issues } = readPublicAddressesFile('198.51.100.300/24 eth1,,x\n', 'p');
    expect(issues.map((i) => i.code)).toEqual(['E_PUBLIC_ADDRESS', 'E_PUBLIC_INTERFACE']);
  });
});

describe('interfaceNameProblem', () => {
  it.each(['eth0', 'bond0.100', 'enp0s31f6', 'veth-a_b', 'x'.repeat(15)])('accepts %s', (name) => {
    expect(interfaceNameProblem(name)).toBeUndefined();
  });
  it.each(['', '.', '..', 'a/b', 'a:b', 'a b', 'x'.repeat(16)])('refuses %j', (name) => {
    expect(interfaceNameProblem(name)).toEqual(expect.any(String));
  });
});

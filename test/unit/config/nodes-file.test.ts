import { ip } from '../../../src/core/ip';
import { readNodesFile } from '../../../src/config/nodes-file';

const live = (pnn: number, address: string, line: number) => ({ pnn, address: ip(address), deleted: false, line });
const deleted = (pnn: number, line: number) => ({ pnn, address: null, deleted: true, line });

describe('readNodesFile: CTDB rules', () => {
  it('numbers nodes by line, from 0', () => {
    expect(readNodesFile('192.0.2.11\n192.0.2.12\n192.0.2.13\n', 'nodes')).toEqual({
      nodes: [live(0, '192.0.2.11', 1), live(1, '192.0.2.12', 2), live(2, '192.0.2.13', 3)],
      issues: [],
    });
  });

  it('keeps the numbers of the nodes after a deleted (#) node', () => {
    const { nodes, issues } = readNodesFile('192.0.2.11\n#192.0.2.12\n192.0.2.13\n', 'nodes');
    expect(issues).toEqual([]);
    expect(nodes).toEqual([live(0, '192.0.2.11', 1), deleted(1, 2), live(2, '192.0.2.13', 3)]);
  });

  it('reads any # line as a deleted node, text or not, as CTDB does', () => {
    const { nodes } = readNodesFile('# my cluster\n192.0.2.11\n#\n192.0.2.13', 'nodes');
    expect(nodes).toEqual([deleted(0, 1), live(1, '192.0.2.11', 2), deleted(2, 3), live(3, '192.0.2.13', 4)]);
  });

  it('skips empty and blank lines without giving them a number', () => {
    const { nodes, issues } = readNodesFile('\n192.0.2.11\n\n \t\n192.0.2.12\n\n\n', 'nodes');
    expect(issues).toEqual([]);
    expect(nodes).toEqual([live(0, '192.0.2.11', 2), live(1, '192.0.2.12', 5)]);
  });

  it('ignores spaces and tabs around an address, also before #', () => {
    const { nodes, issues } = readNodesFile('  192.0.2.11\t\n\t #192.0.2.12\n192.0.2.13  ', 'nodes');
    expect(issues).toEqual([]);
    expect(nodes).toEqual([live(0, '192.0.2.11', 1), deleted(1, 2), live(2, '192.0.2.13', 3)]);
  });

  it('reads IPv6 and a last line without newline', () => {
    const { nodes, issues } = readNodesFile('2001:DB8::11\n2001:db8:0::12', 'nodes');
    expect(issues).toEqual([]);
    expect(nodes).toEqual([live(0, '2001:db8::11', 1), live(1, '2001:db8::12', 2)]);
  });

  it('reads CRLF line ends like LF', () => {
    const { nodes, issues } = readNodesFile('192.0.2.11\r\n#192.0.2.12\r\n\r\n192.0.2.13\r\n', 'nodes');
    expect(issues).toEqual([]);
    expect(nodes).toEqual([live(0, '192.0.2.11', 1), deleted(1, 2), live(2, '192.0.2.13', 4)]);
  });

  it('ends a line at a stray carriage return, as Samba\'s file_lines_load does', () => {
    expect(readNodesFile('192.0.2.11\rjunk\n192.0.2.12\n', 'nodes').nodes).toEqual([live(0, '192.0.2.11', 1), live(1, '192.0.2.12', 2)]);
  });

  it('reads an IPv4-mapped IPv6 address as IPv4, as CTDB does', () => {
    expect(readNodesFile('::ffff:192.0.2.11\n', 'nodes').nodes).toEqual([live(0, '192.0.2.11', 1)]);
  });
});

describe('readNodesFile: errors', () => {
  it.each([
    ['192.0.2.300', 'nodes:2: 192.0.2.300 is not an IPv4 address: write one IPv4 or IPv6 address per line'],
    ['2001:db8::1::2', 'nodes:2: 2001:db8::1::2 is not an IPv6 address: write one IPv4 or IPv6 address per line'],
    ['node2.example', 'nodes:2: node2.example is not an IPv4 address'],
    ['192.0.2.12 # web', 'nodes:2: "192.0.2.12 # web": a line holds one address and nothing else; "#" marks a deleted node only at the start'],
    ['192.0.2.12:4379', 'nodes:2: "192.0.2.12:4379": write the address without a port; the port of every node is node.port'],
    ['[2001:db8::12]:4379', 'nodes:2: "[2001:db8::12]:4379": write the address without a port'],
    ['0.0.0.0', 'nodes:2: 0.0.0.0 is the unspecified address: give the node\'s private cluster address'],
    ['ff02::1', 'nodes:2: ff02::1 is a multicast address'],
  ])('%s', (line, message) => {
    const { issues } = readNodesFile(`192.0.2.11\n${line}\n192.0.2.13\n`, 'nodes');
    expect(issues).toHaveLength(1);
    expect(issues[0].code).toBe('E_NODES_ADDRESS');
    expect(`${issues[0].file}:${issues[0].line}: ${issues[0].message}`).toContain(message);
  });

  it('refuses a duplicate address, naming the first line and the node', () => {
    const { issues } = readNodesFile('192.0.2.11\n192.0.2.12\n\n192.0.2.11\n', 'nodes');
    expect(issues).toEqual([{
      code: 'E_NODES_DUPLICATE', file: 'nodes', line: 4,
      message: expect.stringContaining('192.0.2.11 is already node 0 (line 1): every node needs its own address'),
    }]);
  });

  it('sees duplicates through different spellings', () => {
    const { issues } = readNodesFile('2001:db8::11\n2001:DB8:0:0::11\n', 'nodes');
    expect(issues.map((i) => i.code)).toEqual(['E_NODES_DUPLICATE']);
  });

  it('reports every bad line, not only the first', () => {
    const { issues } = readNodesFile('192.0.2.300\n192.0.2.12\nbad\n192.0.2.12\n', 'nodes');
    expect(issues.map((i) => [i.line, i.code])).toEqual([[1, 'E_NODES_ADDRESS'], [3, 'E_NODES_ADDRESS'], [4, 'E_NODES_DUPLICATE']]);
  });

  it.each([['', 'no nodes'], ['\n\n  \n', 'no nodes'], ['#192.0.2.11\n#192.0.2.12\n', 'every node is deleted']])(
    'refuses a file without live nodes: %j', (content, message) => {
      const { issues } = readNodesFile(content, 'nodes');
      expect(issues).toEqual([{ code: 'E_NODES_EMPTY', file: 'nodes', message: expect.stringContaining(message) }]);
    });
});

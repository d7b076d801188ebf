import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ip } from '../../../src/core/ip';
import { ConfigError, formatIssue } from '../../../src/config/issues';
import { ConfigLoad, defaults, loadConfig, ReadTextFile } from '../../../src/config/load';
import { EVENT_NAMES } from '../../../src/config/schema';
import { FULL_HEARTBEAT_EVERY } from '../../../src/protocol/frame-session';

function fakeFiles(files: Record<string, string>, errors: Record<string, string> = {}): ReadTextFile & { read: string[] } {
  const read: string[] = [];
  const readFile = async (path: string): Promise<string> => {
    read.push(path);
    if (errors[path] !== undefined) throw Object.assign(new Error(`${errors[path]}: ${path}`), { code: errors[path] });
    if (files[path] === undefined) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
    return files[path];
  };
  return Object.assign(readFile, { read });
}

const ETC = '/etc/floatip';
const NODES = '192.0.2.11\n192.0.2.12\n#192.0.2.13\n192.0.2.14\n';
const PUBLIC = '198.51.100.10/24 eth1\n198.51.100.11/24 eth1,eth2\n2001:db8:100::10/64 eth1\n';

function cluster(toml: string, nodes = NODES, publicAddresses = PUBLIC): ReadTextFile & { read: string[] } {
  return fakeFiles({ [`${ETC}/floatip.toml`]: toml, [`${ETC}/nodes`]: nodes, [`${ETC}/public_addresses`]: publicAddresses });
}

async function load(readFile: ReadTextFile): Promise<ConfigLoad> {
  return loadConfig({ tomlPath: `${ETC}/floatip.toml` }, readFile);
}

function issuesOf(result: ConfigLoad): string[] {
  if (result.ok) throw new Error('expected the load to fail');
  expect(result).not.toHaveProperty('config');
  return result.issues.map(formatIssue);
}

describe('loadConfig: a valid configuration', () => {
  it('loads the three files into one config', async () => {
    const result = await load(cluster('[node]\npnn = 1\n'));
    if (!result.ok) throw new ConfigError(result.issues);
    const { config } = result;
    expect(config.nodes).toEqual([
      { pnn: 0, address: ip('192.0.2.11'), deleted: false, line: 1 },
      { pnn: 1, address: ip('192.0.2.12'), deleted: false, line: 2 },
      { pnn: 2, address: null, deleted: true, line: 3 },
      { pnn: 3, address: ip('192.0.2.14'), deleted: false, line: 4 },
    ]);
    expect(config.public_addresses).toEqual([
      { address: ip('198.51.100.10'), bits: 24, interfaces: ['eth1'] },
      { address: ip('198.51.100.11'), bits: 24, interfaces: ['eth1', 'eth2'] },
      { address: ip('2001:db8:100::10'), bits: 64, interfaces: ['eth1'] },
    ]);
    expect(config.node).toEqual({ pnn: 1, address: ip('192.0.2.12'), bind_address: ip('192.0.2.12'), port: 4390 });
    expect(config.timing).toEqual(defaults.timing);
    expect(config.ban.credits_threshold).toBe(8);
    expect(config.events.timeouts).toEqual(Object.fromEntries(EVENT_NAMES.map((name) => [name, name === 'takeip' || name === 'releaseip' ? 2000 : 30_000])));
    expect(result.warnings).toEqual([]);
  });

  it('fills in the pnn from node.address, and keeps an explicit bind_address', async () => {
    const result = await load(cluster('[node]\naddress = "192.0.2.14"\nbind_address = "0.0.0.0"\n'));
    expect(result.ok && result.config.node).toEqual({ pnn: 3, address: ip('192.0.2.14'), bind_address: ip('0.0.0.0'), port: 4390 });
  });

  it('leaves the identity to the daemon when floatip.toml names none', async () => {
    const result = await load(cluster(''));
    expect(result.ok && result.config.node).toEqual({ pnn: undefined, address: undefined, bind_address: undefined, port: 4390 });
  });

  it('uses per-event timeouts over the default timeout', async () => {
    const result = await load(cluster('[events]\ndefault_timeout = "20s"\n[events.timeouts]\nmonitor = "5s"\n'));
    expect(result.ok && result.config.events.timeouts).toMatchObject({ monitor: 5000, takeip: 2000, releaseip: 2000, shutdown: 20_000 });
  });

  it.each([
    ['[events.timeouts]\ntakeip = "30s"\n', 2, 'events.timeouts.takeip', '(30s) + events.timeouts.releaseip (2s)'],
    ['[events.timeouts]\nreleaseip = "4s"\n', 2, 'events.timeouts.releaseip', '(2s) + events.timeouts.releaseip (4s)'],
    ['[timing]\ntakeover_deadline = "3s"\n', 2, 'timing.takeover_deadline', 'timing.takeover_deadline (3s)'],
  ])('refuses takeip + releaseip timeouts that do not fit in the run\'s deadline: %j', async (toml, line, key, text) => {
    const issues = issuesOf(await load(cluster(toml)));
    expect(issues).toEqual([expect.stringContaining(`/etc/floatip/floatip.toml:${line}: ${key}: `)]);
    expect(issues[0]).toContain(text);
  });

  it('accepts in-run event timeouts that fit in a longer deadline', async () => {
    const result = await load(cluster('[timing]\ntakeover_deadline = "70s"\n[events.timeouts]\ntakeip = "30s"\nreleaseip = "30s"\n'));
    expect(result.ok).toBe(true);
  });

  it('keeps an explicit ban threshold', async () => {
    const result = await load(cluster('[ban]\ncredits_threshold = 3\n'));
    expect(result.ok && result.config.ban.credits_threshold).toBe(3);
  });

  it('resolves relative paths against the directory of floatip.toml', async () => {
    const files = fakeFiles({
      '/srv/lab/n0/floatip.toml': '[cluster]\nnodes_file = "../nodes"\npublic_addresses_file = "public_addresses"\nkey_file = "key"\n'
        + '[events]\ndir = "events.d"\n[control]\nsocket = "/run/x.sock"\n',
      '/srv/lab/nodes': NODES,
      '/srv/lab/n0/public_addresses': PUBLIC,
    });
    const result = await loadConfig({ tomlPath: '/srv/lab/n0/floatip.toml' }, files);
    if (!result.ok) throw new ConfigError(result.issues);
    expect(result.config.cluster).toMatchObject({
      nodes_file: '/srv/lab/nodes', public_addresses_file: '/srv/lab/n0/public_addresses', key_file: '/srv/lab/n0/key',
    });
    expect(result.config.events.dir).toBe('/srv/lab/n0/events.d');
    expect(result.config.control.socket).toBe('/run/x.sock');
  });

  it('takes the nodes and public_addresses paths from the caller when given', async () => {
    const files = fakeFiles({ '/a/floatip.toml': '', '/b/nodes': NODES, '/c/pub': PUBLIC });
    const result = await loadConfig({ tomlPath: '/a/floatip.toml', nodesPath: '/b/nodes', publicAddressesPath: '/c/pub' }, files);
    expect(result.ok).toBe(true);
    expect(files.read.sort()).toEqual(['/a/floatip.toml', '/b/nodes', '/c/pub']);
  });

  it('reads CRLF files and files without a last newline', async () => {
    const result = await load(cluster('[node]\r\npnn = 0\r\n', '192.0.2.11\r\n192.0.2.12', '198.51.100.10/24 eth1\r\n198.51.100.11/24 eth1'));
    expect(result.ok && result.config.nodes.length).toBe(2);
    expect(result.ok && result.config.public_addresses.length).toBe(2);
  });

  it('warns about a two-node cluster with majority quorum', async () => {
    const result = await load(cluster('[cluster]\nquorum = "majority"\n', '192.0.2.11\n192.0.2.12\n'));
    expect(result.ok).toBe(true);
    expect(result.warnings.map(formatIssue)).toEqual([
      '/etc/floatip/floatip.toml:2: cluster.quorum: with 2 nodes a strict majority needs both, so no address can fail over; '
        + 'set cluster.cluster_lock and quorum = "lock"',
    ]);
  });

  it('warns when this node has no public address', async () => {
    const result = await load(cluster('', NODES, '# none\n'));
    expect(result.ok).toBe(true);
    expect(result.warnings.map(formatIssue)).toEqual(['/etc/floatip/public_addresses: no public addresses: this node will host none']);
  });

  it('warns when a node\'s share of the addresses takes longer to delete than dead_after leaves after fence_after', async () => {
    const many = Array.from({ length: 2400 }, (_, i) => `2001:db8::${(i + 1).toString(16)}/64 eth1`).join('\n');
    const fast = await load(cluster('[timing]\nprofile = "fast"\n', NODES, many));
    expect(fast.ok).toBe(true);
    // 3 live nodes: 800 each, 0.1 ms per address (core/quorum.ts); fast: fence_after 175 + 80 > dead_after 250.
    expect(fast.warnings.map(formatIssue)).toEqual([
      '/etc/floatip/floatip.toml:1: timing.dead_after: a node holding its share of the 2400 public addresses (~800) needs ~80 ms to delete them after '
        + 'fence_after (175 ms), which ends after dead_after (250 ms): the other nodes then wait 255 ms, not dead_after, before they take '
        + 'a silent node\'s addresses; set dead_after to at least 255 ms (or fence_after lower) so that the timing says what happens',
    ]);
    const roomy = await load(cluster('[timing]\nprofile = "fast"\ndead_after = "300ms"\n', NODES, many));
    expect(roomy.ok && roomy.warnings).toEqual([]);
    expect((await load(cluster('', NODES, many))).warnings).toEqual([]); // default: 700 + 80 < 1000
  });

  it('warns when dead_after leaves no room for a refused heartbeat: a peer hears the next whole one FULL_HEARTBEAT_EVERY + 1 intervals later', async () => {
    const tight = await load(cluster('[timing]\nheartbeat_interval = "100ms"\ndead_after = "400ms"\nfence_after = "300ms"\n', NODES));
    expect(tight.ok).toBe(true);
    expect(tight.warnings.map(formatIssue)).toEqual([
      `/etc/floatip/floatip.toml:3: timing.dead_after: dead_after (400 ms) is not more than ${FULL_HEARTBEAT_EVERY + 1} heartbeat intervals `
        + `(${(FULL_HEARTBEAT_EVERY + 1) * 100} ms): a peer that has to refuse one of this node's heartbeats (a damaged frame) hears it again `
        + `only ${FULL_HEARTBEAT_EVERY + 1} intervals after the last one it took, and counts this node dead meanwhile; set dead_after above `
        + `${(FULL_HEARTBEAT_EVERY + 1) * 100} ms or heartbeat_interval below 100 ms (every profile's dead_after is 5 intervals)`,
    ]);
    const roomy = await load(cluster('[timing]\nheartbeat_interval = "100ms"\ndead_after = "500ms"\nfence_after = "300ms"\n', NODES));
    expect(roomy.ok && roomy.warnings).toEqual([]);
    for (const profile of ['default', 'fast', 'ultra']) {
      expect((await load(cluster(`[timing]\nprofile = "${profile}"\n`, NODES))).warnings).toEqual([]);
    }
  });

  it('loads the example configuration in examples/', async () => {
    const examples = join(__dirname, '..', '..', '..', 'examples');
    const result = await loadConfig({ tomlPath: join(examples, 'floatip.toml') }, (path) => readFile(path, 'utf8'));
    if (!result.ok) throw new ConfigError(result.issues);
    expect(result.config.nodes).toHaveLength(3);
    expect(result.config.public_addresses).toHaveLength(4);
    expect(result.config.node.pnn).toBe(0);
    expect(result.warnings).toEqual([]);
  });
});

describe('loadConfig: all or nothing', () => {
  it('reports a missing floatip.toml and reads nothing else', async () => {
    const files = fakeFiles({});
    expect(issuesOf(await load(files))).toEqual([
      '/etc/floatip/floatip.toml: file not found: create it (an empty file means all defaults) or give the right path',
    ]);
    expect(files.read).toEqual(['/etc/floatip/floatip.toml']);
  });

  it('stops at a TOML syntax error, since the file paths in it are unknown', async () => {
    const files = cluster('[node\n');
    const result = await load(files);
    expect(result.ok === false && result.issues.map((i) => i.code)).toEqual(['E_CONFIG_SYNTAX']);
    expect(files.read).toEqual(['/etc/floatip/floatip.toml']);
  });

  it('reports missing nodes and public_addresses files together', async () => {
    const files = fakeFiles({ [`${ETC}/floatip.toml`]: '' });
    expect(issuesOf(await load(files))).toEqual([
      '/etc/floatip/nodes: file not found: create it with the private address of every node, one per line, or set cluster.nodes_file in floatip.toml',
      '/etc/floatip/public_addresses: file not found: create it (an empty file means this node hosts no public address), '
        + 'or set cluster.public_addresses_file in floatip.toml',
    ]);
  });

  it('reports a file it may not read', async () => {
    const files = fakeFiles({ [`${ETC}/floatip.toml`]: '', [`${ETC}/public_addresses`]: PUBLIC }, { [`${ETC}/nodes`]: 'EACCES' });
    const result = await load(files);
    expect(result.ok === false && result.issues).toEqual([expect.objectContaining({
      code: 'E_CONFIG_FILE_UNREADABLE', file: '/etc/floatip/nodes', message: expect.stringContaining('permission denied'),
    })]);
  });

  it('reports other read errors with their message', async () => {
    const files = fakeFiles({ [`${ETC}/nodes`]: NODES, [`${ETC}/public_addresses`]: PUBLIC }, { [`${ETC}/floatip.toml`]: 'EISDIR' });
    expect(issuesOf(await load(files))).toEqual([
      '/etc/floatip/floatip.toml: cannot read it (EISDIR: /etc/floatip/floatip.toml); check that it is a readable file',
    ]);
  });

  it('reports an empty nodes file', async () => {
    expect(issuesOf(await load(cluster('', '')))).toEqual([expect.stringContaining('/etc/floatip/nodes: no nodes')]);
  });

  it('returns every problem of all three files, and no config', async () => {
    const result = await load(cluster(
      '[node]\nport = 0\n[timing]\nfence_after = "2s"\n',
      '192.0.2.11\n192.0.2.300\n192.0.2.11\n',
      '198.51.100.10/24 eth1\n198.51.100.10/24 eth2\n198.51.100.20/24\n',
    ));
    expect(issuesOf(result)).toEqual([
      '/etc/floatip/floatip.toml:2: node.port: 0 is out of range: use 1..65535',
      expect.stringContaining('/etc/floatip/floatip.toml:4: timing.fence_after: timing.fence_after (2s) must be shorter than timing.dead_after (1s)'),
      expect.stringContaining('/etc/floatip/nodes:2: 192.0.2.300 is not an IPv4 address'),
      expect.stringContaining('/etc/floatip/nodes:3: 192.0.2.11 is already node 0 (line 1)'),
      '/etc/floatip/public_addresses:2: 198.51.100.10 is already listed on line 1: list each address once',
      expect.stringContaining('/etc/floatip/public_addresses:3: no interface for 198.51.100.20/24'),
    ]);
  });

  it.each([
    ['[node]\npnn = 7\n', '/etc/floatip/floatip.toml:2: node.pnn: node 7 does not exist: nodes lists 4 node(s), numbered 0..3'],
    ['[node]\npnn = 2\n', '/etc/floatip/floatip.toml:2: node.pnn: node 2 is deleted in nodes (line 3 starts with "#"): use the number of a live node'],
    ['[node]\naddress = "192.0.2.99"\n', '/etc/floatip/floatip.toml:2: node.address: 192.0.2.99 is not in nodes: use this node\'s line of nodes, or add the node there'],
    ['[node]\npnn = 0\naddress = "192.0.2.12"\n',
      '/etc/floatip/floatip.toml:3: node.address: node.address 192.0.2.12 is node 1, but node.pnn is 0: set only one of them, or make them agree'],
  ])('checks the node identity against nodes: %j', async (toml, message) => {
    const result = await load(cluster(toml));
    expect(issuesOf(result)).toEqual([message]);
    expect(result.ok === false && result.issues[0].code).toBe('E_NODE_SELF');
  });

  it('finds node.address through another spelling of the same address', async () => {
    const result = await load(cluster('[node]\naddress = "::ffff:192.0.2.12"\n'));
    expect(result.ok && result.config.node.pnn).toBe(1);
  });

  it('does not check the identity against a broken nodes file', async () => {
    const result = await load(cluster('[node]\npnn = 3\n', '192.0.2.11\nbad\n'));
    expect(result.ok === false && result.issues.map((i) => i.code)).toEqual(['E_NODES_ADDRESS']);
  });
});

describe('ConfigError', () => {
  it('carries every issue and lists them in its message', () => {
    const error = new ConfigError([
      { code: 'E_CONFIG_RANGE', file: 'f.toml', line: 2, key: 'node.port', message: '0 is out of range: use 1..65535' },
      { code: 'E_NODES_EMPTY', file: 'nodes', message: 'no nodes' },
    ]);
    expect(error.code).toBe('E_CONFIG_INVALID');
    expect(error.issues).toHaveLength(2);
    expect(error.message).toBe('configuration not applied, 2 problems to fix:\n  f.toml:2: node.port: 0 is out of range: use 1..65535\n  nodes: no nodes');
  });
});

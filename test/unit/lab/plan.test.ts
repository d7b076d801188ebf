// The lab's address plan: names, private and public addresses, client addresses, paths, and the limits.

import { LabError } from '../../../src/lab/errors';
import { labNames, MAX_NODES } from '../../../src/lab/names';
import { LabOptions, MAX_IPV4_ADDRESSES, MAX_IPV6_ADDRESSES, nodeOf, planLab } from '../../../src/lab/plan';

const base: LabOptions = { prefix: 'flab', dir: '/run/floatip-lab/flab', nodes: 3, ipv4Addresses: 3, ipv6Addresses: 0, profile: 'default' };

function planError(options: Partial<LabOptions>): LabError {
  try {
    planLab({ ...base, ...options });
  } catch (err) {
    return err as LabError;
  }
  throw new Error('planLab accepted the options');
}

describe('planLab', () => {
  it('gives node N the namespace PREFIX-nN, 192.0.2.(N+1) and its own directory', () => {
    const plan = planLab(base);
    expect(plan.nodes.map((n) => [n.pnn, n.namespace, n.privateAddress.text, n.switchPrivatePort, n.switchPublicPort])).toEqual([
      [0, 'flab-n0', '192.0.2.1', 'flab-n0priv', 'flab-n0pub'],
      [1, 'flab-n1', '192.0.2.2', 'flab-n1priv', 'flab-n1pub'],
      [2, 'flab-n2', '192.0.2.3', 'flab-n2priv', 'flab-n2pub'],
    ]);
    const n1 = plan.nodes[1];
    expect([n1.configPath, n1.keyPath, n1.eventsDir, n1.controlSocket, n1.logPath, n1.pidPath, n1.failMonitorPath]).toEqual([
      '/run/floatip-lab/flab/node1/floatip.toml', '/run/floatip-lab/flab/node1/cluster.key', '/run/floatip-lab/flab/node1/events.d',
      '/run/floatip-lab/flab/node1/control.sock', '/run/floatip-lab/flab/node1/floatipd.log', '/run/floatip-lab/flab/node1/floatipd.pid',
      '/run/floatip-lab/flab/node1/fail-monitor',
    ]);
    expect(plan.statePath).toBe('/run/floatip-lab/flab/lab-state.json');
  });

  it('puts M public IPv4 addresses from 198.51.100.1 on every node\'s public interface, client at .250', () => {
    const plan = planLab({ ...base, ipv4Addresses: 4 });
    expect(plan.publicAddresses.map((a) => `${a.address.text}/${a.bits} ${a.interfaces.join(',')}`)).toEqual([
      '198.51.100.1/24 flab-pub', '198.51.100.2/24 flab-pub', '198.51.100.3/24 flab-pub', '198.51.100.4/24 flab-pub',
    ]);
    expect(plan.clientAddresses.map((a) => `${a.address.text}/${a.bits}`)).toEqual(['198.51.100.250/24']);
  });

  it('continues in 203.0.113.0/24 past 239 IPv4 addresses, and the client joins that subnet too', () => {
    const plan = planLab({ ...base, ipv4Addresses: 241 });
    const texts = plan.publicAddresses.map((a) => a.address.text);
    expect(texts.slice(237)).toEqual(['198.51.100.238', '198.51.100.239', '203.0.113.1', '203.0.113.2']);
    expect(new Set(texts).size).toBe(241);
    expect(plan.clientAddresses.map((a) => a.address.text)).toEqual(['198.51.100.250', '203.0.113.250']);
    const full = planLab({ ...base, ipv4Addresses: MAX_IPV4_ADDRESSES });
    expect(full.publicAddresses[MAX_IPV4_ADDRESSES - 1].address.text).toBe('203.0.113.239');
  });

  it('adds IPv6 addresses from 2001:db8:100::1 (/64) and a client address outside their range', () => {
    const plan = planLab({ ...base, ipv4Addresses: 1, ipv6Addresses: MAX_IPV6_ADDRESSES });
    const v6 = plan.publicAddresses.filter((a) => a.address.family === 6);
    expect(v6.slice(0, 2).map((a) => `${a.address.text}/${a.bits}`)).toEqual(['2001:db8:100::1/64', '2001:db8:100::2/64']);
    expect(v6[15].address.text).toBe('2001:db8:100::10');
    expect(v6[MAX_IPV6_ADDRESSES - 1].address.text).toBe('2001:db8:100::fa0');
    expect(plan.clientAddresses.map((a) => `${a.address.text}/${a.bits}`)).toEqual(['198.51.100.250/24', '2001:db8:100::ffff/64']);
  });

  it('serves every address once, and never the client\'s or a node\'s private address', () => {
    const plan = planLab({ ...base, nodes: MAX_NODES, ipv4Addresses: MAX_IPV4_ADDRESSES, ipv6Addresses: 300 });
    const publicTexts = plan.publicAddresses.map((a) => a.address.text);
    expect(new Set(publicTexts).size).toBe(publicTexts.length);
    const others = [...plan.clientAddresses.map((a) => a.address.text), ...plan.nodes.map((n) => n.privateAddress.text)];
    expect(others.filter((t) => publicTexts.includes(t))).toEqual([]);
  });

  it('drops a trailing slash of the directory', () => {
    expect(planLab({ ...base, dir: '/tmp/lab/' }).nodes[0].dir).toBe('/tmp/lab/node0');
  });

  it.each([
    [{ nodes: 0 }, '--nodes must be a whole number 1..32, not 0'],
    [{ nodes: MAX_NODES + 1 }, '--nodes must be a whole number 1..32, not 33'],
    [{ ipv4Addresses: MAX_IPV4_ADDRESSES + 1 }, '--ips must be a whole number 0..478, not 479'],
    [{ ipv6Addresses: MAX_IPV6_ADDRESSES + 1 }, '--ips6 must be a whole number 0..4000, not 4001'],
    [{ ipv4Addresses: 0, ipv6Addresses: 0 }, 'at least one public address'],
    [{ dir: 'relative/lab' }, 'must be an absolute path'],
    [{ dir: '/tmp/my lab' }, 'without spaces'],
    [{ dir: `/${'d'.repeat(100)}` }, 'is too long: the control socket'],
    [{ prefix: 'Flab' }, "prefix 'Flab' must be 1 to 6 characters"],
    [{ prefix: 'toolong' }, "prefix 'toolong' must be 1 to 6 characters"],
  ])('refuses %j', (options, message) => {
    const err = planError(options);
    expect(err).toBeInstanceOf(LabError);
    expect(err.code).toBe('E_LAB_PLAN');
    expect(err.message).toContain(message);
  });

  it('nodeOf names the nodes the lab has', () => {
    const plan = planLab(base);
    expect(nodeOf(plan, 2).pnn).toBe(2);
    expect(() => nodeOf(plan, 3)).toThrow('node 3 is not in this lab: it has nodes 0..2');
  });
});

describe('labNames', () => {
  it('keeps every interface name within 15 characters for the longest prefix and node number', () => {
    const names = labNames('abcdef');
    const links = [names.privateBridge, names.publicBridge, names.privateInterface, names.publicInterface, names.clientSwitchPort,
      names.switchPrivatePort(MAX_NODES - 1), names.switchPublicPort(MAX_NODES - 1), names.partitionBridge(MAX_NODES - 1)];
    for (const link of links) expect([link, link.length <= 15]).toEqual([link, true]);
    expect(links.every((l) => l.startsWith('abcdef-'))).toBe(true);
    expect([names.switchNamespace, names.clientNamespace, names.nodeNamespace(0)]).toEqual(['abcdef-sw', 'abcdef-cl', 'abcdef-n0']);
  });

  it('keeps partition bridges apart from the private and public bridges', () => {
    const names = labNames('flab');
    expect(names.partitionBridge(1).startsWith(names.partitionBridgeStem)).toBe(true);
    expect([names.privateBridge, names.publicBridge].some((b) => b.startsWith(names.partitionBridgeStem))).toBe(false);
  });
});

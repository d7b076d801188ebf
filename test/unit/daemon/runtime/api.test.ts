// DaemonApi answers on a running cluster: status, ips, ifaces, nodes, events, errors with stable codes.

import * as ipModule from '../../../../src/core/ip';
import { ip } from '../../../../src/core/ip';
import { addressRange, TestCluster } from './harness/cluster';
import { play } from './harness/scenario';

describe('DaemonApi', () => {
  it('status: nodes with flags, leader, epoch, quorum and the monitor', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(6) });
    const status = cluster.node(1).runtime.api.status();
    expect(status).toMatchObject({ pnn: 1, leader: 0, quorate: true, partition: [0, 1, 2], quorumRule: 'majority', monitor: 'healthy' });
    expect(status.nodes.map((n) => [n.pnn, n.address, n.flags, n.isLocal])).toEqual([
      [0, '198.51.100.1', 'OK', false], [1, '198.51.100.2', 'OK', true], [2, '198.51.100.3', 'OK', false],
    ]);
    expect(status.epoch).toBeGreaterThan(0);
  });

  it('status on the leader says why the next run waits, and how long is left; nothing once it ran', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(6), init: { crashGraceMs: 5000 } });
    expect(cluster.node(0).runtime.api.status().nextRun).toBeNull();
    await play(cluster, ['kill 1', 'advance 100']);
    // crash_grace + fenceDeleteMs(2) (0.2 ms, a whole ms) for the 2 addresses node 1 held, from the break 100 ms ago.
    expect(cluster.node(0).runtime.api.status().nextRun).toEqual({
      decision: 'wait', rule: 'crash', reason: 'for node 1\'s guardian to delete its 2 addresses (its stream broke)', waitMs: 4901,
    });
    expect(cluster.node(2).runtime.api.status().nextRun).toBeNull(); // not the leader
    await play(cluster, ['fenced 1 2', 'advance 50', 'expect counts 3 0 3']);
    expect(cluster.node(0).runtime.api.status().nextRun).toBeNull();
  });

  it('ips -v: holder of every address, and this node\'s interfaces for it', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(3) });
    await cluster.clock.advance(10);
    const ips = cluster.node(1).runtime.api.ips(true, 'local');
    expect(ips.map((s) => s.address)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
    for (const s of ips) {
      expect(s.pnn).toBe(await cluster.holderOf(s.address));
      expect(s.activeInterface).toBe(s.pnn === 1 ? 'eth0' : '');
      expect(s.configuredInterfaces).toEqual(['eth0', 'eth1']);
    }
    expect(cluster.node(1).runtime.api.ips(false)[0].configuredInterfaces).toEqual([]);
  });

  it('ips without -v still names the active interface (the --json answer); the interface lists stay -v\'s', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(3) });
    await cluster.clock.advance(10);
    for (const s of cluster.node(1).runtime.api.ips(false, 'local')) {
      expect(s.activeInterface).toBe(s.pnn === 1 ? 'eth0' : '');
      expect([s.availableInterfaces, s.configuredInterfaces]).toEqual([[], []]);
    }
    for (const s of cluster.node(1).runtime.api.ips(false, 'all')) expect(s.activeInterface).toBe('eth0');
  });

  it('ips all -v shows each address from its holder, as `ctdb ip -v all`; -n PNN lists that node\'s addresses', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(3) });
    await cluster.clock.advance(10);
    const all = cluster.node(1).runtime.api.ips(true, 'all');
    for (const s of all) {
      expect(s.pnn).toBe(await cluster.holderOf(s.address));
      expect(s.activeInterface).toBe('eth0');
    }
    expect(cluster.node(1).runtime.api.ips(false, 2).map((s) => s.address)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
    expect(() => cluster.node(1).runtime.api.ips(false, 7)).toThrow(expect.objectContaining({ code: 'E_NO_SUCH_NODE' }));
    expect(cluster.node(1).runtime.api.ifaces(2).map((i) => i.name)).toEqual(['eth0', 'eth1']);
    expect(() => cluster.node(1).runtime.api.ifaces(9)).toThrow(expect.objectContaining({ code: 'E_NO_SUCH_NODE' }));
  });

  it('ips parses no held address that a node lists (the metrics feed asks every second, with 1000 addresses)', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(6) });
    const parses = jest.spyOn(ipModule, 'parseIp');
    try {
      const all = cluster.node(1).runtime.api.ips(false, 'all');
      expect(all.map((s) => s.pnn).filter((pnn) => pnn >= 0)).toHaveLength(6);
      expect(parses).not.toHaveBeenCalled();
    } finally {
      parses.mockRestore();
    }
  });

  it('ip lists the node\'s own addresses, ip all every node\'s, as ctdb.ip.004 and .005', async () => {
    const three = addressRange(3);
    const cluster = await TestCluster.start({ nodes: 3, addresses: three, lists: { 0: three.slice(0, 2) } });
    await cluster.clock.advance(10);
    const api = cluster.node(0).runtime.api;
    expect(api.ips(false, 'local').map((s) => s.address)).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(api.ips(false, 'all').map((s) => s.address)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
    expect(api.ips(false, 1).map((s) => s.address)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
  });

  it('listnodes, leader, ping, uptime, history', async () => {
    const cluster = await TestCluster.start({ nodes: 2, addresses: addressRange(2) });
    const api = cluster.node(0).runtime.api;
    expect(api.listNodes()).toEqual([
      { pnn: 0, address: '198.51.100.1', deleted: false }, { pnn: 1, address: '198.51.100.2', deleted: false },
    ]);
    expect(api.leader().leader).toBe(0);
    // Only who answered: the daemon's side of a ping takes no measurable time (the CLI times the round trip).
    expect(api.ping()).toEqual({ pnn: 0 });
    expect(cluster.node(1).runtime.api.ping()).toEqual({ pnn: 1 });
    expect(api.uptime().lastTakeoverAt).not.toBeNull();
    expect(cluster.node(1).runtime.api.uptime().lastTakeoverAt).not.toBeNull();
    expect(api.history(1)).toHaveLength(1);
  });

  it('events: status of the last run, a run with arguments, and typed errors', async () => {
    const cluster = await TestCluster.start({ nodes: 1, addresses: addressRange(1) });
    const api = cluster.node(0).runtime.api;
    expect(api.eventStatus('monitor')).toMatchObject({ event: 'monitor', status: 'OK' });
    expect(() => api.eventStatus('nosuch')).toThrow(expect.objectContaining({ code: 'E_BAD_EVENT' }));
    await expect(api.eventRun('takeip', ['eth0', '192.0.2.1', '24'], 1000)).resolves.toMatchObject({ status: 'OK' });
    await expect(api.eventRun('takeip', ['eth0', 'x', '24'], 1000)).rejects.toMatchObject({ code: 'E_EVENT_ARGUMENTS' });
    await expect(api.eventScript('enable', undefined)).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
  });

  it('gratarp re-announces a hosted address and refuses one hosted elsewhere', async () => {
    const cluster = await TestCluster.start({ nodes: 2, addresses: addressRange(2) });
    const mine = cluster.node(0).runtime.hosting.list()[0];
    const other = cluster.node(1).runtime.hosting.list()[0];
    const before = cluster.node(0).announcer.announced.length;
    await expect(cluster.node(0).runtime.api.gratArp(mine.address, mine.iface)).resolves.toMatchObject({ done: true });
    expect(cluster.node(0).announcer.announced.length).toBe(before + 1);
    await expect(cluster.node(0).runtime.api.gratArp(other.address, 'eth0')).rejects.toMatchObject({ code: 'E_NOT_HOSTED' });
    await expect(cluster.node(0).runtime.api.gratArp(mine.address, 'eth1')).rejects.toMatchObject({ code: 'E_WRONG_INTERFACE' });
  });

  it('admin ban without seconds and addip of an existing address are refused with codes', async () => {
    const cluster = await TestCluster.start({ nodes: 1, addresses: addressRange(1) });
    const api = cluster.node(0).runtime.api;
    await expect(api.admin('ban', undefined)).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT' });
    await expect(api.addIp({ address: ip('192.0.2.1'), bits: 24 }, ['eth0'])).rejects.toMatchObject({ code: 'E_ADDRESS_EXISTS' });
    await expect(api.reloadIps(undefined)).rejects.toMatchObject({ code: 'E_RELOAD_UNAVAILABLE' });
    // The harness's node 0 has the private address 198.51.100.1 (its line of nodes).
    await expect(api.addIp({ address: ip('198.51.100.1'), bits: 24 }, ['eth0'])).rejects.toMatchObject({
      code: 'E_PRIVATE_ADDRESS', message: expect.stringMatching(/^addip 198\.51\.100\.1\/24: 198\.51\.100\.1 is node 0's private address/),
    });
    expect(api.ips(false).map((s) => s.address)).not.toContain('198.51.100.1');
    await expect(api.reloadIps([5])).rejects.toMatchObject({ code: 'E_BAD_ARGUMENT', message: expect.stringMatching(/node 5 is not in the nodes file/) });
  });
});

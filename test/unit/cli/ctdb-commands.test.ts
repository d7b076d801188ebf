// The CTDB-shaped options of `floatip`: -X on the verbs CTDB prints machine-readably, `ip all`, -n PNN, nodestatus and its exit code.

import { CliHarness } from './harness';

let h: CliHarness;
beforeEach(() => { h = new CliHarness(); });

describe('floatip, CTDB-shaped', () => {
  it('ip: this node by default, `all` for every node, -n for another; -X in CTDB layout', async () => {
    expect((await h.run('ip')).code).toBe(0);
    expect(h.lastArgs()).toEqual({ verbose: false });
    expect(h.api.calls.at(-1)).toEqual({ method: 'ips', args: [false, 'local'] });
    await h.run('ip', 'all');
    expect(h.lastArgs()).toEqual({ verbose: false, all: true });
    expect(h.api.calls.at(-1)).toEqual({ method: 'ips', args: [false, 'all'] });
    await h.run('ip', '-n', '2', '-v');
    expect(h.api.calls.at(-1)).toEqual({ method: 'ips', args: [true, 2] });
    const x = await h.run('ip', '-X', 'all');
    expect(x.stdout).toBe('|Public IP|Node|\n|203.0.113.10|0|\n|203.0.113.11|1|\n|2001:db8::10|-1|\n');
    expect((await h.run('ip', '-X', '-v')).stdout.split('\n')[1]).toBe('|203.0.113.10|0|veth0|veth0,veth1|veth0,veth1|');
  });

  it('ip refuses a word other than all, all with -n, and -X with --json', async () => {
    expect((await h.run('ip', 'some')).code).toBe(2);
    expect((await h.run('ip', 'all', '-n', '1')).code).toBe(2);
    const both = await h.run('ip', '-X', '--json');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('mutually exclusive');
  });

  it('ifaces -X and -n', async () => {
    expect((await h.run('ifaces', '-X', '-n', '1')).stdout).toBe('|Name|LinkStatus|References|\n|veth0|1|2|\n|veth1|0|1|\n');
    expect(h.lastArgs()).toEqual({ pnn: 1 });
  });

  it('status -X marks -n PNN as this node, as ctdb does; an unknown node fails', async () => {
    const x = await h.run('status', '-X', '-n', '1');
    expect(x.stdout.split('\n').slice(1, 3)).toEqual(['|0|192.0.2.1|0|0|0|0|0|0|0|0|N|', '|1|192.0.2.2|0|0|0|0|1|0|0|0|Y|']);
    expect((await h.run('status', '-n', '1')).stdout).toContain('pnn:1 192.0.2.2 UNHEALTHY (THIS NODE)');
    const missing = await h.run('status', '-n', '9');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('node 9 does not exist');
  });

  it('nodestatus: this node, a list or all; exit code = flag bits OR-ed, deleted nodes left out', async () => {
    const self = await h.run('nodestatus');
    expect(self).toMatchObject({ code: 0, stdout: 'pnn:0 192.0.2.1        OK (THIS NODE)\n' });
    const all = await h.run('nodestatus', 'all');
    expect(all.code).toBe(2 | 3);
    expect(all.stdout.split('\n')[0]).toBe('Number of nodes:4 (including 1 deleted nodes)');
    const list = await h.run('nodestatus', '-X', '1,2');
    expect(list.code).toBe(3);
    expect(list.stdout.split('\n')).toHaveLength(4);
    expect((await h.run('nodestatus', '7')).code).toBe(2);
  });

  it('listnodes -X, gettickles -X with a port, uptime -X', async () => {
    expect((await h.run('listnodes', '-X')).code).toBe(0);
    const tickles = await h.run('gettickles', '-X', '203.0.113.10', '2049');
    expect(tickles.stdout).toBe('|Source IP|Port|Destination IP|Port|\n|198.51.100.7|40000|203.0.113.10|2049|\n');
    expect((await h.run('gettickles', '203.0.113.10', '-n', '1')).code).toBe(0);
    expect((await h.run('uptime', '-X')).stdout.split('\n')[0]).toBe('|Current Node Time|Ctdb Start Time|Last Recovery/Failover Time|Last Recovery/IPFailover Duration|');
  });
});

// The `ctdb` stand-in's verbs over a running test cluster: CTDB's output and exit codes, and clear refusals.

import { runCtdbTool, CtdbToolKernel, CtdbToolPorts } from '../../../../src/daemon/control/ctdb-tool';
import { IpAddress } from '../../../../src/core/ip';
import { TcpConnection } from '../../../../src/protocol/packets';
import { addressRange, TestCluster } from '../runtime/harness/cluster';
import { play } from '../runtime/harness/scenario';

class RecordingKernel implements CtdbToolKernel {
  readonly tickled: TcpConnection[] = [];
  readonly destroyed: string[] = [];
  busyPorts = new Set<number>([445]);
  async tickle(connections: readonly TcpConnection[]): Promise<void> { this.tickled.push(...connections); }
  async destroyConnections(address: IpAddress): Promise<void> { this.destroyed.push(address.text); }
  async checkTcpPort(port: number): Promise<'free' | 'in-use'> { return this.busyPorts.has(port) ? 'in-use' : 'free'; }
}

let cluster: TestCluster;
let kernel: RecordingKernel;
let scans: number;

async function ctdb(pnn: number, argv: string[], stdin = ''): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const ports: CtdbToolPorts = {
    api: cluster.node(pnn).runtime.api, pnn, kernel, scanConnections: async () => { scans++; },
  };
  return runCtdbTool(argv, stdin, ports);
}

beforeEach(async () => {
  cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(3) });
  await cluster.clock.advance(10);
  kernel = new RecordingKernel();
  scans = 0;
});

describe('ctdb stand-in', () => {
  it('pnn, and the -X ip that update_tickles reads with awk', async () => {
    expect(await ctdb(1, ['pnn'])).toEqual({ exitCode: 0, stdout: '1\n', stderr: '' });
    const x = await ctdb(1, ['-X', 'ip']);
    const lines = x.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('|Public IP|Node|');
    for (const line of lines.slice(1)) {
      const [, address, pnn] = line.split('|');
      expect(Number(pnn)).toBe(await cluster.holderOf(address));
    }
    expect((await ctdb(1, ['ip', '-v', '-X'])).stdout.split('\n')[0]).toBe('|Public IP|Node|ActiveInterfaces|AvailableInterfaces|ConfiguredInterfaces|');
    expect((await ctdb(1, ['ip', 'all'])).stdout.split('\n')[0]).toBe('Public IPs on ALL nodes');
    expect((await ctdb(1, ['ip'])).stdout.split('\n')[0]).toBe('Public IPs on node 1');
  });

  it('ifaces -X, setifacelink on a configured and an unknown interface', async () => {
    expect((await ctdb(0, ['-X', 'ifaces'])).stdout).toBe('|Name|LinkStatus|References|\n|eth0|1|3|\n|eth1|1|3|\n');
    expect(await ctdb(0, ['setifacelink', 'eth0', 'down'])).toMatchObject({ exitCode: 0 });
    expect(await ctdb(0, ['setifacelink', 'eth9', 'up'])).toEqual({ exitCode: 1, stdout: 'Interface eth9 not configured on node 0\n', stderr: '' });
    expect(await ctdb(0, ['setifacelink', 'eth0', 'sideways'])).toMatchObject({ exitCode: 1, stderr: 'Usage: ctdb setifacelink <iface> up|down\n' });
  });

  it('nodestatus: -X line 2 column 3 is this node\'s address (ctdb_get_ip_address); the exit code is the flag bits', async () => {
    const own = await ctdb(2, ['-X', 'nodestatus']);
    expect(own.exitCode).toBe(0);
    expect(own.stdout.split('\n')[1].split('|')[2]).toBe('198.51.100.3');
    await play(cluster, ['on 1: disable', 'expect result ok', 'advance 50', 'expect flags 1 DISABLED']);
    const all = await ctdb(2, ['nodestatus', 'all']);
    expect(all.exitCode).toBe(4);
    expect(all.stdout).toContain('pnn:1 198.51.100.2     DISABLED\n');
    expect((await ctdb(2, ['nodestatus', '7'])).stderr).toBe('Invalid node 7\n');
    expect((await ctdb(2, ['-n', '9', 'nodestatus'])).stderr).toBe('Node 9 does not exist\n');
  });

  it('checktcpport: 0 when the port is free, 98 (EADDRINUSE) when something listens', async () => {
    expect(await ctdb(0, ['checktcpport', '139'])).toMatchObject({ exitCode: 0 });
    expect(await ctdb(0, ['checktcpport', '445'])).toEqual({ exitCode: 98, stdout: '', stderr: 'Failed to bind to TCP port 445\n' });
  });

  it('tickle from standard input sends from SRC to DST; addtickle and deltickle check their input and rescan', async () => {
    expect(await ctdb(0, ['tickle'], '192.0.2.1:445 198.51.100.9:51234\n[2001:db8::1]:445 2001:db8::9:40000\n')).toMatchObject({ exitCode: 0 });
    expect(kernel.tickled.map((c) => `${c.server.address.text}:${c.server.port}>${c.client.address.text}:${c.client.port}`))
      .toEqual(['192.0.2.1:445>198.51.100.9:51234', '2001:db8::1:445>2001:db8::9:40000']);
    expect(await ctdb(0, ['addtickle', '198.51.100.9:51234', '192.0.2.1:445'])).toMatchObject({ exitCode: 0 });
    expect(await ctdb(0, ['deltickle'], '198.51.100.9:51234 192.0.2.1:445\n')).toMatchObject({ exitCode: 0 });
    expect(scans).toBe(2);
    expect(await ctdb(0, ['addtickle'], 'nonsense\n')).toMatchObject({ exitCode: 1 });
    expect(scans).toBe(2);
  });

  it('ctdb_killtcp destroys the connections of the listed addresses this node hosts, and only those', async () => {
    const mine = cluster.node(0).runtime.hosting.list()[0].address.text;
    const other = cluster.node(1).runtime.hosting.list()[0].address.text;
    await ctdb(0, ['_killtcp', 'eth0'], `198.51.100.9:51234 ${mine}:445\n${mine}:445 198.51.100.9:51234\n198.51.100.9:1 ${other}:445\n`);
    expect(kernel.destroyed).toEqual([mine]);
  });

  it('gettickles -X with a port filter, gratarp and moveip through the API', async () => {
    const held = cluster.node(0).runtime.hosting.list()[0];
    expect((await ctdb(0, ['-X', 'gettickles', held.address.text, '445'])).stdout).toBe('|Source IP|Port|Destination IP|Port|\n');
    expect(await ctdb(0, ['gratarp', held.address.text, held.iface])).toMatchObject({ exitCode: 0 });
    const refused = await ctdb(1, ['gratarp', held.address.text, held.iface]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('E_NOT_HOSTED');
  });

  it('database verbs say what is missing; unknown verbs and bad options are refused', async () => {
    const attach = await ctdb(0, ['attach', 'ctdb.tdb', 'persistent']);
    expect(attach.exitCode).toBe(1);
    expect(attach.stderr).toContain('no CTDB databases');
    expect(attach.stderr).toContain('statd-callout');
    expect((await ctdb(0, ['frobnicate'])).stderr).toContain("not served by floatip's ctdb stand-in");
    expect((await ctdb(0, ['-n', 'x', 'pnn'])).exitCode).toBe(1);
    expect((await ctdb(0, [])).exitCode).toBe(1);
  });

  it('status and listnodes', async () => {
    expect((await ctdb(0, ['listnodes', '-X'])).stdout).toBe('|0|198.51.100.1|\n|1|198.51.100.2|\n|2|198.51.100.3|\n');
    expect((await ctdb(0, ['status'])).stdout).toMatch(/^Number of nodes:3\n.*Leader:0\n$/s);
  });
});

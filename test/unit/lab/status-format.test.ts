// The human form of `floatip lab status`: topology table, address holders (duplicates flagged), cluster view.

import { LabStatus } from '../../../src/lab/status';
import { formatLabStatus } from '../../../src/lab/status-format';

const nodes: LabStatus['nodes'] = [
  { pnn: 0, namespace: 'flab-n0', privateAddress: '192.0.2.1', privatePort: 'up', publicPort: 'up', privateBridge: 'flab-priv',
    daemonPid: 101, daemon: 'running', monitorFailing: false, publicAddresses: ['198.51.100.1', '198.51.100.3'] },
  { pnn: 1, namespace: 'flab-n1', privateAddress: '192.0.2.2', privatePort: 'down', publicPort: 'down', privateBridge: 'flab-priv',
    daemonPid: 102, daemon: 'stopped', monitorFailing: true, publicAddresses: ['198.51.100.3'] },
  { pnn: 2, namespace: 'flab-n2', privateAddress: '192.0.2.3', privatePort: 'up', publicPort: 'up', privateBridge: 'flab-part1',
    daemonPid: 103, daemon: 'gone', monitorFailing: false, publicAddresses: [] },
];

const status: LabStatus = {
  prefix: 'flab', dir: '/run/floatip-lab/flab', profile: 'fast', daemonsManaged: true, partition: [[0, 1], [2]], nodes,
  switchNamespace: 'flab-sw', bridges: ['flab-priv', 'flab-pub'], clientNamespace: 'flab-cl', clientAddresses: ['198.51.100.250'],
  addresses: [
    { address: '198.51.100.1', holders: [0] },
    { address: '198.51.100.2', holders: [] },
    { address: '198.51.100.3', holders: [0, 1] },
  ],
  cluster: {
    kind: 'answered', fromNode: 0,
    status: {
      pnn: 0, leader: 0, epoch: 12, quorate: true, partition: [0, 1], quorumRule: 'majority', monitor: 'healthy',
      nodes: [
        { pnn: 0, address: '192.0.2.1', flags: 'OK', flagBits: 0, isLocal: true },
        { pnn: 1, address: '192.0.2.2', flags: 'UNHEALTHY', flagBits: 2, isLocal: false },
        { pnn: 2, address: '192.0.2.3', flags: 'DISCONNECTED', flagBits: 1, isLocal: false },
      ],
    },
  },
};

describe('formatLabStatus', () => {
  it('prints the lab, its partition, one aligned row per node, the address holders and the cluster', () => {
    expect(formatLabStatus(status)).toBe([
      'lab flab: 3 nodes, timing profile fast, files in /run/floatip-lab/flab',
      'switch flab-sw (private bridge flab-priv, public bridge flab-pub), client flab-cl at 198.51.100.250',
      'partition: 0,1 | 2',
      '',
      'node  namespace  private    priv link  pub link  floatipd               monitor  public addresses',
      '0     flab-n0    192.0.2.1  up         up        running (pid 101)      ok       198.51.100.1 198.51.100.3',
      '1     flab-n1    192.0.2.2  down       down      stopped (pid 102)      failing  198.51.100.3',
      '2     flab-n2    192.0.2.3  up         up        not running (pid 103)  ok       -',
      '',
      'addresses (from the kernel of each namespace):',
      '  198.51.100.1  node 0',
      '  198.51.100.2  not hosted',
      '  198.51.100.3  nodes 0,1  DUPLICATE',
      '',
      'cluster, as node 0 sees it (floatip status):',
      '  Number of nodes:3',
      '  pnn:0 192.0.2.1 OK (THIS NODE)',
      '  pnn:1 192.0.2.2 UNHEALTHY',
      '  pnn:2 192.0.2.3 DISCONNECTED',
      '  Epoch:12',
      '  Leader:0',
      '  Quorum:yes (majority; partition: 0,1)',
      '  Monitor:healthy',
      '',
    ].join('\n'));
  });

  it('says why there is no cluster status, and shows no daemon column values for a lab without daemons', () => {
    const text = formatLabStatus({
      ...status, daemonsManaged: false, partition: null,
      nodes: nodes.map((n) => ({ ...n, daemonPid: null, daemon: 'gone' as const })),
      cluster: { kind: 'unavailable', reason: 'the lab runs no daemons (--no-daemons)' },
    });
    expect(text).toContain('partition: none\n');
    expect(text).toMatch(/^0 +flab-n0 +192\.0\.2\.1 +up +up +- +ok/m);
    expect(text).toContain('cluster: no status (the lab runs no daemons (--no-daemons))\n');
  });
});

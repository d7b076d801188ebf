// Two real floatipds with an etcd lease as the cluster lock: partition, kill, and a holder cut off from etcd.
//
// Node namespaces cannot reach the host's loopback, so etcd (Debian's etcd-server) runs
// in the lab's switch namespace on 192.0.2.200, an address of the private bridge. A
// partition moves the second group's nodes to another bridge, which also cuts them off
// from etcd: the shared scenario keeps the holder in the first group; the last test here
// puts it in the second, so it loses its lease and the other side must wait for etcd to
// drop it before taking the lock.

import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labHeal, labPartition } from '../../../src/lab';
import { waitFor } from '../daemon/helpers/daemon-lab';
import { ADDRESSES, LockLab, lockClusterScenario, startLockLab } from './two-node-lab';

jest.setTimeout(180_000);

const ETCD_ADDRESS = '192.0.2.200';
/** cluster.lock_lease_ttl's default. */
const TTL_MS = 5000;

let lab: LockLab;
let etcd: ChildProcess | undefined;
let etcdData = '';
let etcdLog = '';

/** etcd in the switch namespace, listening on the private bridge; resolves when it serves clients. */
async function startEtcd(switchNamespace: string, bridge: string): Promise<void> {
  execFileSync('ip', ['-n', switchNamespace, 'addr', 'add', `${ETCD_ADDRESS}/24`, 'dev', bridge]);
  etcdData = mkdtempSync(join(tmpdir(), 'fhdle-etcd-'));
  const client = `http://${ETCD_ADDRESS}:2379`;
  const peer = 'http://127.0.0.1:2380';
  etcd = spawn('ip', ['netns', 'exec', switchNamespace, 'etcd', '--name', 'fhdle', '--data-dir', etcdData,
    '--listen-client-urls', client, '--advertise-client-urls', client, '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer, '--initial-cluster', `fhdle=${peer}`, '--initial-cluster-state', 'new'],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  etcd.stderr?.on('data', (chunk: Buffer) => { etcdLog = (etcdLog + chunk.toString()).slice(-20_000); });
  await waitFor(`etcd serving clients (log: ${etcdLog.slice(-300)})`, () => (/serving client traffic|ready to serve client requests/.test(etcdLog) ? true : undefined), 30_000, 100);
}

beforeAll(async () => {
  // The daemons start before etcd does (the switch namespace is made by `up`): they retry until it answers.
  lab = await startLockLab('fhdle', () => `etcd:http://${ETCD_ADDRESS}:2379/floatip/fhdle-lock`);
  await startEtcd(lab.plan.names.switchNamespace, lab.plan.names.privateBridge);
});

afterAll(async () => {
  if (etcd && etcd.exitCode === null) {
    const exited = new Promise((resolve) => etcd?.once('exit', resolve));
    etcd.kill('SIGKILL');
    await exited;
  }
  await lab?.down();
  if (etcdData) rmSync(etcdData, { recursive: true, force: true });
});

// A killed holder's lease runs out after the TTL; only then can node 1 take the lock.
const scenario = lockClusterScenario('etcd', () => lab, TTL_MS + 10_000);

test('etcd: the holder cut off from etcd and its peer loses the lease and fences; the other node serves once etcd drops it', async () => {
  const holder = (await lab.status(0)).leader;
  const other = 1 - holder;
  const sampler = scenario.sampler();
  const fault = performance.timeOrigin + performance.now();
  // The other node's group first: it stays with etcd, the holder moves away from both.
  await labPartition(lab.target, [[other], [holder]]);
  try {
    await waitFor('the other node serving every address', () => (lab.held(other).length === ADDRESSES.length ? true : undefined), TTL_MS + 10_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const gone = Math.max(...ADDRESSES.map((a) => sampler.lastSeen(holder, a, fault) ?? fault)) - fault;
    const taken = Math.max(...ADDRESSES.map((a) => sampler.firstSeen(other, a, fault) ?? Infinity)) - fault;
    scenario.figures.cutHolderGone = Math.round(gone);
    scenario.figures.cutOtherTaken = Math.round(taken);
    expect(lab.held(holder)).toEqual([]);
    // The holder fenced (fence_after, or its lease's own end) before etcd could hand the lock over.
    expect(gone).toBeLessThan(taken);
    expect(sampler.duplicates()).toEqual([]);
  } finally {
    await labHeal(lab.target, undefined);
  }
  await waitFor('both nodes serving again', () => (lab.held(0).length === 2 && lab.held(1).length === 2 ? true : undefined), 20_000, 50);
});

// Debian's 60.nfs, unchanged, under three real floatipds (lab prefix hanfs): its tickle path across a failover, and where NFSv3 lock recovery stops.
//
// This machine's kernel has no NFS server (no nfsd file system, no sunrpc), so a TCP echo
// server on port 2049 stands in for nfsd in every node namespace, and a .check file of the
// test's own (CTDB_NFS_CHECKS_DIR, CTDB's documented way) checks that it listens; everything
// else is Debian's: 60.nfs, CTDB's functions, nfs-linux-kernel-callout, statd-callout.
// Connections are scanned only once a minute here, so the client's connection is recorded,
// and replicated to the peers, because 60.nfs's monitor (update_tickles: ss, then
// `ctdb -X gettickles`, `ctdb addtickle`) said so; the node that takes the address after the
// owner is killed tickles it, and the client's connection is reset at once.
// 60.nfs goes in after the startup event and out before the lab stops: its startup and
// shutdown restart the host's NFS services, as under ctdbd.

import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ctdbEnvironment, ctdbLayoutPaths } from '../../../src/adapters/scripts/ctdb-env';
import { labFail, labHeal } from '../../../src/lab';
import { DaemonLab, holders, startDaemonLab, waitFor } from '../daemon/helpers/daemon-lab';
import { addressesOf, balanced } from '../e2e/helpers/cluster';
import { HeldConnection, holdConnection, startEchoServers, stopAllTcp } from '../e2e/helpers/tcp';

jest.setTimeout(180_000);

const LEGACY = '/usr/share/ctdb/events/legacy';
const installed = existsSync('/etc/ctdb/functions') && existsSync(join(LEGACY, '60.nfs.script'));
const ADDRESSES = ['198.51.100.1', '198.51.100.2', '198.51.100.3'];
const NFS_PORT = 2049;
const NODES = [0, 1, 2];

interface ScriptJson { readonly name: string; readonly status: string; readonly output: string }
interface EventJson { readonly event: string; readonly status: string; readonly scripts: readonly ScriptJson[] }

let lab: DaemonLab;
let held: HeldConnection | undefined;
const nodeDir = (pnn: number): string => dirname(lab.socket(pnn));
const nfsScript = (pnn: number): string => join(nodeDir(pnn), 'events.d', '60.nfs.script');

/** `floatip event run monitor` until it is not skipped behind another event (CTDB's queueing). */
function monitor(pnn: number): Promise<EventJson> {
  return waitFor(`a monitor run on node ${pnn}`, async () => {
    const result = JSON.parse((await lab.cli(pnn, 'event', 'run', 'monitor', '--json')).stdout) as EventJson;
    return result.status === 'SKIPPED' || result.status === 'CANCELLED' ? undefined : result;
  }, 30_000, 200);
}

const nfsOf = (run: EventJson | null): ScriptJson | undefined => run?.scripts.find((s) => s.name === '60.nfs.script');

/** `floatip gettickles ADDRESS -X` on a node: CTDB's machine-readable lines after the header. */
async function tickles(pnn: number, address: string): Promise<string[]> {
  const run = await lab.cli(pnn, 'gettickles', address, '-X');
  expect({ pnn, code: run.code, stderr: run.stderr }).toEqual({ pnn, code: 0, stderr: '' });
  return run.stdout.split('\n').slice(1).filter((line) => line !== '');
}

(installed ? describe : describe.skip)("Debian's 60.nfs under floatipd (ctdb: scripts/apt-packages.txt)", () => {
  beforeAll(async () => {
    lab = await startDaemonLab({ prefix: 'hanfs', nodes: NODES.length, ipv4: ADDRESSES.length, ipv6: 0 });
    for (const pnn of NODES) {
      const toml = join(nodeDir(pnn), 'floatip.toml');
      writeFileSync(toml, `${readFileSync(toml, 'utf8')}\n[tickle]\nscan_interval = "1m"\n`);
      const checks = join(nodeDir(pnn), 'nfs-checks.d');
      mkdirSync(checks);
      writeFileSync(join(checks, '20.nfs.check'), `service_check_cmd="ss -ltnH sport = :${NFS_PORT} | grep -q ."\n`);
      writeFileSync(join(nodeDir(pnn), 'script.options'), `CTDB_NFS_SKIP_SHARE_CHECK=yes\nCTDB_NFS_CHECKS_DIR=${checks}\n`);
    }
    for (const pnn of NODES) await labFail(lab.target, pnn, 'kill');
    const healed = await labHeal(lab.target, undefined, 30_000);
    expect(healed.daemons.filter((d) => !d.up)).toEqual([]);
    for (const pnn of NODES) {
      await waitFor(`the startup event on node ${pnn}`, async () => {
        const startup = await lab.json<EventJson | null>(pnn, 'event', 'status', 'startup');
        return startup?.status === 'OK' ? true : undefined;
      }, 30_000, 100);
      copyFileSync(join(LEGACY, '60.nfs.script'), nfsScript(pnn));
      chmodSync(nfsScript(pnn), 0o755);
    }
    await startEchoServers(NODES.map((pnn) => lab.namespace(pnn)), NFS_PORT);
  });

  afterAll(async () => {
    held?.close();
    stopAllTcp();
    if (lab) for (const pnn of NODES) rmSync(nfsScript(pnn), { force: true });
    await lab?.down();
  });

  test('monitor passes while "nfsd" listens, and fails with its .check\'s message when it does not', async () => {
    for (const pnn of NODES) {
      const run = await monitor(pnn);
      expect({ pnn, status: run.status, nfs: nfsOf(run)?.status, output: nfsOf(run)?.output }).toMatchObject({ pnn, status: 'OK', nfs: 'OK' });
    }
    const checks = join(nodeDir(0), 'nfs-checks.d');
    writeFileSync(join(checks, '21.nothing.check'), 'service_check_cmd="ss -ltnH sport = :2050 | grep -q ."\n');
    const failed = await monitor(0);
    rmSync(join(checks, '21.nothing.check'));
    expect(nfsOf(failed)).toMatchObject({ status: 'ERROR', output: expect.stringContaining('ERROR: monitoring service "nothing" failed') });
  });

  test('a connection 60.nfs recorded on the owner (addtickle) is on every node, and the node that takes over tickles it', async () => {
    await waitFor('node 0 healthy again in every view', async () => {
      const views = await Promise.all(NODES.map((pnn) => lab.json<{ nodes: { pnn: number; flags: string }[] }>(pnn, 'status')));
      return views.every((v) => v.nodes.every((n) => n.flags === 'OK')) ? true : undefined;
    }, 30_000, 100);
    const [address] = addressesOf(await balanced(lab, ADDRESSES), 0);
    held = await holdConnection(lab.client, address, NFS_PORT);
    const line = `|${held.localAddress}|${held.localPort}|${address}|${NFS_PORT}|`;
    // The connection tracker's scan is a minute away (scan_interval above), so whatever records
    // the connection within the waits below is 60.nfs's monitor (update_tickles: addtickle):
    // this explicit run, or a scheduled one that came first. Asserting "nothing recorded yet"
    // here raced the schedule (a CI run saw a scheduled monitor record it first).
    const run = await monitor(0);
    expect({ status: run.status, nfs: nfsOf(run)?.status }).toEqual({ status: 'OK', nfs: 'OK' });
    for (const pnn of NODES) {
      await waitFor(`the connection in node ${pnn}'s tickles`, async () => ((await tickles(pnn, address)).includes(line) ? true : undefined), 10_000, 100);
    }

    await labFail(lab.target, 0, 'kill');
    const newOwner = await waitFor(`${address} on a survivor`, () => {
      const owner = holders(lab, ADDRESSES.filter((a) => a === address))?.get(address);
      return owner !== undefined && owner !== 0 ? owner : undefined;
    }, 30_000);
    const broken = await held.broken;
    expect(broken.code).toBe('ECONNRESET');
    const takeip = await lab.json<EventJson>(newOwner, 'event', 'status', 'takeip');
    expect(nfsOf(takeip)?.status).toBe('OK');
    const ipreallocated = await waitFor(`ipreallocated with 60.nfs on node ${newOwner}`, async () => {
      const status = await lab.json<EventJson | null>(newOwner, 'event', 'status', 'ipreallocated');
      return nfsOf(status)?.output.includes('Reconfiguring service') ? status : undefined;
    }, 30_000, 100);
    expect(nfsOf(ipreallocated)).toMatchObject({ status: 'OK', output: 'Reconfiguring service "nfs-kernel-server"...\n' });
    await labHeal(lab.target, 0, 30_000);
  });

  test('NFSv3 lock recovery stops at CTDB\'s database: statd-callout update fails on `ctdb ptrans`, saying why', async () => {
    // The heal above moves addresses again: the callout records clients only for addresses node 1
    // holds when it runs (seen in CI: it held none by then, recorded nothing, printed nothing).
    // Node 0 may be held out by flap damping after the monitor test; node 1 is what counts.
    const ready = await lab.cli(1, 'wait-ok', '--timeout', '30');
    expect([ready.code, ready.stderr]).toEqual([0, '']);
    const root = join(nodeDir(1), 'ctdb');
    const env = { ...process.env, ...ctdbEnvironment(ctdbLayoutPaths(root), lab.socket(1), process.env.PATH), NFS_HOSTNAME: 'nfs.example' };
    const callout = join(root, 'base', 'statd-callout');
    const [address] = addressesOf(holders(lab, ADDRESSES) ?? new Map(), 1);
    expect(address).toBeDefined();
    // statd reports a client: the callout records it for each address the node holds, then pushes the records to ctdb.tdb.
    execFileSync('ip', ['netns', 'exec', lab.namespace(1), callout, 'add-client', '203.0.113.7'], { env, encoding: 'utf8' });
    const update = spawnSync('ip', ['netns', 'exec', lab.namespace(1), callout, 'update'], { env, encoding: 'utf8' });
    expect(update.stderr).toContain('ctdb ptrans: floatip has no CTDB databases');
    expect(update.stderr).toContain('NFSv3 lock recovery through statd-callout, needs ctdbd');
  });
});

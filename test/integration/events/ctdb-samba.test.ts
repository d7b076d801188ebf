// Debian's 50.samba and 49.winbind, unchanged, under two real floatipds (lab prefix fwd), against a real smbd.
//
// 50.samba's monitor checks smbd's ports through the `ctdb` stand-in (`ctdb checktcpport`,
// answered inside the node's namespace by floatipd); its takeip and releaseip pass. winbindd is
// not installed here: 49.winbind's monitor fails as it would under ctdbd, with its own message.
// They go in after the startup event and out before the lab stops: their startup and shutdown restart
// Samba host-wide (`killall -9 smbd`, `service smbd stop`), as they do under ctdbd.

import { copyFileSync, chmodSync, existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { StatusResult } from '../../../src/protocol/control-results';
import { DaemonLab, holders, startDaemonLab, waitFor, waitReady } from '../daemon/helpers/daemon-lab';
import { makeShare, sambaInstalled, Smbd, startSmbd, writeNodeSmbConf } from '../e2e/helpers/samba';

jest.setTimeout(120_000);

const LEGACY = '/usr/share/ctdb/events/legacy';
const ready = existsSync('/etc/ctdb/functions') && existsSync(join(LEGACY, '50.samba.script')) && sambaInstalled();
const winbindAbsent = spawnSync('sh', ['-c', 'command -v wbinfo'], { stdio: 'ignore' }).status !== 0;
const ADDRESSES = ['198.51.100.1', '198.51.100.2'];

interface ScriptJson { readonly name: string; readonly status: string; readonly output: string }
interface EventJson { readonly event: string; readonly status: string; readonly scripts: readonly ScriptJson[] }

let lab: DaemonLab;
let sambaRoot: string;
let smbConf: string;
let smbd: Smbd | undefined;
const nodeDir = (pnn: number): string => dirname(lab.socket(pnn));

/** `floatip event run monitor` on a node until it is not skipped behind another event (CTDB's queueing). */
function monitor(pnn: number): Promise<EventJson> {
  return waitFor(`a monitor run on node ${pnn}`, async () => {
    const result = JSON.parse((await lab.cli(pnn, 'event', 'run', 'monitor', '--json')).stdout) as EventJson;
    return result.status === 'SKIPPED' || result.status === 'CANCELLED' ? undefined : result;
  }, 30_000, 200);
}

const script = (run: EventJson, name: string): ScriptJson | undefined => run.scripts.find((s) => s.name === name);

(ready ? describe : describe.skip)("Debian's 50.samba and 49.winbind under floatipd (samba, ctdb: scripts/apt-packages.txt)", () => {
  beforeAll(async () => {
    lab = await startDaemonLab({ prefix: 'fwd', nodes: 2, ipv4: ADDRESSES.length, ipv6: 0 });
    // CTDB's scripts go in only after each node's startup event: 50.samba's startup restarts Samba
    // the Debian way (`killall -9 smbd`, `service smbd start`), which on a shared test machine
    // would hit every smbd. That is what it does under ctdbd too.
    for (const pnn of [0, 1]) {
      await waitFor(`the startup event on node ${pnn}`, async () => {
        const startup = await lab.json<EventJson | null>(pnn, 'event', 'status', 'startup');
        return startup?.status === 'OK' ? true : undefined;
      }, 30_000, 100);
    }
    sambaRoot = mkdtempSync(join(tmpdir(), 'fwd-samba-'));
    makeShare(join(sambaRoot, 'share'), { 'hello.txt': 'hello\n' });
    smbConf = writeNodeSmbConf(join(sambaRoot, 'node0'), 'FWDNODE0', join(sambaRoot, 'share'));
    smbd = await startSmbd(lab.namespace(0), smbConf);
    // CTDB's settings of 50.samba, in the file that stands in CTDB_BASE/script.options: the lab's smbd has no port 139.
    writeFileSync(join(nodeDir(0), 'script.options'), 'CTDB_SAMBA_CHECK_PORTS=445\nCTDB_SAMBA_SKIP_SHARE_CHECK=yes\n');
    copyFileSync(join(LEGACY, '50.samba.script'), join(nodeDir(0), 'events.d', '50.samba.script'));
    chmodSync(join(nodeDir(0), 'events.d', '50.samba.script'), 0o755);
  });

  afterAll(async () => {
    for (const pnn of [0, 1]) {
      for (const name of ['50.samba.script', '49.winbind.script']) rmSync(join(nodeDir(pnn), 'events.d', name), { force: true });
    }
    await smbd?.stop();
    await lab?.down();
    rmSync(sambaRoot, { recursive: true, force: true });
  });

  test('50.samba monitor passes while smbd listens on 445 and fails, as under ctdbd, when it stops', async () => {
    const up = await monitor(0);
    expect({ status: up.status, samba: script(up, '50.samba.script') }).toMatchObject({ status: 'OK', samba: { status: 'OK' } });
    await smbd?.stop();
    const down = await monitor(0);
    expect(down.status).toBe('ERROR');
    expect(script(down, '50.samba.script')).toMatchObject({ status: 'ERROR', output: expect.stringContaining('samba not listening on TCP port 445') });
    smbd = await startSmbd(lab.namespace(0), smbConf);
    await waitFor('50.samba monitor OK again', async () => ((await monitor(0)).status === 'OK' ? true : undefined), 30_000, 200);
  });

  test('50.samba passes takeip and releaseip as an address comes to node 0 and leaves it', async () => {
    // The previous test's monitor failure made node 0 UNHEALTHY; a move to it is refused until the
    // leader sees it healthy again (a manual `event run monitor` does not change its flags).
    await waitFor('node 0 OK in every node\'s view', async () => {
      const views = await Promise.all([0, 1].map((pnn) => lab.json<StatusResult>(pnn, 'status')));
      return views.every((status) => status.nodes.find((n) => n.pnn === 0)?.flags === 'OK') ? true : undefined;
    }, 30_000, 100);
    const layout = await waitFor('every address on one node', () => holders(lab, ADDRESSES), 30_000);
    const address = ADDRESSES.find((a) => layout.get(a) === 1) ?? ADDRESSES[0];
    if (layout.get(address) !== 0) {
      const moved = await lab.cli(0, 'moveip', address, '0');
      expect({ code: moved.code, stderr: moved.stderr }).toMatchObject({ code: 0, stderr: '' });
    }
    await waitFor(`${address} on node 0`, () => (holders(lab, ADDRESSES)?.get(address) === 0 ? true : undefined), 20_000);
    const takeip = await lab.json<EventJson>(0, 'event', 'status', 'takeip');
    expect({ status: takeip.status, samba: script(takeip, '50.samba.script')?.status }).toEqual({ status: 'OK', samba: 'OK' });
    await waitReady(lab, 1);
    expect(await lab.cli(0, 'moveip', address, '1')).toMatchObject({ code: 0 });
    await waitFor(`${address} on node 1`, () => (holders(lab, ADDRESSES)?.get(address) === 1 ? true : undefined), 20_000);
    const releaseip = await lab.json<EventJson>(0, 'event', 'status', 'releaseip');
    expect({ status: releaseip.status, samba: script(releaseip, '50.samba.script')?.status }).toEqual({ status: 'OK', samba: 'OK' });
  });

  (winbindAbsent ? test : test.skip)('49.winbind without winbind fails monitor cleanly, with its own message', async () => {
    copyFileSync(join(LEGACY, '49.winbind.script'), join(nodeDir(1), 'events.d', '49.winbind.script'));
    chmodSync(join(nodeDir(1), 'events.d', '49.winbind.script'), 0o755);
    const run = await monitor(1);
    expect(run.status).toBe('ERROR');
    expect(script(run, '49.winbind.script')).toMatchObject({ status: 'ERROR', output: expect.stringContaining('ERROR: wbinfo -p returned error') });
    unlinkSync(join(nodeDir(1), 'events.d', '49.winbind.script'));
  });
});

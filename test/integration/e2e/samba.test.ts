// Real Samba behind floatip: smbd in every node namespace serving one common directory, 50.samba enabled; smbclient keeps reading through a public address when its node fails.
//
// Lab prefix fe2c, three real floatipds from src/. As an admin would: each node gets a
// script.options naming its smb.conf, smbd is started, and `floatip event script enable
// 50.samba` turns the script on, so monitor checks smbd from then on.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labFail, labHeal } from '../../../src/lab';
import { StatusResult } from '../../../src/protocol/control-results';
import { DaemonLab, startDaemonLab, waitFor } from '../daemon/helpers/daemon-lab';
import { addressesOf, balanced, hostedWithout, now } from './helpers/cluster';
import { makeShare, sambaInstalled, Smbd, SmbRead, smbRead, startSmbd, writeClientSmbConf, writeNodeSmbConf } from './helpers/samba';

jest.setTimeout(180_000);

const ALL = ['198.51.100.1', '198.51.100.2', '198.51.100.3'];
const FILE = 'hello.txt';
const CONTENT = `served by whichever node holds the address, ${process.pid}\n`;

/** A read as the tests compare it: smbclient's complaint shows only when it failed. */
const outcome = (read: SmbRead): { ok: boolean; text: string; stderr: string } => ({ ok: read.ok, text: read.text, stderr: read.ok ? '' : read.stderr });
const READ_OK = { ok: true, text: CONTENT, stderr: '' };

interface MonitorJson {
  readonly status: string;
  readonly startedAtMs: number;
  readonly scripts: ReadonlyArray<{ readonly name: string; readonly status: string; readonly output: string }>;
}

(sambaInstalled() ? describe : describe.skip)('Samba on every node (install samba and smbclient: scripts/apt-packages.txt)', () => {
  let lab: DaemonLab;
  let root: string;
  let clientConf: string;
  const smbConfs: string[] = [];
  const smbds: (Smbd | undefined)[] = [];
  const measured: Record<string, number> = {};

  /** The last monitor run of node `pnn` that started after `after`, once there is one. */
  const monitorAfter = (pnn: number, after: number): Promise<MonitorJson> => waitFor(`a monitor run on node ${pnn}`, async () => {
    const run = await lab.json<MonitorJson | null>(pnn, 'event', 'status', 'monitor');
    return run !== null && run.startedAtMs > after ? run : undefined;
  }, 10_000, 100);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'fe2c-samba-'));
    // smbd serves the share as the guest account (nobody), which must be able to walk to it.
    chmodSync(root, 0o755);
    const share = join(root, 'share');
    makeShare(share, { [FILE]: CONTENT });
    clientConf = writeClientSmbConf(join(root, 'client'));
    lab = await startDaemonLab({ prefix: 'fe2c', nodes: 3, ipv4: ALL.length, ipv6: 0 });
    for (const pnn of [0, 1, 2]) {
      smbConfs[pnn] = writeNodeSmbConf(join(root, `node${pnn}`), `FE2C-NODE${pnn}`, share);
      smbds[pnn] = await startSmbd(lab.namespace(pnn), smbConfs[pnn]);
      writeFileSync(join(lab.target.dir, `node${pnn}`, 'script.options'),
        `# written by test/integration/e2e/samba.test.ts\nFLOATIP_SAMBA_CONF=${smbConfs[pnn]}\nFLOATIP_SAMBA_PORTS=445\n`, { mode: 0o644 });
      const enabled = await lab.cli(pnn, 'event', 'script', 'enable', '50.samba');
      if (enabled.code !== 0) throw new Error(`enabling 50.samba on node ${pnn} failed: ${enabled.stderr}`);
    }
  });

  afterAll(async () => {
    for (const smbd of smbds) await smbd?.stop().catch(() => undefined);
    await lab?.down();
    rmSync(root, { recursive: true, force: true });
    process.stdout.write(`floatip e2e samba measurements (ms): ${JSON.stringify(measured)}\n`);
  });

  test('50.samba runs in every node\'s monitor and passes: smbd listens and the share exists', async () => {
    const enabledAt = Date.now();
    for (const pnn of [0, 1, 2]) {
      const run = await monitorAfter(pnn, enabledAt);
      expect([pnn, run.status, run.scripts.find((s) => s.name === '50.samba')?.status]).toEqual([pnn, 'OK', 'OK']);
    }
  });

  test('smbclient in the client namespace reads the file through every public address', async () => {
    await balanced(lab, ALL);
    for (const address of ALL) {
      expect([address, outcome(smbRead(lab.client, clientConf, address, FILE))]).toEqual([address, READ_OK]);
    }
  });

  test('the owner of an address is killed (-9): the next smbclient call through the same address succeeds', async () => {
    const layout = await balanced(lab, ALL);
    const victim = 1;
    const [address] = addressesOf(layout, victim);
    expect(outcome(smbRead(lab.client, clientConf, address, FILE))).toEqual(READ_OK);
    const fault = now();
    try {
      await labFail(lab.target, victim, 'kill');
      await hostedWithout(lab, [address], victim);
      const read = smbRead(lab.client, clientConf, address, FILE);
      measured.killToSmbclientDone = Math.round(now() - fault);
      measured.smbclientCallAfterTakeover = Math.round(read.ms);
      expect(outcome(read)).toEqual(READ_OK);
    } finally {
      await labHeal(lab.target, victim);
    }
    await balanced(lab, ALL);
  });

  test('smbd stopped on a node: 50.samba fails its monitor, the node turns UNHEALTHY, its addresses move and stay readable; smbd back: failback', async () => {
    const layout = await balanced(lab, ALL);
    const victim = 2;
    const [address] = addressesOf(layout, victim);
    const stoppedAt = Date.now();
    await smbds[victim]?.stop();
    smbds[victim] = undefined;
    try {
      await hostedWithout(lab, ALL, victim, 15_000);
      measured.smbdStopToMoved = Date.now() - stoppedAt;
      const failed = await monitorAfter(victim, stoppedAt);
      expect(failed.status).toBe('ERROR');
      expect(failed.scripts.find((s) => s.name === '50.samba')).toMatchObject({
        status: 'ERROR', output: expect.stringContaining('smbd is not listening on TCP port(s) 445'),
      });
      expect((await lab.json<StatusResult>(0, 'status')).nodes[victim].flags).toBe('UNHEALTHY');
      expect(outcome(smbRead(lab.client, clientConf, address, FILE))).toEqual(READ_OK);
    } finally {
      smbds[victim] = await startSmbd(lab.namespace(victim), smbConfs[victim]);
    }
    const back = await balanced(lab, ALL, 15_000);
    expect(addressesOf(back, victim).length).toBe(1);
    expect(outcome(smbRead(lab.client, clientConf, addressesOf(back, victim)[0], FILE))).toEqual(READ_OK);
  });
});

// Debian's own CTDB event scripts, unchanged, under two real floatipds (lab prefix fwc): the stand-in, CTDB's functions, 10.interface.
//
// The scripts are copied from the installed ctdb package (`dpkg -L ctdb`) into each node's
// events.d as they are. A probe script in CTDB's form sources CTDB's functions file and
// records what CTDB's own helpers read through the `ctdb` stand-in, so the test compares
// that with the kernels and the daemons' answers.

import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DaemonLab, holders, startDaemonLab, waitFor, waitReady } from '../daemon/helpers/daemon-lab';
import { balanced } from '../e2e/helpers/cluster';

jest.setTimeout(120_000);

const LEGACY = '/usr/share/ctdb/events/legacy';
const installed = existsSync('/etc/ctdb/functions') && existsSync(join(LEGACY, '10.interface.script'));
const ADDRESSES = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'];

/** CTDB's way of asking (functions file + $CTDB), written as a CTDB 4.9+ script would be. */
const PROBE = `#!/bin/sh
[ -n "$CTDB_BASE" ] || exit 1
. "\${CTDB_BASE}/functions"
load_script_options
case "$1" in
monitor)
	out="\${CTDB_SCRIPT_VARDIR}/probe.out"
	pnn=$(ctdb_get_pnn)
	{
		echo "pnn=$pnn"
		echo "ip=$(ctdb_get_ip_address)"
		# update_tickles' way of finding the node's own addresses
		echo "mine=$($CTDB -X ip | awk -F'|' -v pnn="$pnn" '$3 == pnn {print $2}' | sort | tr '\\n' ' ')"
		echo "ifaces=$($CTDB -X ifaces | sed -e '1d' -e 's@^|@@' -e 's@|.*@@' | tr '\\n' ' ')"
		echo "option=$PROBE_OPTION"
	} >"$out.tmp"
	mv "$out.tmp" "$out"
	;;
esac
exit 0
`;

let lab: DaemonLab;
const eventsDir = (pnn: number): string => join(dirname(lab.socket(pnn)), 'events.d');
const probeOut = (pnn: number): string => join(dirname(lab.socket(pnn)), 'ctdb', 'scripts', 'probe.out');

interface ScriptJson { readonly name: string; readonly status: string; readonly output: string }
interface EventJson { readonly event: string; readonly status: string; readonly scripts: readonly ScriptJson[] }

(installed ? describe : describe.skip)("Debian's ctdb scripts under floatipd (install ctdb: scripts/apt-packages.txt)", () => {
  beforeAll(async () => {
    lab = await startDaemonLab({ prefix: 'fwc', nodes: 2, ipv4: ADDRESSES.length, ipv6: 0 });
    for (const pnn of [0, 1]) {
      const dir = eventsDir(pnn);
      for (const name of ['05.system.script', '10.interface.script']) {
        copyFileSync(join(LEGACY, name), join(dir, name));
        chmodSync(join(dir, name), 0o755);
      }
      writeFileSync(join(dir, '55.probe.script'), PROBE, { mode: 0o755 });
      writeFileSync(join(dir, '55.probe.options'), 'PROBE_OPTION=from-options-file\n', { mode: 0o644 });
      writeFileSync(join(dir, '56.left.script~'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    }
  });

  afterAll(async () => {
    await lab?.down();
  });

  test("monitor runs 05.system, 10.interface's link monitor and the probe; CTDB's helpers read floatip's state", async () => {
    // Two addresses on each node once the start's runs are over: the layout the probe must see.
    const layout = await balanced(lab, ADDRESSES);
    for (const pnn of [0, 1]) {
      // A monitor asked while the start's events still run is SKIPPED (CTDB's queueing): ask until one runs.
      const run = await waitFor(`a monitor run on node ${pnn}`, async () => {
        // A failed event exits 1 and still prints its result.
        const result = JSON.parse((await lab.cli(pnn, 'event', 'run', 'monitor', '--json')).stdout) as EventJson;
        return result.status === 'SKIPPED' || result.status === 'CANCELLED' ? undefined : result;
      }, 30_000, 200);
      expect({ pnn, status: run.status, output: run.scripts.map((s) => `${s.name}: ${s.output}`).join('\n') }).toMatchObject({ status: 'OK' });
      expect(run.scripts.map((s) => [s.name, s.status])).toEqual(expect.arrayContaining([
        ['05.system.script', 'OK'], ['10.interface.script', 'OK'], ['55.probe.script', 'OK'],
      ]));
    }
    for (const pnn of [0, 1]) {
      const lines = readFileSync(probeOut(pnn), 'utf8').trim().split('\n');
      const mine = ADDRESSES.filter((a) => layout.get(a) === pnn).sort().join(' ');
      expect(lines).toEqual([
        `pnn=${pnn}`, `ip=192.0.2.${pnn + 1}`, `mine=${mine}${mine ? ' ' : ''}`, `ifaces=${lab.publicInterface} `, 'option=from-options-file',
      ]);
    }
  });

  test("a takeover runs without 10.interface's takeip (it would add the address again), and the address moves", async () => {
    const before = await waitFor('every address on one node', () => holders(lab, ADDRESSES), 20_000);
    const address = ADDRESSES[0];
    const to = before.get(address) === 0 ? 1 : 0;
    await waitReady(lab, to);
    const moved = await lab.cli(to, 'moveip', address, String(to));
    expect(moved).toMatchObject({ code: 0 });
    await waitFor(`${address} on node ${to}`, () => (holders(lab, ADDRESSES)?.get(address) === to ? true : undefined), 20_000);
    const takeip = await lab.json<EventJson>(to, 'event', 'status', 'takeip');
    expect(takeip.status).toBe('OK');
    expect(takeip.scripts.map((s) => s.name)).not.toContain('10.interface.script');
    expect(takeip.scripts.map((s) => s.name)).toContain('55.probe.script');
  });

  test('11.natgw on a follower routes through the NAT gateway leader it finds with `ctdb -X nodestatus all`; 91.lvs without ipvsadm says so', async () => {
    // keepalived (for bench:peers) recommends ipvsadm; scripts/setup.sh installs without recommends.
    const ipvsadm = spawnSync('sh', ['-c', 'command -v ipvsadm'], { encoding: 'utf8' }).stdout.trim();
    if (ipvsadm !== '') throw new Error(`${ipvsadm} is installed: this test runs 91.lvs without it, as scripts/setup.sh leaves the machine (apt-get remove ipvsadm)`);
    const dir = dirname(lab.socket(1));
    writeFileSync(join(dir, 'natgw_nodes'), '192.0.2.1\n192.0.2.2 follower-only\n');
    writeFileSync(join(dir, 'lvs_nodes'), '192.0.2.1\n192.0.2.2 follower-only\n');
    // A documentation range instead of CTDB's default route: the node namespace keeps its own default.
    writeFileSync(join(dir, 'script.options'), [
      `CTDB_NATGW_NODES=${join(dir, 'natgw_nodes')}`, 'CTDB_NATGW_PRIVATE_NETWORK=192.0.2.0/24', 'CTDB_NATGW_STATIC_ROUTES=203.0.113.0/24',
      `CTDB_LVS_NODES=${join(dir, 'lvs_nodes')}`, 'CTDB_LVS_PUBLIC_IP=203.0.113.80', '',
    ].join('\n'));
    for (const name of ['11.natgw.script', '91.lvs.script']) {
      copyFileSync(join(LEGACY, name), join(eventsDir(1), name));
      chmodSync(join(eventsDir(1), name), 0o755);
    }
    expect(await lab.cli(1, 'ipreallocate')).toMatchObject({ code: 0 });
    const ipreallocated = await waitFor('ipreallocated with 11.natgw on node 1', async () => {
      const status = await lab.json<EventJson | null>(1, 'event', 'status', 'ipreallocated');
      return status?.scripts.some((s) => s.name === '11.natgw.script') ? status : undefined;
    }, 30_000, 100);
    expect(ipreallocated.scripts.filter((s) => /natgw|lvs/.test(s.name)).map((s) => [s.name, s.status, s.output])).toEqual([
      ['11.natgw.script', 'OK', ''],
      ['91.lvs.script', 'OK', 'LVS configured but ipvsadm not found\n'],
    ]);
    const route = execFileSync('ip', ['-n', lab.namespace(1), 'route', 'show', '203.0.113.0/24'], { encoding: 'utf8' });
    expect(route.trim()).toBe(`203.0.113.0/24 via 192.0.2.1 dev ${lab.privateInterface} metric 10`);
    for (const name of ['11.natgw.script', '91.lvs.script']) rmSync(join(eventsDir(1), name));
  });

  test('event script list shows the CTDB scripts, why 10.interface runs for two events, and the file that never runs', async () => {
    const list = await lab.cli(0, 'event', 'script', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/10\.interface\.script +enabled +startup monitor\n {2}ONLY THESE EVENTS: floatipd adds and deletes public addresses itself/);
    expect(list.stdout).toMatch(/56\.left\.script~ +NEVER RUNS: an editor backup/);
    expect(list.stdout).not.toMatch(/55\.probe\.options/);
  });
});

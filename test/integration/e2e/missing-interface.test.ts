// A public address on an interface the node lacks: floatipd starts, warns with file:line, shows it missing, stays healthy and serves the rest.
//
// Lab prefix fya. Node 0 is restarted with a public_addresses that names fyamiss0, which does
// not exist in its namespace: once on a line beside its real public interface, once alone on a
// line of an address only node 0 lists. The lab runs the shipped 10.interface on every node;
// before, it failed monitor for the missing interface and the node went UNHEALTHY, moving away
// every address it could host on its real interface.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labFail, labHeal } from '../../../src/lab';
import { IfaceStatus, IpStatus, StatusResult } from '../../../src/protocol/control-results';
import { DaemonLab, holders, publicAddressesIn, startDaemonLab, waitFor } from '../daemon/helpers/daemon-lab';

jest.setTimeout(120_000);

const MISSING = 'fyamiss0';
const ONLY_ON_MISSING = '198.51.100.77';
const ADDRESSES = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'];

let lab: DaemonLab;

beforeAll(async () => {
  lab = await startDaemonLab({ prefix: 'fya', nodes: 3, ipv4: 4, ipv6: 0 });
});

afterAll(async () => {
  await lab?.down();
});

interface MonitorStatus { readonly status: string; readonly startedAtMs: number; readonly scripts: ReadonlyArray<{ readonly name: string; readonly status: string; readonly output: string }> }

test('node 0 starts with an interface it lacks: warning with file:line, ifaces shows it missing, the node stays healthy and hosts on its real interface', async () => {
  const file = join(lab.target.dir, 'node0', 'public_addresses');
  const pid = await lab.pid(0);
  await labFail(lab.target, 0, 'stop');
  await waitFor('node 0 stopped', async () => ((await lab.pid(0)) === null ? true : undefined), 20_000, 50);
  expect(pid).not.toBeNull();

  const lines = readFileSync(file, 'utf8').split('\n');
  const first = lines.findIndex((l) => l.startsWith(`${ADDRESSES[0]}/`));
  lines[first] = lines[first].replace(' ', ` ${MISSING},`);
  writeFileSync(file, `${lines.join('\n').trimEnd()}\n${ONLY_ON_MISSING}/24 ${MISSING}\n`);
  const edited = readFileSync(file, 'utf8').split('\n');
  const sharedLine = edited.findIndex((l) => l.startsWith(`${ADDRESSES[0]}/`)) + 1;
  const aloneLine = edited.findIndex((l) => l.startsWith(`${ONLY_ON_MISSING}/`)) + 1;
  const restartedAt = Date.now();
  const heal = await labHeal(lab.target, 0);
  expect(heal.daemons.map((d) => d.up)).toEqual([true]);

  // The warnings, with file:line and the interface, logged at start.
  const warnings = await waitFor('the missing-interface warnings', () => {
    const found = readFileSync(lab.log(0), 'utf8').split('\n').filter((l) => l.includes('W_PUBLIC_INTERFACE_MISSING'))
      .map((l) => (JSON.parse(l) as { msg: string }).msg);
    return found.length >= 2 ? found : undefined;
  }, 10_000, 100);
  expect(warnings).toEqual([
    expect.stringMatching(new RegExp(`^${file}:${sharedLine}: interface ${MISSING} does not exist on this node; ${ADDRESSES[0]}/24 can use only ${lab.publicInterface} here`)),
    expect.stringMatching(new RegExp(`^${file}:${aloneLine}: interface ${MISSING} does not exist on this node, so this node cannot host ${ONLY_ON_MISSING}/24`)),
  ]);

  // Healthy through several monitor runs of the shipped 10.interface, which now only warns.
  const seen = new Set<number>();
  await waitFor('three monitor runs after the restart', async () => {
    const monitor = await lab.json<MonitorStatus | null>(0, 'event', 'status', 'monitor');
    if (monitor && monitor.startedAtMs > restartedAt) {
      seen.add(monitor.startedAtMs);
      const script = monitor.scripts.find((s) => s.name === '10.interface');
      expect([monitor.status, script?.status, script?.output]).toEqual(['OK', 'OK', expect.stringContaining(`interface ${MISSING} does not exist`)]);
    }
    return seen.size >= 3 ? true : undefined;
  }, 30_000, 200);
  const status = await lab.json<StatusResult>(0, 'status');
  expect([status.nodes[0].flags, status.monitor]).toEqual(['OK', 'healthy']);

  const ifaces = await lab.json<IfaceStatus[]>(0, 'ifaces');
  expect(ifaces).toEqual(expect.arrayContaining([{ name: MISSING, link: 'missing', references: 2 }, { name: lab.publicInterface, link: 'up', references: 4 }]));
  expect((await lab.cli(0, 'ifaces')).stdout).toMatch(new RegExp(`name:${MISSING} +link:missing +references:2`));

  // Node 0 hosts its share on its real interface; the address only on the missing interface is nowhere.
  const layout = await waitFor('node 0 hosting its share again', () => {
    const now = holders(lab, ADDRESSES);
    return now && [...now.values()].includes(0) ? now : undefined;
  }, 30_000, 100);
  expect(publicAddressesIn(lab.namespace(0), lab.publicInterface)).toEqual([...layout].filter(([, pnn]) => pnn === 0).map(([a]) => a).sort());
  expect(lab.kernelAddresses().flat()).not.toContain(ONLY_ON_MISSING);
  const ips = await lab.json<IpStatus[]>(0, 'ip');
  expect(ips.find((i) => i.address === ONLY_ON_MISSING)?.pnn).toBe(-1);

  // The address that names the missing interface too can still go to node 0, on the interface it has.
  const move = await lab.cli(0, 'moveip', ADDRESSES[0], '0');
  expect([move.code, move.stderr]).toEqual([0, '']);
  expect(publicAddressesIn(lab.namespace(0), lab.publicInterface)).toContain(ADDRESSES[0]);
});

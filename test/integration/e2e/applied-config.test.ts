// Event scripts see the configuration floatipd applied, not public_addresses as edited: a refused reload leaves the node healthy.
//
// Lab prefix fub. The lab runs the shipped 10.interface on every node; it checks every
// interface named in the public addresses. A line with an impossible interface name is
// refused by SIGHUP and by reloadips, so nothing changes; before floatipd published what it
// applied (FLOATIP_PUBLIC_ADDRESSES), 10.interface read the edited file, found "no such
// interface" and made the node UNHEALTHY for a reload that had changed nothing.

import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StatusResult } from '../../../src/protocol/control-results';
import { DaemonLab, startDaemonLab, waitFor } from '../daemon/helpers/daemon-lab';

jest.setTimeout(120_000);

let lab: DaemonLab;

beforeAll(async () => {
  lab = await startDaemonLab({ prefix: 'fub', nodes: 3, ipv4: 3, ipv6: 0 });
});

afterAll(async () => {
  await lab?.down();
});

interface MonitorStatus { readonly status: string; readonly startedAtMs: number; readonly scripts: ReadonlyArray<{ readonly name: string; readonly status: string; readonly output: string }> }

async function lastMonitor(pnn: number): Promise<MonitorStatus | null> {
  return lab.json<MonitorStatus | null>(pnn, 'event', 'status', 'monitor');
}

test('a reload refused for a bad interface name changes nothing: monitor (with the shipped 10.interface) stays OK and the node healthy', async () => {
  await waitFor('node 0 healthy', async () => ((await lab.json<StatusResult>(0, 'status')).nodes[0].flags === 'OK' ? true : undefined), 20_000, 100);
  const file = join(lab.target.dir, 'node0', 'public_addresses');
  const saved = readFileSync(file, 'utf8');
  try {
    appendFileSync(file, '198.51.100.40/24 fub-bad:x\n');
    const edited = Date.now();
    const pid = await lab.pid(0);
    if (pid === null) throw new Error('node 0 has no floatipd');
    process.kill(pid, 'SIGHUP');
    const reload = await lab.cli(0, 'reloadips', '-n', '0');
    expect(reload.code).toBe(1);
    expect(reload.stdout).toMatch(new RegExp(`node 0: FAILED: .*${file.replace(/[.]/g, '\\.')}:\\d+: .*fub-bad:x`));
    // Three monitor runs that started after the edit, each with 10.interface: with monitor_fall = 1 one failure would be enough.
    const seen = new Set<number>();
    await waitFor('three monitor runs after the edit', async () => {
      const monitor = await lastMonitor(0);
      if (monitor && monitor.startedAtMs > edited) {
        seen.add(monitor.startedAtMs);
        expect([monitor.status, monitor.scripts.find((s) => s.name === '10.interface')]).toEqual(['OK', expect.objectContaining({ status: 'OK' })]);
      }
      return seen.size >= 3 ? true : undefined;
    }, 20_000, 200);
    const status = await lab.json<StatusResult>(0, 'status');
    expect([status.nodes[0].flags, status.monitor]).toEqual(['OK', 'healthy']);
    expect(readFileSync(join(lab.target.dir, 'node0', 'public_addresses.applied'), 'utf8')).not.toContain('fub-bad');
  } finally {
    writeFileSync(file, saved);
  }
});

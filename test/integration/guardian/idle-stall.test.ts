// A stall of a floatipd that holds no address (lab prefix fnb): SIGSTOP past fence_after, the daemon lives on; holding addresses, it still exits.
//
// Issue 17: `floatip lab up --nodes 32 --ips 64` had all 32 daemons exit on event-loop
// stalls of 0.53-0.57 s while joining, although none held an address yet. The stall is
// made from outside here (SIGSTOP of floatipd until its guardian has fenced and ended,
// then SIGCONT): a daemon that held nothing carries on with a new guardian and takes its
// share once enabled; the same freeze of a daemon holding addresses still ends it.

import { readFileSync } from 'node:fs';
import { guardianPidOf } from '../../../src/lab/guardian-faults';
import { StatusResult } from '../../../src/protocol/control-results';
import { balanced } from '../e2e/helpers/cluster';
import { DaemonLab, startDaemonLab, waitFor } from '../daemon/helpers/daemon-lab';

jest.setTimeout(180_000);

const ALL = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4', '198.51.100.5', '198.51.100.6'];

let lab: DaemonLab;

beforeAll(async () => {
  lab = await startDaemonLab({ prefix: 'fnb', nodes: 3, ipv4: 6, ipv6: 0 });
});

afterAll(async () => {
  await lab?.down();
});

function logLines(pnn: number, pattern: RegExp): string[] {
  return readFileSync(lab.log(pnn), 'utf8').split('\n').filter((line) => pattern.test(line));
}

/** SIGSTOPs floatipd `pid` until its guardian (fence_after without a tick) has fenced and ended, then SIGCONTs it. */
async function freezeUntilFenced(pid: number): Promise<number> {
  const guardian = await waitFor('a guardian beside floatipd', () => guardianPidOf(pid), 20_000, 50);
  process.kill(pid, 'SIGSTOP');
  try {
    await waitFor(`guardian ${guardian} to fence and end`, async () => ((await guardianPidOf(pid)) === undefined ? true : undefined), 20_000, 20);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  return guardian;
}

test('holding nothing (disabled), a freeze past fence_after costs only the guardian: the same floatipd serves its share again', async () => {
  await balanced(lab, ALL, 30_000);
  expect((await lab.cli(2, 'disable')).code).toBe(0);
  await waitFor('node 2 to hold nothing', () => (lab.kernelAddresses()[2].length === 0 ? true : undefined), 10_000);
  const pid = await lab.pid(2);
  if (pid === null) throw new Error('node 2 has no floatipd');

  const fencedGuardian = await freezeUntilFenced(pid);

  // Still the same process, with a new guardian, guarded again: it said why it did not exit.
  await waitFor('node 2 guarded again', async () => ((await lab.json<StatusResult>(2, 'status')).guardian?.guarded ? true : undefined), 20_000, 50);
  expect(await lab.pid(2)).toBe(pid);
  const guardian = await guardianPidOf(pid);
  expect(guardian).toBeDefined();
  expect(guardian).not.toBe(fencedGuardian);
  expect(logLines(2, /held no address/).length).toBeGreaterThan(0);

  expect((await lab.cli(2, 'enable')).code).toBe(0);
  const layout = await balanced(lab, ALL, 30_000);
  expect([...layout.values()].filter((pnn) => pnn === 2).length).toBe(2);
  expect(await lab.pid(2)).toBe(pid);
});

test('holding addresses, the same freeze still ends floatipd (its guardian removed them, the cluster counts it dead)', async () => {
  const layout = await balanced(lab, ALL, 30_000);
  expect([...layout.values()]).toContain(2);
  const pid = await lab.pid(2);
  if (pid === null) throw new Error('node 2 has no floatipd');
  const idleLinesBefore = logLines(2, /held no address/).length;
  await freezeUntilFenced(pid);
  await waitFor('node 2\'s floatipd to exit', async () => ((await lab.pid(2)) === null ? true : undefined), 20_000, 50);
  expect(logLines(2, /held no address/).length).toBe(idleLinesBefore);
  // Whichever hears of the fence first says why: the guardian keeper (its end, fenced-no-ticks) or the fast path, whose
  // question to the guardian after the freeze found it ended (liveness.ts WATCH_RULES `confirm`).
  expect(logLines(2, /floatipd exits and must be started again|floatipd exits at once: the whole process stood still for \d+ ms \(frozen\)/).length)
    .toBeGreaterThan(0);
});

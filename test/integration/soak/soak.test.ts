// The fault-injection soak, short and with a fixed seed, on three real floatipds from src/: no duplicate, no crash.
//
// The seed's schedule is printed with the report, so a failure here reproduces with
// `npm run soak -- --nodes 3 --minutes M --seed S` (from dist) or by running this file
// again (from src). Figures are printed, not asserted: benchmarks judge speed, this
// test judges behaviour. Logs: $TMPDIR/floatip-soak-logs/fsk/.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown } from '../../../src/lab';
import { runSoak } from '../../../src/soak/runner';
import { SoakReport } from '../../../src/soak/report';
import { FAULT_KINDS } from '../../../src/soak/schedule';
import { prepareTsDaemon } from '../daemon/helpers/ts-daemon';

const PREFIX = 'fsk';
// Seed 33 draws every fault kind within 1.5 minutes on 3 nodes (a cgroup kill both with the guardian apart and together).
const SEED = Number(process.env.FLOATIP_SOAK_SEED ?? 33);
const MINUTES = Number(process.env.FLOATIP_SOAK_MINUTES ?? 1.5);

jest.setTimeout(MINUTES * 60_000 + 240_000);

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), `${PREFIX}-`));
});

afterAll(async () => {
  await labDown({ prefix: PREFIX, dir: join(root, 'lab') });
  rmSync(root, { recursive: true, force: true });
});

test(`soak: seed ${SEED}, 3 nodes, ${MINUTES} min of faults: no address on two nodes, no daemon crash, whole at the end`, async () => {
  const daemon = prepareTsDaemon(root);
  const lines: string[] = [];
  let report: SoakReport | undefined;
  try {
    report = await runSoak({
      seed: SEED, nodes: 3, minutes: MINUTES, ipv4: 4, ipv6: 2, profile: 'default', prefix: PREFIX, dir: join(root, 'lab'),
      floatipd: daemon.command, nodeArgs: ['--require', daemon.hook], say: (line) => lines.push(line), kinds: FAULT_KINDS,
    });
  } finally {
    process.stdout.write(`${lines.join('\n')}\nsoak report: ${JSON.stringify(report, null, 2)}\n`);
  }
  // The schedule exercised the faults it is meant to (with 3 nodes, one node at a time).
  expect(Object.keys(report.faults).sort()).toEqual([...FAULT_KINDS].sort());
  // Only the steps outside the model by construction leave it (one-way cuts, a cgroup kill with the
  // guardian inside, a hand-added address): their duplicates are counted apart.
  const byConstruction = /one-way|guardian together|added by hand/;
  expect(report.outside_safety_model.filter((line) => !byConstruction.test(line))).toEqual([]);
  expect(report.probe?.rounds).toBeGreaterThan(100);
  expect(report.problems).toEqual([]);
  expect(report.failed_actions).toEqual([]);
  // The promises: never on two nodes, never a crash, and whole again after the last fault.
  expect(report.duplicate_details.filter((d) => !(d as { outside_safety_model: boolean }).outside_safety_model)).toEqual([]);
  expect(report.duplicates).toBe(0);
  expect(report.duplicate_macs).toBe(0);
  expect(report.crash_details).toEqual([]);
  expect(report.crashes).toBe(0);
  expect(report.final.unserved_at_end).toEqual([]);
  expect(report.final.settled_ms).not.toBeNull();
});

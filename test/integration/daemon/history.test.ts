// `floatip history` in a lab of real floatipds (prefix h9h): every node shows every run, whoever led it, through a leader's death and its return.

import { labFail, labHeal } from '../../../src/lab';
import { TakeoverRunRecord } from '../../../src/protocol/control-results';
import { DaemonLab, holders, startDaemonLab, waitFor } from './helpers/daemon-lab';

jest.setTimeout(180_000);

const ALL = ['198.51.100.1', '198.51.100.2', '198.51.100.3'];
let lab: DaemonLab;

beforeAll(async () => {
  lab = await startDaemonLab({ prefix: 'h9h', nodes: 3, ipv4: ALL.length, ipv6: 0 });
});

afterAll(async () => {
  await lab?.down();
});

const history = (pnn: number): Promise<TakeoverRunRecord[]> => lab.json<TakeoverRunRecord[]>(pnn, 'history');
const leadersIn = (runs: readonly TakeoverRunRecord[]): number[] => [...new Set(runs.map((r) => r.leader))].sort();
const key = (runs: readonly TakeoverRunRecord[]): string[] => runs.map((r) => `${r.epoch}@${r.leader}:${r.status}`);

test('every node shows the runs of node 0, then of node 1 after node 0 died, and node 0 learns them when it returns', async () => {
  // Formed: node 0 leads; nodes 1 and 2 hold its runs though they led none.
  await waitFor('the addresses placed, one per node', () => {
    const layout = holders(lab, ALL);
    return layout && new Set(layout.values()).size === 3 ? layout : undefined;
  }, 60_000, 100);
  const formed = await waitFor('node 2 to hold node 0\'s ok run', async () => {
    const runs = await history(2);
    return runs.some((r) => r.leader === 0 && r.status === 'ok') ? runs : undefined;
  }, 30_000, 100);
  expect(leadersIn(formed)).toEqual([0]);

  await labFail(lab.target, 0, 'kill');
  const afterDeath = await waitFor('node 1 to lead a run that placed node 0\'s address', async () => {
    const layout = holders(lab, ALL);
    if (!layout || [...layout.values()].includes(0)) return undefined;
    const runs = await history(2);
    return runs.some((r) => r.leader === 1 && r.status === 'ok') ? runs : undefined;
  }, 60_000, 100);
  // The new leader went on from what it had: node 0's runs are still there, below its own.
  expect(leadersIn(afterDeath)).toEqual([0, 1]);
  expect(afterDeath[0].leader).toBe(1);
  expect(afterDeath.map((r) => r.epoch)).toEqual([...afterDeath.map((r) => r.epoch)].sort((a, b) => b - a));
  await waitFor('node 1 to show the same runs as node 2', async () => {
    const [one, two] = await Promise.all([history(1), history(2)]);
    return JSON.stringify(key(one)) === JSON.stringify(key(two)) ? true : undefined;
  }, 10_000, 100);

  const heal = await labHeal(lab.target, 0);
  expect(heal.daemons.map((d) => d.up)).toEqual([true]);
  // The restarted node 0 started with nothing and learned every run of both leaders from its peers.
  const returned = await waitFor('node 0 to hold node 1\'s runs', async () => {
    const runs = await history(0).catch(() => []);
    return runs.some((r) => r.leader === 1) ? runs : undefined;
  }, 60_000, 100);
  expect(leadersIn(returned)).toEqual([0, 1]);
  for (const run of afterDeath) expect(key(returned)).toContain(key([run])[0]);
  const text = await lab.cli(2, 'history');
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/^EPOCH\s+LEADER\s+STARTED/);
  expect(text.stdout.split('\n').filter((line) => /^\s+\d+\s+1\s/.test(line)).length).toBeGreaterThan(0);
  expect(text.stdout.split('\n').filter((line) => /^\s+\d+\s+0\s/.test(line)).length).toBeGreaterThan(0);
});

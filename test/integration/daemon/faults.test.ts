// Faults against three real floatipds: kill -9, SIGSTOP, link loss and a 2|1 partition, each timed from the fault to the survivors.
//
// A sampler dumps every node's addresses every 5 ms for the whole file. For a freeze, a
// link loss and a partition the addresses must leave the failed node (guardian, fence)
// before the rest of the cluster takes them, and no address may ever be seen on two
// nodes at once. A kill -9 is a race by nature: the peers see the closed stream at the
// same instant the guardian sees its closed pipe. timing.crash_grace (default 250 ms) makes
// the new owner wait for the guardian, or for the guardian's FENCED notice if that comes
// first, and this file checks that no address is ever on two nodes.

import { readFileSync } from 'node:fs';
import { labFail, labHeal, labPartition } from '../../../src/lab';
import { AddressSampler } from './helpers/address-sampler';
import { DaemonLab, holders, pings, startDaemonLab, waitFor } from './helpers/daemon-lab';
import { cleanUpAll } from '../helpers/cleanup';

jest.setTimeout(120_000);

const ALL = [...Array.from({ length: 6 }, (_, k) => `198.51.100.${k + 1}`), '2001:db8:100::1', '2001:db8:100::2', '2001:db8:100::3'];
/** timing profile `default`. */
const FENCE_AFTER_MS = 700;
const DEAD_AFTER_MS = 1000;
/**
 * Sampling period and scheduling slack allowed on top of each bound. The fault is timed
 * before the lab's `ip` commands run, which alone took up to ~200 ms on a loaded 2-core
 * machine; the safety property itself (gone before taken, never on two nodes) has no slack.
 */
const SLACK_MS = 250;

let lab: DaemonLab;
let sampler: AddressSampler;
const measured: Record<string, Record<string, number>> = {};

const now = (): number => performance.timeOrigin + performance.now();

beforeAll(async () => {
  lab = await startDaemonLab({ prefix: 'fwdf', nodes: 3, ipv4: 6, ipv6: 3 });
  sampler = await AddressSampler.start([0, 1, 2].map((pnn) => lab.namespace(pnn)), 5);
});

afterAll(async () => {
  // Each step whatever the one before did: a failed sampler must not leave the lab behind.
  await cleanUpAll(() => sampler?.stop(), () => lab?.down());
  process.stdout.write(`floatipd fault measurements (ms after the fault): ${JSON.stringify(measured)}\n`);
});

/** A layout with every address on one node and 3 on each. */
async function balanced(): Promise<Map<string, number>> {
  return waitFor('a balanced layout (3 addresses per node)', () => {
    const layout = holders(lab, ALL);
    if (!layout) return undefined;
    const counts = [0, 0, 0];
    for (const pnn of layout.values()) counts[pnn]++;
    return counts.every((c) => c === 3) ? layout : undefined;
  }, 20_000, 50);
}

interface FaultTimes {
  /** Last moment the failed node was seen holding any of its addresses. */
  readonly goneMs: number;
  /** First moment a survivor was seen holding the last of them. */
  readonly takenMs: number;
}

/**
 * Waits until the failed node's addresses are all on survivors, then reads the sampler's
 * times for them; with `strict`, each must have left the failed node before it arrived elsewhere.
 */
async function timesAfter(fault: number, failed: number, addresses: readonly string[], strict = true): Promise<FaultTimes> {
  await waitFor(`node ${failed}'s addresses on the others`, () => {
    const layout = holders(lab, addresses);
    return layout && [...layout.values()].every((pnn) => pnn !== failed) ? true : undefined;
  }, 10_000);
  const survivors = [0, 1, 2].filter((pnn) => pnn !== failed);
  // The sampler's children report on their own: wait until they too saw every address leave the
  // failed node and arrive on a survivor (a fixed pause here was a guess at how late they are).
  await waitFor('the sampler to see the addresses leave the failed node and arrive elsewhere', () => (addresses.every((a) =>
    sampler.lastSeen(failed, a, fault) !== Infinity
    && survivors.some((pnn) => sampler.firstSeen(pnn, a, fault) !== undefined)) ? true : undefined), 10_000);
  const gone = Math.max(...addresses.map((a) => sampler.lastSeen(failed, a, fault) ?? fault));
  const taken = Math.max(...addresses.map((a) => Math.min(...survivors.map((pnn) => sampler.firstSeen(pnn, a, fault) ?? Infinity))));
  for (const address of strict ? addresses : []) {
    const left = sampler.lastSeen(failed, address, fault) ?? fault;
    const arrived = Math.min(...survivors.map((pnn) => sampler.firstSeen(pnn, address, fault) ?? Infinity));
    expect([address, left < arrived, sampler.story(address, fault)]).toEqual([address, true, sampler.story(address, fault)]);
  }
  return { goneMs: Math.round(gone - fault), takenMs: Math.round(taken - fault) };
}

function addressesOf(layout: Map<string, number>, pnn: number): string[] {
  return [...layout].filter(([, holder]) => holder === pnn).map(([a]) => a);
}

test('kill -9: the guardian removes the dead daemon\'s addresses at once, the others take them at once', async () => {
  const victims = addressesOf(await balanced(), 1);
  const fault = now();
  try {
    await labFail(lab.target, 1, 'kill');
    const times = await timesAfter(fault, 1, victims, false);
    const overlaps = sampler.overlaps().filter((o) => o.from >= fault && o.from <= fault + 1000);
    measured.kill = { ...times, overlapMs: Math.round(Math.max(0, ...overlaps.map((o) => o.to - o.from))) };
    expect(times.goneMs).toBeLessThan(100 + SLACK_MS);
    expect(times.takenMs).toBeLessThan(DEAD_AFTER_MS / 2);
    expect(overlaps).toEqual([]);
    expect(victims.filter((a) => !pings(lab.client, a))).toEqual([]);
    // The guardian told the survivors it was done (its FENCED notice), so they did not wait out crash_grace.
    await waitFor('the survivors to log node 1\'s notice', () => ([0, 2].every((pnn) => readFileSync(lab.log(pnn), 'utf8')
      .split('\n').some((line) => line.includes('"cause":"pipe-closed"') && line.includes('node 1\'s guardian removed its'))) ? true : undefined), 5000);
  } finally {
    await labHeal(lab.target, 1);
  }
});

test('SIGSTOP: the frozen daemon\'s addresses go within fence_after, before the others take them after dead_after', async () => {
  const victims = addressesOf(await balanced(), 0);
  const fault = now();
  try {
    await labFail(lab.target, 0, 'freeze');
    const times = await timesAfter(fault, 0, victims);
    measured.freeze = { ...times };
    expect(times.goneMs).toBeLessThanOrEqual(FENCE_AFTER_MS + SLACK_MS);
    expect(times.takenMs).toBeLessThan(DEAD_AFTER_MS + 1000);
  } finally {
    // Thawed, it finds the guardian fenced it and exits (the cluster had counted it dead); heal starts it again in the same call.
    const healed = await labHeal(lab.target, 0);
    expect(healed.daemons.map((d) => d.up)).toEqual([true]);
  }
});

test('link down: the cut-off node fences, the others take its addresses after dead_after', async () => {
  const victims = addressesOf(await balanced(), 2);
  const fault = now();
  try {
    await labFail(lab.target, 2, 'link', 'all');
    const times = await timesAfter(fault, 2, victims);
    measured.link = { ...times };
    expect(times.goneMs).toBeLessThanOrEqual(FENCE_AFTER_MS + SLACK_MS);
    expect(times.takenMs).toBeLessThan(DEAD_AFTER_MS + 1000);
    expect(victims.filter((a) => !pings(lab.client, a))).toEqual([]);
    // Whichever deleted them first (its main loop's fence at fence_after, or the guardian its fast
    // path ordered on the next pulse), the daemon lives on, without quorum, to rejoin when the link is back.
    expect((await lab.json<{ quorate: boolean }>(2, 'status')).quorate).toBe(false);
  } finally {
    await labHeal(lab.target, 2);
  }
});

test('partition 0,1 | 2: the minority drops its addresses before the majority takes them', async () => {
  const victims = addressesOf(await balanced(), 2);
  const fault = now();
  try {
    await labPartition(lab.target, [[0, 1], [2]]);
    const times = await timesAfter(fault, 2, victims);
    measured.partition = { ...times };
    expect(times.goneMs).toBeLessThanOrEqual(FENCE_AFTER_MS + SLACK_MS);
    expect(times.takenMs).toBeGreaterThan(times.goneMs);
    // The minority fences at fence_after, but counts its peers gone (and so itself
    // inquorate) only at dead_after in its own clock, which may be a little after the
    // majority's takeover: wait for it rather than sample once.
    // (waitFor throws when the deadline passes.)
    await waitFor('node 2 to report no quorum', async () => {
      const status = await lab.json<{ quorate: boolean }>(2, 'status');
      return status.quorate ? undefined : true;
    }, DEAD_AFTER_MS + SLACK_MS * 4, 50);
  } finally {
    await labHeal(lab.target, undefined);
  }
  await balanced();
});

test('throughout: no address was ever seen on two nodes at once (5 ms samples)', () => {
  expect(sampler.duplicates([])).toEqual([]);
});

// The fast path (issue 17), lab prefix ff: a 150 ms main-loop stall no longer costs a fast-profile node its addresses; a real freeze still does.
//
// Before: the guardian, ticked from the main loop, fenced after fence_after (175 ms) without
// a tick, and the daemon exited on its own loop gap: stalls of 134-196 ms while 1000 addresses
// settled killed fast-profile daemons. Now the mesh, the heartbeats and the guardian's ticks
// run on the fast-path worker's loop (daemon/fastpath): the main loop of node 1 is blocked
// through the inspector (main-loop-block.ts), the worker heartbeats on, and the peers, the
// guardian and the daemon itself carry on. A SIGSTOP of the whole process longer than
// fence_after still fences: the guardian removes its addresses, the survivors take them, and
// the daemon exits when it runs again. A 5 ms sampler checks no address is ever on two nodes.

import { readFileSync } from 'node:fs';
import { AddressSampler } from './helpers/address-sampler';
import { blockMainLoop } from './helpers/main-loop-block';
import { DaemonLab, holders, startDaemonLab, waitFor } from './helpers/daemon-lab';
import { cleanUpAll } from '../helpers/cleanup';

jest.setTimeout(180_000);

const ALL = Array.from({ length: 6 }, (_, k) => `198.51.100.${k + 1}`);
const STALL_MS = Number(process.env.HB_STALL_MS ?? 150);

let lab: DaemonLab;
let sampler: AddressSampler;

beforeAll(async () => {
  lab = await startDaemonLab({ prefix: 'ff', nodes: 3, ipv4: 6, ipv6: 0, profile: (process.env.HB_PROFILE as 'fast' | 'default' | undefined) ?? 'fast' });
  sampler = await AddressSampler.start([0, 1, 2].map((pnn) => lab.namespace(pnn)), 5);
});

afterAll(async () => {
  // Each step whatever the one before did: a failed sampler must not leave the lab behind.
  await cleanUpAll(() => sampler?.stop(), () => lab?.down());
});

function logLines(pnn: number, pattern: RegExp): string[] {
  return readFileSync(lab.log(pnn), 'utf8').split('\n').filter((line) => pattern.test(line));
}

/** Every address once, and each node with its two: the layout LCP2 settles on. */
async function settled(): Promise<Map<string, number>> {
  return waitFor('every address once, two per node', () => {
    const layout = holders(lab, ALL);
    if (!layout) return undefined;
    const counts = [0, 1, 2].map((pnn) => [...layout.values()].filter((p) => p === pnn).length);
    return counts.every((c) => c === 2) ? layout : undefined;
  }, 30_000);
}

test('a 150 ms stall of a fast-profile daemon\'s main loop: it keeps its addresses and its peers do not fail it over', async () => {
  const before = await settled();
  const pid = await lab.pid(1);
  expect(pid).not.toBeNull();
  const disconnects = (): number => [0, 2].reduce((n, peer) => n + logLines(peer, /node 1: .*DISCONNECTED/).length, 0);
  const disconnectsBefore = disconnects();
  const exits = (): number => logLines(1, /exits at once|fenced \(/).length;
  const exitsBefore = exits();
  const blocked: number[] = [];
  for (let round = 0; round < 5; round++) {
    blocked.push(await blockMainLoop(lab.namespace(1), pid!, STALL_MS));
    // The node answers again: its main loop runs.
    await waitFor('node 1 to answer', async () => ((await lab.cli(1, 'ping')).code === 0 ? true : undefined), 5_000);
  }
  expect(Math.min(...blocked)).toBeGreaterThanOrEqual(STALL_MS);
  expect(await lab.pid(1)).toBe(pid);
  expect(holders(lab, ALL)).toEqual(before);
  expect(disconnects()).toBe(disconnectsBefore);
  expect(exits()).toBe(exitsBefore);
  expect(sampler.overlaps()).toEqual([]);
});

test('a SIGSTOP longer than fence_after is still fenced: the survivors take its addresses and it exits when it runs again', async () => {
  const before = await settled();
  const pid = (await lab.pid(2))!;
  const victims = [...before].filter(([, pnn]) => pnn === 2).map(([a]) => a);
  process.kill(pid, 'SIGSTOP');
  try {
    await waitFor('the survivors to hold node 2\'s addresses', () => {
      const layout = holders(lab, ALL);
      return layout && victims.every((a) => layout.get(a) !== 2) ? true : undefined;
    }, 10_000);
    expect(lab.kernelAddresses()[2]).toEqual([]);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  await waitFor('the frozen daemon to exit', async () => ((await lab.pid(2)) === null ? true : undefined), 10_000);
  expect(logLines(2, /stood still/).length).toBeGreaterThan(0);
  expect(sampler.overlaps()).toEqual([]);
});

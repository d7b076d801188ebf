// Planned stops of half a 4-node cluster on the real lab (prefix fg): the other half keeps serving every address (issue 13).
//
// Before expected votes, stopping 2 of 4 daemons on purpose left the other two without quorum
// ("Quorum:NO (majority; partition: 0,1)") and every address unserved while they were down. A
// stop on purpose is a graceful leave now: the stopping node releases its addresses and says
// LEAVING, the others lower the expected votes. Checked with real floatipd processes and a 5 ms
// address sampler per node namespace: the remaining two hold every address, there is no moment
// with every address unserved, no address is ever on two nodes; the stopped ones then start
// again, pass `floatip wait-ok`, and the layout is balanced again.

import { labFail, labHeal } from '../../../src/lab';
import { StatusResult } from '../../../src/protocol/control-results';
import { gapsOf } from '../../../src/soak/timeline';
import { AddressSampler } from '../daemon/helpers/address-sampler';
import { DaemonLab, holders, startDaemonLab, waitFor, waitReady } from '../daemon/helpers/daemon-lab';
import { balanced, now } from '../e2e/helpers/cluster';
import { cleanUpAll } from '../helpers/cleanup';

jest.setTimeout(240_000);

const ALL = [...Array.from({ length: 6 }, (_, k) => `198.51.100.${k + 1}`), '2001:db8:100::1', '2001:db8:100::2'];
const NODES = [0, 1, 2, 3];

let lab: DaemonLab;
let sampler: AddressSampler;
const measured: Record<string, number> = {};

beforeAll(async () => {
  lab = await startDaemonLab({ prefix: 'fg', nodes: 4, ipv4: 6, ipv6: 2 });
  sampler = await AddressSampler.start(NODES.map((pnn) => lab.namespace(pnn)), 5);
});

afterAll(async () => {
  // Each step whatever the one before did: a failed sampler must not leave the lab behind.
  await cleanUpAll(() => sampler?.stop(), () => lab?.down());
  process.stdout.write(`planned-stop lab measurements (ms, a loaded 2-core machine): ${JSON.stringify(measured)}\n`);
});

/**
 * The stretches inside [from, to] during which no address at all was on any node: the
 * intersection over every address of its stretches on no node (core of the outage).
 */
function everyAddressUnserved(from: number, to: number): Array<{ from: number; to: number }> {
  const gaps = gapsOf(sampler.presences(), ALL, from, to);
  let common: Array<{ from: number; to: number }> = [{ from, to }];
  for (const address of ALL) {
    const mine = gaps.filter((g) => g.address === address);
    common = common.flatMap((c) => mine.map((g) => ({ from: Math.max(c.from, g.from), to: Math.min(c.to, g.to) })))
      .filter((c) => c.to > c.from);
  }
  return common;
}

/** Waits until every address is on exactly one node, all of them among `serving`, and the others hold none. */
function hostedBy(serving: readonly number[], timeoutMs = 20_000): Promise<Map<string, number>> {
  return waitFor(`every address once, all on nodes ${serving.join(',')}`, () => {
    const layout = holders(lab, ALL);
    const kernel = lab.kernelAddresses();
    const elsewhere = NODES.filter((pnn) => !serving.includes(pnn)).some((pnn) => kernel[pnn].length > 0);
    return layout && !elsewhere && [...layout.values()].every((pnn) => serving.includes(pnn)) ? layout : undefined;
  }, timeoutMs, 20);
}

/** Waits until node `pnn`'s floatipd has exited. */
function exited(pnn: number): Promise<true> {
  return waitFor(`node ${pnn}'s floatipd to exit`, async () => ((await lab.pid(pnn)) === null ? true : undefined), 20_000, 50);
}

/** Starts the stopped nodes again, waits until every node passes `floatip wait-ok` and the layout is balanced. */
async function restart(stopped: readonly number[], name: string): Promise<void> {
  const start = now();
  for (const pnn of stopped) {
    const heal = await labHeal(lab.target, pnn);
    expect(heal.daemons.every((d) => d.up)).toBe(true);
  }
  for (const pnn of NODES) await waitReady(lab, pnn);
  await balanced(lab, ALL, 30_000);
  measured[`${name}RestartedBalancedMs`] = Math.round(now() - start);
}

/** The remaining nodes are quorate, expecting only themselves, and name the stopped ones as left. */
async function expectLeft(remaining: readonly number[], stopped: readonly number[]): Promise<void> {
  for (const pnn of remaining) {
    const status = await lab.json<StatusResult>(pnn, 'status');
    expect({ pnn, quorate: status.quorate, expected: status.votes?.expected, left: status.votes?.left })
      .toEqual({ pnn, quorate: true, expected: remaining.length, left: [...stopped].sort((a, b) => a - b) });
  }
}

test('stopping 2 of 4 one after the other: the other two serve every address throughout', async () => {
  await balanced(lab, ALL, 30_000);
  const start = now();
  await labFail(lab.target, 3, 'stop');
  await exited(3);
  await hostedBy([0, 1, 2]);
  await labFail(lab.target, 2, 'stop');
  await exited(2);
  const layout = await hostedBy([0, 1]);
  measured.oneAfterTheOtherServedByTwoMs = Math.round(now() - start);
  expect([...layout.values()].filter((pnn) => pnn === 0)).toHaveLength(ALL.length / 2);
  await expectLeft([0, 1], [2, 3]);
  expect(everyAddressUnserved(start, now())).toEqual([]);
  await restart([3, 2], 'oneAfterTheOther');
});

test.each([
  ['the half without the leader', [2, 3], [0, 1]],
  ['the half with the leader (node 0)', [0, 1], [2, 3]],
])('stopping 2 of 4 at once, %s: the other two serve every address throughout', async (_name, stopped, remaining) => {
  await balanced(lab, ALL, 30_000);
  const start = now();
  await Promise.all(stopped.map((pnn) => labFail(lab.target, pnn, 'stop')));
  await Promise.all(stopped.map((pnn) => exited(pnn)));
  const layout = await hostedBy(remaining);
  measured[`atOnce${stopped.join('')}ServedByTwoMs`] = Math.round(now() - start);
  expect([...layout.values()].filter((pnn) => pnn === remaining[0])).toHaveLength(ALL.length / 2);
  await expectLeft(remaining, stopped);
  expect(everyAddressUnserved(start, now())).toEqual([]);
  await restart(stopped, `atOnce${stopped.join('')}`);
});

test('throughout: no address was ever seen on two nodes at once (5 ms samples)', () => {
  expect(sampler.duplicates([])).toEqual([]);
});

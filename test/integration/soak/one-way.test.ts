// One-way cuts on the lab's private network (src/lab/one-way.ts), on the real kernel without daemons.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labHeal, labOneWay, labUp, oneWayCuts, planLab } from '../../../src/lab';

jest.setTimeout(60_000);

const PREFIX = 'fsko';
const root = mkdtempSync(join(tmpdir(), `${PREFIX}-`));
const target = { prefix: PREFIX, dir: join(root, 'lab') };
const plan = planLab({ prefix: PREFIX, dir: target.dir, nodes: 3, ipv4Addresses: 1, ipv6Addresses: 0, profile: 'default' });
const namespace = (pnn: number): string => `${PREFIX}-n${pnn}`;
const privateAddress = (pnn: number): string => `192.0.2.${pnn + 1}`;

function pings(from: number, to: number): boolean {
  return spawnSync('ip', ['netns', 'exec', namespace(from), 'ping', '-c', '1', '-W', '1', '-q', privateAddress(to)], { stdio: 'ignore' }).status === 0;
}

/** Packets received on a node's private interface so far. */
function received(pnn: number): number {
  const links = JSON.parse(execFileSync('ip', ['-n', namespace(pnn), '-j', '-s', 'link', 'show', 'dev', plan.names.privateInterface], { encoding: 'utf8' })) as
    Array<{ stats64: { rx: { packets: number } } }>;
  return links[0].stats64.rx.packets;
}

beforeAll(async () => {
  await labDown(target);
  await labUp(target, { nodes: 3, ipv4Addresses: 1, ipv6Addresses: 0, profile: 'default', daemons: false, floatipd: undefined, startTimeoutMs: 1000 });
});

afterAll(async () => {
  await labDown(target);
  rmSync(root, { recursive: true, force: true });
});

test('a cut drops frames from one node to another only: the other way and the other nodes still get through; heal removes it', async () => {
  expect([pings(0, 1), pings(1, 0), pings(0, 2)]).toEqual([true, true, true]);
  await labOneWay(target, 0, 1);
  expect(await oneWayCuts(plan)).toEqual([[0, 1]]);
  // 0 -> 1 is dropped, so 0's pings get no answer; 1's pings reach 0 (counted there) but 0's replies are dropped.
  expect(pings(0, 1)).toBe(false);
  const before = received(0);
  expect(pings(1, 0)).toBe(false);
  expect(received(0)).toBeGreaterThan(before);
  expect([pings(0, 2), pings(2, 0), pings(1, 2), pings(2, 1)]).toEqual([true, true, true, true]);
  await labHeal(target, undefined);
  expect(await oneWayCuts(plan)).toEqual([]);
  expect([pings(0, 1), pings(1, 0)]).toEqual([true, true]);
});

test('a cut needs two different nodes of the lab', async () => {
  await expect(labOneWay(target, 1, 1)).rejects.toThrow(/two different nodes/);
  await expect(labOneWay(target, 0, 7)).rejects.toThrow(/node 7 is not in this lab/);
});

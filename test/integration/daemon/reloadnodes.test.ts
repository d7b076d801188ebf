// reloadnodes on real floatipds: a 3-node lab grows to 4 and 5 and shrinks back to 3 without a restart; every address served throughout, never on two nodes.
//
// Witnesses: the demo's client connects to every public address every few ms and hears which
// node answered (a responder per node namespace, added with each node), and one address
// sampler per node namespace (started when the node is) dumps its addresses every 10 ms.
// A planned move is a release then a take, so an address that moves is unanswered for that
// step: the test bounds the longest such gap and asks that none outlasts the run.

import { promises as fs } from 'node:fs';
import { labAddNode, labFail, planLab } from '../../../src/lab';
import { DemoWitnesses } from '../../../src/lab/demo-witnesses';
import { requireLab } from '../../../src/lab/state';
import { nodesFilePath } from '../../../src/lab/node-files';
import { LabNodePlan, LabPlan } from '../../../src/lab/plan';
import { IpStatus, ReloadNodesResult, StatusResult } from '../../../src/protocol/control-results';
import { overlapsOf, Presence } from '../../../src/soak/timeline';
import { AddressSampler } from './helpers/address-sampler';
import { DaemonLab, publicAddressesIn, runCliCaptured, startDaemonLab, waitFor } from './helpers/daemon-lab';

jest.setTimeout(240_000);

const ADDRESSES = Array.from({ length: 10 }, (_, k) => `198.51.100.${k + 1}`);
/** A planned move's release-then-take, on a machine shared with other test runs: generous, and measured below. */
const MAX_GAP_MS = 3000;

let lab: DaemonLab;
let plan: LabPlan;
let witnesses: DemoWitnesses | undefined;
/** One sampler per node namespace, with the node number its only namespace has. */
const samplers: { pnn: number; sampler: AddressSampler }[] = [];
const measured: Record<string, number> = {};

function socketOf(pnn: number): string {
  return plan.nodes[pnn].controlSocket;
}

async function json<T>(pnn: number, ...args: string[]): Promise<T> {
  const run = await runCliCaptured([...args, '--json', '--socket', socketOf(pnn)]);
  if (![0, 1].includes(run.code) || run.stdout === '') throw new Error(`floatip ${args.join(' ')} on node ${pnn} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** Address -> holder when every address is on exactly one of `nodes` (and on no other node), else undefined. */
function layoutOn(nodes: readonly number[]): Map<string, number> | undefined {
  const on = new Map<string, number[]>();
  plan.nodes.forEach((node) => {
    for (const a of publicAddressesIn(node.namespace, plan.names.publicInterface)) on.set(a, [...(on.get(a) ?? []), node.pnn]);
  });
  const out = new Map<string, number>();
  for (const address of ADDRESSES) {
    const holders = on.get(address) ?? [];
    if (holders.length !== 1 || !nodes.includes(holders[0])) return undefined;
    out.set(address, holders[0]);
  }
  return out;
}

function counts(layout: Map<string, number>, nodes: readonly number[]): number[] {
  return nodes.map((pnn) => [...layout.values()].filter((p) => p === pnn).length);
}

/** Every live node healthy, on one epoch, with `members` in its partition, and the kernels balanced over them. */
async function settledOn(members: readonly number[], what: string): Promise<Map<string, number>> {
  await waitFor(`${what}: every node sees partition ${members.join(',')} and is healthy on one epoch`, async () => {
    const statuses = await Promise.all(members.map((pnn) => json<StatusResult>(pnn, 'status')));
    const ok = statuses.every((s) => s.monitor === 'healthy' && s.quorate && s.partition.join(',') === members.join(','))
      && new Set(statuses.map((s) => s.epoch)).size === 1;
    return ok ? true : undefined;
  }, 60_000, 200);
  return waitFor(`${what}: the addresses balanced over ${members.join(',')}`, () => {
    const layout = layoutOn(members);
    if (layout === undefined) return undefined;
    const c = counts(layout, members);
    return Math.max(...c) - Math.min(...c) <= 1 ? layout : undefined;
  }, 60_000, 100);
}

async function watchNode(node: LabNodePlan): Promise<void> {
  await witnesses?.addNode(node);
  samplers.push({ pnn: node.pnn, sampler: await AddressSampler.start([node.namespace], 10) });
}

async function grow(on: number): Promise<ReloadNodesResult> {
  const added = await labAddNode(lab.target, 60_000);
  expect(added.daemon).toMatchObject({ up: true });
  plan = planLab({ ...plan.options, nodes: plan.nodes.length + 1 });
  await watchNode(added.node);
  const started = performance.now();
  const result = await json<ReloadNodesResult>(on, 'reloadnodes');
  measured[`reloadnodes to ${plan.nodes.length} nodes`] = Math.round(performance.now() - started);
  return result;
}

beforeAll(async () => {
  lab = await startDaemonLab({ prefix: 'h8', nodes: 3, ipv4: ADDRESSES.length, ipv6: 0 });
  plan = (await requireLab(lab.target.dir, lab.target.prefix)).plan;
  await settledOn([0, 1, 2], 'start');
  witnesses = await DemoWitnesses.start(plan);
  for (const node of plan.nodes) samplers.push({ pnn: node.pnn, sampler: await AddressSampler.start([node.namespace], 10) });
});

afterAll(async () => {
  witnesses?.stop();
  for (const { sampler } of samplers) await sampler.stop();
  await lab?.down();
  process.stdout.write(`reloadnodes measurements (ms, on a machine shared with other test runs): ${JSON.stringify(measured)}\n`);
});

describe('reloadnodes on a lab of real daemons', () => {
  test('3 -> 4: the new node joins, quorum counts 4, the addresses spread over four nodes', async () => {
    const result = await grow(0);
    expect(result).toMatchObject({ ok: true, added: [3], removed: [], run: { status: 'ok' } });
    expect(result.nodes.map((n) => [n.pnn, n.status])).toEqual([[0, 'ok'], [1, 'ok'], [2, 'ok']]);
    // Node 3's daemon runs already: the one run after the reload gives it its share.
    expect(result.run?.message).toMatch(/ [1-9]\d* address\(es\) moved/);
    const layout = await settledOn([0, 1, 2, 3], 'grown to 4');
    expect(counts(layout, [0, 1, 2, 3]).sort()).toEqual([2, 2, 3, 3]);
    const listed = await json<{ pnn: number; deleted: boolean }[]>(1, 'listnodes');
    expect(listed.map((n) => n.pnn)).toEqual([0, 1, 2, 3]);
  });

  test('4 -> 5, asked on another node', async () => {
    const result = await grow(1);
    expect(result).toMatchObject({ ok: true, added: [4], run: { status: 'ok' } });
    expect(result.run?.message).toMatch(/ [1-9]\d* address\(es\) moved/);
    const layout = await settledOn([0, 1, 2, 3, 4], 'grown to 5');
    expect(counts(layout, [0, 1, 2, 3, 4])).toEqual([2, 2, 2, 2, 2]);
  });

  test('a node whose file differs is named, and nothing changes anywhere', async () => {
    const text = await fs.readFile(nodesFilePath(plan.nodes[0]), 'utf8');
    await fs.writeFile(nodesFilePath(plan.nodes[0]), `${text}192.0.2.99\n`);
    const result = await json<ReloadNodesResult>(0, 'reloadnodes');
    await fs.writeFile(nodesFilePath(plan.nodes[0]), text);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/every node must have the same nodes file/);
    expect(result.nodes.filter((n) => n.status !== 'ok').map((n) => n.pnn)).toEqual([1, 2, 3, 4]);
    for (const pnn of [0, 1, 2, 3, 4]) expect((await json<StatusResult>(pnn, 'status')).nodes).toHaveLength(5);
  });

  test('5 -> 3: nodes 3 and 4 stop, their lines are commented out, they leave; the survivors count 3', async () => {
    // Refused while they still run.
    const lines = (await fs.readFile(nodesFilePath(plan.nodes[0]), 'utf8')).trimEnd().split('\n');
    const shrunk = `${lines.map((line, pnn) => (pnn >= 3 ? `#${line}` : line)).join('\n')}\n`;
    for (const node of plan.nodes) await fs.writeFile(nodesFilePath(node), shrunk);
    const early = await json<ReloadNodesResult>(2, 'reloadnodes');
    expect(early).toMatchObject({ ok: false, removed: [3, 4] });
    expect(early.message).toMatch(/node 3 is connected and not stopped/);

    for (const pnn of [3, 4]) {
      const stop = await runCliCaptured(['stop', '-n', String(pnn), '--socket', socketOf(0)]);
      expect([stop.code, stop.stderr]).toEqual([0, '']);
    }
    await waitFor('nodes 3 and 4 to hold nothing', () => (layoutOn([0, 1, 2]) !== undefined ? true : undefined), 60_000, 100);
    const result = await json<ReloadNodesResult>(2, 'reloadnodes');
    expect(result).toMatchObject({ ok: true, added: [], removed: [3, 4], run: { status: 'ok' } });
    for (const pnn of [3, 4]) await labFail(lab.target, pnn, 'stop');
    const layout = await settledOn([0, 1, 2], 'shrunk to 3');
    expect(counts(layout, [0, 1, 2]).sort()).toEqual([3, 3, 4]);
    const status = await json<StatusResult>(0, 'status');
    expect(status.nodes.map((n) => [n.pnn, /DELETED/.test(n.flags)])).toEqual([[0, false], [1, false], [2, false], [3, true], [4, true]]);
    const ips = await json<IpStatus[]>(1, 'ip');
    expect(ips.every((ip) => [0, 1, 2].includes(ip.pnn))).toBe(true);
    // The guardian's fence notice follows: it heard each node set over its pipe.
    const guardianSets = (await fs.readFile(plan.nodes[0].logPath, 'utf8')).split('\n')
      .filter((line) => line.includes('"component":"guardian"') && line.includes('node set changed'))
      .map((line) => (JSON.parse(line) as { peers: number[] }).peers.join(','));
    expect(guardianSets).toEqual(['1,2,3', '1,2,3,4', '1,2']);
  });

  test('throughout: no address on two nodes, and every gap the client saw was one move long', async () => {
    const presences: Presence[] = samplers.flatMap(({ pnn, sampler }) => sampler.presences().map((p) => ({ ...p, node: pnn })));
    expect(presences.length).toBeGreaterThan(0);
    const twice = overlapsOf(presences).map((o) => `${o.address} on nodes ${o.nodes.join(' and ')} for ${(o.to - o.from).toFixed(1)} ms`);
    expect(twice).toEqual([]);
    const events = witnesses?.reachEvents ?? [];
    let longest = 0;
    for (const address of ADDRESSES) {
      const mine = events.filter((e) => e.address === address).sort((a, b) => a.t - b.t);
      expect(mine.length).toBeGreaterThan(0);
      expect(mine[mine.length - 1].node).not.toBeNull();
      mine.forEach((e, i) => {
        if (e.node === null && i + 1 < mine.length) longest = Math.max(longest, mine[i + 1].t - e.t);
      });
    }
    // The client reached addresses on the nodes that joined, through their own responders.
    const answeredBy = new Set(events.map((e) => e.node));
    for (const pnn of [0, 1, 2, 3, 4]) expect([pnn, answeredBy.has(pnn)]).toEqual([pnn, true]);
    measured['longest unanswered stretch of one address'] = Math.round(longest);
    expect(longest).toBeLessThan(MAX_GAP_MS);
  });
});

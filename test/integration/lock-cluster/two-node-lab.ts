// A two-node lab of real floatipds with a cluster lock (quorum = "lock"), and the scenario every lock backend must pass.
//
// The scenario: both nodes serve and one of them (whichever started first) holds the
// lock and leads; the private network is split and only the lock holder's side keeps
// serving; healed, both serve again; the holder's daemon is killed and the other node
// takes the lock and every address; the killed node comes back as a follower. A sampler dumps both nodes' addresses every 10 ms for the whole file: an
// address on both nodes at once is a failure.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labFail, labHeal, labPartition, labUp, LabTarget } from '../../../src/lab';
import { LabPlan } from '../../../src/lab/plan';
import { AddressSampler } from '../daemon/helpers/address-sampler';
import { publicAddressesIn, runCliCaptured, waitFor } from '../daemon/helpers/daemon-lab';
import { prepareTsDaemon } from '../daemon/helpers/ts-daemon';

export const ADDRESSES = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'];

export interface LockLab {
  readonly target: LabTarget;
  readonly plan: LabPlan;
  /** A directory both node namespaces see (they share the host's file system). */
  readonly shared: string;
  held(pnn: number): string[];
  status(pnn: number): Promise<{ leader: number; quorate: boolean; quorumRule: string }>;
  down(): Promise<void>;
}

/** Starts two floatipds (from src/) whose floatip.toml has `cluster_lock = lockSpec(shared dir)` and quorum = "lock". */
export async function startLockLab(prefix: string, lockSpec: (shared: string) => string): Promise<LockLab> {
  const root = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const shared = join(root, 'shared');
  mkdirSync(shared);
  const target: LabTarget = { prefix, dir: join(root, 'lab') };
  await labDown(target);
  const daemon = prepareTsDaemon(root);
  const up = await labUp(target, {
    nodes: 2, ipv4Addresses: ADDRESSES.length, ipv6Addresses: 0, profile: 'default',
    daemons: true, floatipd: daemon.command, startTimeoutMs: 30_000, clusterLock: lockSpec(shared),
  });
  const failed = up.daemons.filter((d) => !d.up);
  if (failed.length > 0) {
    await labDown(target);
    throw new Error(`floatipd did not come up:\n${failed.map((d) => d.problem).join('\n')}`);
  }
  const { plan } = up;
  return {
    target, plan, shared,
    held: (pnn) => publicAddressesIn(plan.nodes[pnn].namespace, plan.names.publicInterface),
    async status(pnn) {
      const run = await runCliCaptured(['status', '--json', '--socket', plan.nodes[pnn].controlSocket]);
      if (run.code !== 0) throw new Error(`floatip status on node ${pnn}: ${run.stderr}`);
      return JSON.parse(run.stdout) as { leader: number; quorate: boolean; quorumRule: string };
    },
    async down() {
      const keep = join(process.env.FLOATIP_TEST_LOGS ?? join(tmpdir(), 'floatip-test-logs'), prefix);
      rmSync(keep, { recursive: true, force: true });
      mkdirSync(keep, { recursive: true });
      for (const node of plan.nodes) {
        try { copyFileSync(node.logPath, join(keep, `node${node.pnn}.log`)); } catch { /* a node that never logged */ }
      }
      await labDown(target);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

const now = (): number => performance.timeOrigin + performance.now();

/** Measured figures of one backend's run, printed at the end of its file. */
export type Figures = Record<string, number>;

/**
 * Registers the scenario's tests in the calling file. `killToTakenLimitMs`: how long
 * the backend may take to free a dead holder's lock (fcntl: at once; CTDB's helper:
 * its 5 s parent check; etcd: the lease TTL), plus dead_after and slack.
 */
export function lockClusterScenario(name: string, lab: () => LockLab, killToTakenLimitMs: number): { figures: Figures; sampler: () => AddressSampler } {
  const figures: Figures = {};
  let sampler: AddressSampler;
  /** The lock holder (and leader) found by the first test; `other` is the other node. */
  let holder = 0;
  const other = (): number => 1 - holder;
  const both = (): boolean => {
    const [a, b] = [lab().held(0), lab().held(1)];
    return a.length === 2 && b.length === 2 && [...a, ...b].sort().join() === ADDRESSES.join();
  };

  beforeAll(async () => {
    await waitFor('both nodes serving two addresses each', () => (both() ? true : undefined), 30_000, 50);
    sampler = await AddressSampler.start([0, 1].map((pnn) => lab().plan.nodes[pnn].namespace), 10);
  });

  afterAll(async () => {
    await sampler?.stop();
    process.stdout.write(`${name} two-node lock cluster (ms after the fault): ${JSON.stringify(figures)}\n`);
  });

  test(`${name}: one node holds the lock and leads, the other follows; both serve`, async () => {
    const statuses = await Promise.all([lab().status(0), lab().status(1)]);
    holder = statuses[0].leader;
    expect([0, 1]).toContain(holder);
    expect(statuses.map((s) => [s.quorumRule, s.quorate, s.leader])).toEqual([['lock', true, holder], ['lock', true, holder]]);
  });

  test(`${name}: partition: the other node drops its addresses, only the lock holder serves them all`, async () => {
    const theirs = lab().held(other());
    const fault = now();
    // The holder's group first: it stays on the private bridge, where an etcd of the lab would sit.
    await labPartition(lab().target, [[holder], [other()]]);
    try {
      await waitFor('the holder serving every address', () => (lab().held(holder).length === ADDRESSES.length ? true : undefined), 10_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      figures.partitionGone = Math.round(Math.max(...theirs.map((a) => sampler.lastSeen(other(), a, fault) ?? fault)) - fault);
      figures.partitionTaken = Math.round(Math.max(...theirs.map((a) => sampler.firstSeen(holder, a, fault) ?? Infinity)) - fault);
      // Long enough for the other node to declare the holder dead and try the lock, several times.
      await new Promise((resolve) => setTimeout(resolve, 4000));
      expect(lab().held(other())).toEqual([]);
      expect(lab().held(holder)).toEqual(ADDRESSES);
      const cutOff = await lab().status(other());
      expect([cutOff.quorate, cutOff.leader]).toEqual([false, -1]);
      // The other node held nothing from fence_after (700 ms, plus sampling and scheduling slack) after the split on.
      const late = sampler.presences().filter((p) => p.node === other() && p.to > fault + 700 + 200);
      expect(late).toEqual([]);
    } finally {
      await labHeal(lab().target, undefined);
    }
    await waitFor('both nodes serving again', () => (both() ? true : undefined), 15_000, 50);
  });

  test(`${name}: the holder killed: the other node takes the lock and every address`, async () => {
    const dead = holder;
    const survivor = other();
    const theirs = lab().held(dead);
    const fault = now();
    await labFail(lab().target, dead, 'kill');
    try {
      await waitFor('the survivor serving every address', () => (lab().held(survivor).length === ADDRESSES.length ? true : undefined), killToTakenLimitMs);
      await new Promise((resolve) => setTimeout(resolve, 100)); // the sampler's last report may trail the kernel by a sample
      figures.killTaken = Math.round(Math.max(...theirs.map((a) => sampler.firstSeen(survivor, a, fault) ?? Infinity)) - fault);
      const status = await lab().status(survivor);
      expect([status.quorate, status.leader]).toEqual([true, survivor]);
    } finally {
      await labHeal(lab().target, dead);
    }
    // Back again, the restarted node finds the survivor leading and does not take the lock from it.
    await waitFor('both nodes serving again', () => (both() ? true : undefined), 20_000, 50);
    expect((await lab().status(dead)).leader).toBe(survivor);
  });

  test(`${name}: throughout, no address was ever on both nodes (10 ms samples)`, () => {
    expect(sampler.duplicates()).toEqual([]);
  });

  return { figures, sampler: () => sampler };
}

/** True when a command exists on this machine (the backends' programs come from Debian packages). */
export function haveProgram(path: string): boolean {
  return spawnSync('test', ['-x', path]).status === 0;
}

// Hung takeip/releaseip scripts, scripts calling back into floatipd, and a flapping monitor, against three real floatipds.
//
// The hung scripts come from src/lab/hung-event.ts (what the soak injects): they sleep 300 s
// and are killed at events.timeouts.takeip/releaseip (2 s by default, inside the 5 s run).
// Lab prefix `fta`.

import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installHungEvents, removeHungEvents, triggerHungEvent } from '../../../src/lab/hung-event';
import { StatusResult, TakeoverRunRecord } from '../../../src/protocol/control-results';
import { REPO_ROOT } from '../helpers/netns-child';
import { DaemonLab, holders, startDaemonLab, waitFor } from './helpers/daemon-lab';

jest.setTimeout(180_000);

const ALL = Array.from({ length: 6 }, (_, k) => `198.51.100.${k + 1}`);
/** timing.takeover_deadline of the lab (profile default). */
const DEADLINE_MS = 5000;

let lab: DaemonLab;

beforeAll(async () => {
  lab = await startDaemonLab({ prefix: 'fta', nodes: 3, ipv4: 6, ipv6: 0 });
});

afterAll(async () => {
  await lab?.down();
});

async function layout(): Promise<Map<string, number>> {
  return waitFor('every address on exactly one node', () => holders(lab, ALL), 20_000, 50);
}

/** Every address on exactly one node, two per node (the allocator's balance: no move is due). As the lab starts. */
async function balanced(): Promise<Map<string, number>> {
  return waitFor('a balanced layout (2 addresses per node)', () => {
    const current = holders(lab, ALL);
    const counts = [0, 0, 0];
    for (const pnn of current?.values() ?? []) counts[pnn]++;
    return current && counts.every((c) => c === 2) ? current : undefined;
  }, 20_000, 50);
}

/** Polls who holds `address` until `done` says so; returns the longest stretch it was on no node. */
async function watchUnserved(address: string, done: (holder: number) => boolean, timeoutMs: number): Promise<{ holder: number; longestGapMs: number }> {
  let gapStart: number | undefined;
  let longest = 0;
  const holder = await waitFor(`${address} settled`, () => {
    const on = lab.kernelAddresses().map((list, pnn) => (list.includes(address) ? pnn : -1)).filter((p) => p >= 0);
    const now = performance.now();
    if (on.length === 0) gapStart ??= now;
    else if (gapStart !== undefined) {
      longest = Math.max(longest, now - gapStart);
      gapStart = undefined;
    }
    if (on.length > 1) throw new Error(`${address} on nodes ${on.join(',')}`);
    return on.length === 1 && done(on[0]) ? on[0] : undefined;
  }, timeoutMs, 10);
  return { holder, longestGapMs: longest };
}

function addressOn(current: Map<string, number>, pnn: number): string {
  const found = [...current].find(([, on]) => on === pnn);
  if (!found) throw new Error(`node ${pnn} holds no address`);
  return found[0];
}

describe('a hung takeip', () => {
  afterEach(async () => { await removeHungEvents(lab.target, 2); });

  it('is killed at its timeout, and the address is served by another node within one run after', async () => {
    const address = addressOn(await balanced(), 0);
    // Only the runs from the move on count: the lab's start may have failed runs of its own.
    const before = Math.max(0, ...(await lab.json<TakeoverRunRecord[]>(0, 'history')).map((r) => r.epoch));
    await installHungEvents(lab.target, 2, ['takeip']);
    const answer = await triggerHungEvent(lab.target, 2, address);
    expect(answer).toMatch(/moveip .*: .*(not on node 2|failed|could not take)/i);
    const { holder, longestGapMs } = await watchUnserved(address, (on) => on !== 2, 2 * DEADLINE_MS);
    expect(holder).not.toBe(2);
    // Unserved from the failed takeip's release until the next run took it: far less than a run's deadline.
    expect(longestGapMs).toBeLessThan(DEADLINE_MS);
    // Settled: the last run is ok and every address is on one node (before the hang is removed).
    const runs = await waitFor('a run that ended ok after the failed take', async () => {
      const history = await lab.json<TakeoverRunRecord[]>(0, 'history');
      return history[0].status === 'ok' && holders(lab, ALL) !== undefined ? history : undefined;
    }, 2 * DEADLINE_MS, 100);
    const failed = runs.filter((r) => r.epoch > before && r.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    // Each failed for the take, never for the deadline (listed, so a failure shows why).
    const otherwise = failed.filter((r) => !/could not take/.test(r.error) || /deadline/.test(r.error));
    expect(otherwise.map((r) => ({ epoch: r.epoch, reason: r.reason, error: r.error }))).toEqual([]);
    expect(holders(lab, ALL)?.get(address)).not.toBe(2);
    // One credit per failed take. Usually one run fails and node 2 stays OK; in one CI run under
    // load it was BANNED (several failed runs, each a credit: the designed answer to a node that
    // keeps failing takes; why several failed that time is not proven). Either way it is not
    // counted dead or unhealthy, and the address left it.
    const status = await lab.json<StatusResult>(0, 'status');
    expect({ flags: status.nodes[2].flags, failedRuns: failed.length }).toEqual({
      flags: failed.length === 1 ? 'OK' : expect.stringMatching(/^(OK|BANNED)$/), failedRuns: failed.length,
    });
  });
});

describe('a hung releaseip', () => {
  afterEach(async () => { await removeHungEvents(lab.target, 0); });

  it('is killed at its timeout, the address is released anyway and the move succeeds inside the run', async () => {
    const address = addressOn(await layout(), 0);
    await installHungEvents(lab.target, 0, ['releaseip']);
    const answer = await triggerHungEvent(lab.target, 1, address);
    expect(answer).not.toMatch(/fail|not on node|did not answer/i);
    const { holder } = await watchUnserved(address, (on) => on === 1, DEADLINE_MS);
    expect(holder).toBe(1);
    const runs = await lab.json<TakeoverRunRecord[]>(0, 'history');
    expect(runs[0]).toMatchObject({ status: 'ok' });
    expect(runs[0].phases.total).toBeLessThan(DEADLINE_MS);
  });
});

describe('a takeip that calls back into floatipd', () => {
  const script = (): string => join(lab.target.dir, 'node1', 'events.d', '97.callback');
  const out = (): string => join(lab.root, 'callback.out');
  afterAll(() => { rmSync(script(), { force: true }); });

  it('gets `floatip gratarp` and `floatip ip --json` answered at once, and the move succeeds', async () => {
    // The built CLI (npm run build): through the test's transpile hook each call loads TypeScript,
    // ~1 s a call on a loaded machine, and two of them outlast takeip's 2 s.
    const cli = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'))}`;
    const socket = lab.socket(1);
    execFileSync('/bin/sh', ['-c', `${cli} ping --socket ${socket}`]);
    writeFileSync(script(), [
      '#!/bin/sh',
      '# floatip-events: takeip',
      `${cli} gratarp "$3" "$2" --socket ${socket} > ${out()}.gratarp 2>&1; echo "gratarp exit $?" >> ${out()}`,
      `${cli} ip --json --socket ${socket} > ${out()}.ip 2>&1; echo "ip exit $?" >> ${out()}`,
      'exit 0',
      '',
    ].join('\n'));
    chmodSync(script(), 0o755);
    rmSync(out(), { force: true });
    const address = addressOn(await layout(), 0);
    const answer = await triggerHungEvent(lab.target, 1, address);
    expect(answer).not.toMatch(/fail|not on node|did not answer/i);
    await waitFor(`${address} on node 1`, () => (holders(lab, ALL)?.get(address) === 1 ? true : undefined), DEADLINE_MS);
    expect(readFileSync(out(), 'utf8')).toBe('gratarp exit 0\nip exit 0\n');
    expect(readFileSync(`${out()}.ip`, 'utf8')).toContain(address);
    const runs = await lab.json<TakeoverRunRecord[]>(0, 'history');
    expect(runs[0].status).toBe('ok');
  });
});

describe('a flapping monitor', () => {
  it('moves the node\'s addresses away and back no more often than flap damping allows, then holds it out', async () => {
    await layout();
    const flag = join(lab.target.dir, 'node2', 'fail-monitor');
    const status = (): Promise<StatusResult> => lab.json<StatusResult>(2, 'status');
    // Transitions of node 2 between holding something and holding nothing, sampled all along.
    let hosting = lab.kernelAddresses()[2].length > 0;
    let transitions = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const now = lab.kernelAddresses()[2].length > 0;
        if (now !== hosting) transitions++;
        hosting = now;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      // Ten verdict changes, each waited for (the lab's monitor runs every second).
      for (let flip = 1; flip <= 10; flip++) {
        const before = (await status()).flapDamping?.flips ?? 0;
        if (flip % 2 === 1) writeFileSync(flag, 'flap\n');
        else rmSync(flag, { force: true });
        await waitFor(`monitor verdict change ${flip}`, async () => ((await status()).flapDamping?.flips ?? 0) > before || undefined, 10_000, 100);
      }
      const final = await status();
      expect(final.flapDamping).toMatchObject({ heldOut: true });
      expect(final.monitor).toBe('unhealthy');
      await waitFor('node 2 holds nothing', () => (lab.kernelAddresses()[2].length === 0 ? true : undefined), DEADLINE_MS);
    } finally {
      sampling = false;
      await sampler;
      rmSync(flag, { force: true });
    }
    // Default damping (3 changes per 60 s): away, back, away; without it, one transition per change (10).
    expect(transitions).toBeLessThanOrEqual(3);
  });
});

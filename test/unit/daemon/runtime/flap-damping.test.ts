// Flap damping: the rule as a table (flips, window, hold-down -> held out or not, and why), the damper, and a flapping node in a cluster.

import { DEFAULT_FLAP_DAMPING, FlapDamper, flapVerdict } from '../../../../src/daemon/runtime/flap-damping';
import { addressRange, TestCluster } from './harness/cluster';
import { play } from './harness/scenario';

const S = { flips: 3, windowMs: 60_000, holdDownMs: 30_000 };

describe('flapVerdict', () => {
  it.each([
    // settings, flips in window, now, held until -> held out, hold starts, reason
    [S, 0, 1000, undefined, false, false, '0 health flip(s) within 60 s, at most 3 allowed'],
    [S, 3, 1000, undefined, false, false, '3 health flip(s) within 60 s, at most 3 allowed'],
    [S, 4, 1000, undefined, true, true, 'health flipped 4 times within 60 s, more than 3: held out for 30 s'],
    [S, 0, 1000, 21_000, true, false, 'held out after flapping: 20 s of the hold-down left'],
    [S, 9, 1000, 21_000, true, false, 'held out after flapping: 20 s of the hold-down left'],
    [S, 2, 21_000, 21_000, false, false, '2 health flip(s) within 60 s, at most 3 allowed'],
    [S, 5, 21_000, 21_000, true, true, 'health flipped 5 times within 60 s, more than 3: held out for 30 s'],
    [{ ...S, flips: 0 }, 50, 1000, undefined, false, false, 'flap damping is off (events.monitor_flap_flips = 0)'],
  ] as const)('%j flips=%d now=%d heldUntil=%s -> held %s (hold starts %s): %s', (settings, flips, now, heldUntil, heldOut, hold, reason) => {
    const verdict = flapVerdict(settings, flips, now, heldUntil);
    expect({ heldOut: verdict.heldOut, hold: verdict.hold, reason: verdict.reason }).toEqual({ heldOut, hold, reason });
    if (hold) expect(verdict.until).toBe(now + settings.holdDownMs);
  });

  it('is on by default', () => {
    expect(DEFAULT_FLAP_DAMPING.flips).toBeGreaterThan(0);
  });
});

describe('FlapDamper', () => {
  it('counts changes of the verdict in the window, holds for the hold-down, and lets a quiet node back', () => {
    const damper = new FlapDamper(S);
    const seen: string[] = [];
    const at = (t: number, healthy: boolean): void => {
      const v = damper.record(healthy, t);
      seen.push(`${t}:${healthy ? 'pass' : 'fail'}:${v.heldOut ? 'held' : 'free'}`);
    };
    at(0, true); // first verdict: no flip
    at(2000, false); at(4000, true); at(6000, false); // 3 flips: allowed
    at(8000, true); // 4th: held out for 30 s
    at(10_000, true); at(37_000, true); // still held
    at(38_000, true); // hold-down over, window (60 s) still holds 4 flips: another hold-down
    at(68_000, true); // hold-down over; the flips at 2..8 s are older than the window: free
    expect(seen).toEqual([
      '0:pass:free', '2000:fail:free', '4000:pass:free', '6000:fail:free', '8000:pass:held',
      '10000:pass:held', '37000:pass:held', '38000:pass:held', '68000:pass:free',
    ]);
    expect(damper.holds).toBe(2);
  });
});

describe('a flapping monitor in a cluster', () => {
  it('moves the node\'s addresses away and back at most until the damping rule holds it out: no ping-pong', async () => {
    const cluster = await TestCluster.start({ nodes: 3, addresses: addressRange(6), init: { flapDamping: { flips: 3, windowMs: 60_000, holdDownMs: 60_000 } } });
    const startRuns = cluster.node(0).runtime.api.history(undefined).length;
    const startLayouts = cluster.timeline.length;
    // Fails every other run, every 2 s, for 30 s (the monitor: 16 runs and 32 moves before).
    for (let i = 0; i < 15; i++) await play(cluster, [`monitor 1 ${i % 2 === 0 ? 'fail' : 'pass'}`, 'advance 2000']);
    await play(cluster, ['expect flags 1 UNHEALTHY', 'expect counts 3 0 3', 'expect exclusive']);
    // Away, back, away: three changes of node 1's share, then held out.
    const layouts = cluster.timeline.slice(startLayouts - 1).map((e) => [...e.held.values()].filter((h) => h.includes(1)).length);
    const shareChanges = layouts.filter((n, i) => i > 0 && n !== layouts[i - 1]).length;
    expect(shareChanges).toBe(3);
    expect(cluster.node(0).runtime.api.history(undefined).length - startRuns).toBeLessThanOrEqual(4);
    const status = cluster.node(1).runtime.api.status();
    expect(status.flapDamping).toMatchObject({ heldOut: true, holds: 1 });
    expect(status.flapDamping?.reason).toMatch(/held out/);
    // Quiet and passing after the hold-down: back in, and its addresses come back.
    await play(cluster, ['advance 60000', 'monitor 1 pass', 'advance 100', 'expect flags 1 OK', 'expect counts 2 2 2']);
    expect(cluster.node(1).runtime.api.status().flapDamping?.heldOut).toBe(false);
  });
});

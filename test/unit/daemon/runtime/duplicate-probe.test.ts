// Duplicate detection over the memory prober: take-time and spread periodic probes, the claim rules, detection, re-announce, clearing.

import { ip } from '../../../../src/core/ip';
import { MEMORY_PROBER_MAC, MemoryProber } from '../../../../src/adapters/memory/packet';
import { AddressClaim } from '../../../../src/adapters/packet/prober';
import { DuplicateWatch, judgeClaim, PROBE_SLICE_MS, PROBES_PER_TURN } from '../../../../src/daemon/runtime/duplicate-probe';
import { HeldAddress } from '../../../../src/daemon/runtime/hosting';
import { Logger, LogFields } from '../../../../src/daemon/runtime/logger';
import { mac } from '../../../../src/protocol/packets';
import { ManualClock } from '../../../../src/adapters/memory/clock';

const OTHER = mac('02:00:00:00:00:0b');
const THIRD = mac('02:00:00:00:00:0c');

function recordingLogger(lines: Array<{ level: string; fields: LogFields; message: string }>): Logger {
  const at = (level: string) => (fields: LogFields, message: string) => { lines.push({ level, fields, message }); };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

function held(text: string, iface = 'fs0'): HeldAddress {
  const address = ip(text);
  return { address, bits: address.family === 4 ? 24 : 64, iface };
}

function setup(texts: string[], probeIntervalMs = 10_000) {
  const clock = new ManualClock();
  const prober = new MemoryProber();
  const logs: Array<{ level: string; fields: LogFields; message: string }> = [];
  const addresses = new Map(texts.map((t) => [t, held(t)]));
  const restored: string[] = [];
  const hosting = {
    list: () => [...addresses.values()],
    get: (text: string) => addresses.get(text),
    enqueue: <T>(work: () => Promise<T>) => work(),
    restore: async (text: string) => { restored.push(text); return undefined; },
  };
  const watch = new DuplicateWatch({ probeIntervalMs }, { prober, hosting, clock: clock.forOwner('n0'), log: recordingLogger(logs) });
  return { clock, prober, logs, addresses, restored, watch };
}

function claim(text: string, from = OTHER, iface = 'fs0'): AddressClaim {
  return { address: ip(text), iface, mac: from, ownMac: MEMORY_PROBER_MAC, how: 'arp-reply' };
}

describe('judgeClaim: one row per rule', () => {
  it.each([
    ['a claim of an address not held here', claim('203.0.113.10'), undefined, 'ignore', /not held here/],
    ['a claim heard on another interface than the address is on', claim('203.0.113.10', OTHER, 'fs1'), held('203.0.113.10'), 'ignore', /interface/],
    ['our own MAC (a reflected frame)', claim('203.0.113.10', MEMORY_PROBER_MAC), held('203.0.113.10'), 'ignore', /our own MAC/],
    ['another MAC for a held address', claim('203.0.113.10'), held('203.0.113.10'), 'duplicate', /another MAC/],
  ])('%s', (_, c, h, verdict, reason) => {
    const rule = judgeClaim(c, h);
    expect(rule.verdict).toBe(verdict);
    expect(rule.reason).toMatch(reason);
  });
});

describe('DuplicateWatch', () => {
  it('probes every address at take time, in one probe per interface', async () => {
    const { clock, prober, addresses, watch } = setup(['203.0.113.10', '2001:db8::10']);
    watch.start();
    await clock.settle();
    expect(prober.probes).toEqual([{ iface: 'fs0', addresses: ['203.0.113.10', '2001:db8::10'] }]);
    addresses.set('203.0.113.11', held('203.0.113.11', 'fs1'));
    watch.heldChanged();
    watch.heldChanged();
    await clock.settle();
    expect(prober.probes.slice(1)).toEqual([{ iface: 'fs1', addresses: ['203.0.113.11'] }]);
  });

  it('spreads periodic probes: 1000 addresses at 10 s are 100 a second, each probed once per interval', async () => {
    const texts = Array.from({ length: 1000 }, (_, i) => `203.0.113.${i % 250}`).map((t, i) => (i < 250 ? t : `198.51.100.${i % 250}`))
      .slice(0, 500).concat(Array.from({ length: 500 }, (_, i) => `2001:db8::${(i + 1).toString(16)}`));
    const { clock, prober, watch } = setup(texts, 10_000);
    watch.start();
    await clock.settle();
    // The take-time probes of all 1000 go out PROBES_PER_TURN a turn: the first turn's now, the rest on the next turns.
    expect(prober.probedAddresses()).toHaveLength(PROBES_PER_TURN);
    await clock.advance(0);
    expect(prober.probedAddresses()).toHaveLength(1000);
    expect(new Set(prober.probedAddresses()).size).toBe(1000);
    prober.probes.length = 0;
    const perSlice: number[] = [];
    for (let s = 0; s < 10; s++) {
      const before = prober.probedAddresses().length;
      await clock.advance(PROBE_SLICE_MS);
      perSlice.push(prober.probedAddresses().length - before);
    }
    expect(perSlice).toEqual(Array(10).fill(100));
    const counts = new Map<string, number>();
    for (const a of prober.probedAddresses()) counts.set(a, (counts.get(a) ?? 0) + 1);
    expect(counts.size).toBe(1000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('probes a few addresses no more often than the interval asks (fractions carry over)', async () => {
    const { clock, prober, watch } = setup(['203.0.113.10', '203.0.113.11', '203.0.113.12', '203.0.113.13'], 30_000);
    watch.start();
    await clock.settle();
    prober.probes.length = 0;
    await clock.advance(30_000);
    expect(prober.probedAddresses().sort()).toEqual(['203.0.113.10', '203.0.113.11', '203.0.113.12', '203.0.113.13']);
  });

  it('finds a duplicate: logs address and MAC, counts it once, re-announces on every probe that finds it, clears when it goes', async () => {
    const { clock, prober, logs, restored, watch } = setup(['203.0.113.10', '203.0.113.11'], 2000);
    prober.addHolder('203.0.113.10', OTHER);
    watch.start();
    await clock.settle();
    expect(watch.summary()).toEqual({
      addresses: [{ address: '203.0.113.10', iface: 'fs0', macs: [OTHER.text], since: expect.any(Number), lastSeen: expect.any(Number) }],
      detections: 1,
    });
    expect(watch.macsOf('203.0.113.10')).toEqual([OTHER.text]);
    expect(restored).toEqual(['203.0.113.10']);
    const warning = logs.find((l) => l.level === 'warn');
    expect(warning?.message).toMatch(/duplicate address: 203\.0\.113\.10 on fs0 is also answered by 02:00:00:00:00:0b/);
    expect(warning?.fields).toMatchObject({ address: '203.0.113.10', macs: [OTHER.text] });

    prober.addHolder('203.0.113.10', THIRD);
    await clock.advance(PROBE_SLICE_MS);
    expect(watch.summary().detections).toBe(1);
    expect(watch.macsOf('203.0.113.10')).toEqual([OTHER.text, THIRD.text]);
    expect(restored).toEqual(['203.0.113.10', '203.0.113.10']);

    prober.removeHolder('203.0.113.10', OTHER);
    prober.removeHolder('203.0.113.10', THIRD);
    await clock.advance(2000);
    expect(watch.summary()).toEqual({ addresses: [], detections: 1 });
    expect(logs.some((l) => l.level === 'info' && /duplicate cleared/.test(l.message))).toBe(true);

    prober.addHolder('203.0.113.10', OTHER);
    await clock.advance(2000);
    expect(watch.summary().detections).toBe(2);
  });

  it('probes and announces a duplicated address every slice while it lasts, whatever the interval', async () => {
    // The other host's kernel pulls clients back whenever it speaks; one announcement at detection left them there.
    const { clock, prober, restored, watch } = setup(['203.0.113.10', '203.0.113.11'], 30_000);
    prober.addHolder('203.0.113.10', OTHER);
    watch.start();
    await clock.settle();
    expect(restored).toEqual(['203.0.113.10']);
    prober.probes.length = 0;
    await clock.advance(5 * PROBE_SLICE_MS);
    expect(prober.probedAddresses().filter((a) => a === '203.0.113.10')).toHaveLength(5);
    expect(prober.probedAddresses().filter((a) => a === '203.0.113.11')).toHaveLength(0); // its interval is 30 s
    expect(restored).toHaveLength(6);

    prober.removeHolder('203.0.113.10', OTHER);
    await clock.advance(PROBE_SLICE_MS);
    expect(watch.summary().addresses).toEqual([]);
    prober.probes.length = 0;
    await clock.advance(5 * PROBE_SLICE_MS);
    expect(prober.probedAddresses()).toEqual([]); // back to once per 30 s
    expect(restored).toHaveLength(6);
  });

  it('never counts our own MAC, nor claims of an address released meanwhile; a release forgets its duplicate', async () => {
    const { clock, prober, addresses, restored, watch } = setup(['203.0.113.10', '203.0.113.11'], 2000);
    prober.addHolder('203.0.113.10', MEMORY_PROBER_MAC);
    prober.addHolder('203.0.113.11', OTHER);
    watch.start();
    await clock.settle();
    expect(watch.summary().addresses.map((d) => d.address)).toEqual(['203.0.113.11']);
    addresses.delete('203.0.113.11');
    watch.heldChanged();
    expect(watch.summary().addresses).toEqual([]);
    await clock.advance(10_000);
    expect(watch.summary()).toEqual({ addresses: [], detections: 1 });
    expect(restored).toEqual(['203.0.113.11']);
  });

  it('probes nothing with an interval of 0, and nothing after stop', async () => {
    const off = setup(['203.0.113.10'], 0);
    off.watch.start();
    await off.clock.advance(60_000);
    expect(off.prober.probes).toEqual([]);

    const stopped = setup(['203.0.113.10'], 1000);
    stopped.watch.start();
    await stopped.clock.settle();
    stopped.watch.stop();
    await stopped.clock.advance(60_000);
    expect(stopped.prober.probes).toHaveLength(1);
  });

  it('logs a probe that could not be sent and carries on', async () => {
    const { clock, prober, logs, watch } = setup(['203.0.113.10'], 1000);
    prober.breakInterface('fs0');
    watch.start();
    await clock.advance(3000);
    expect(watch.stats.probeFailures).toBeGreaterThanOrEqual(3);
    expect(logs.filter((l) => l.level === 'warn').map((l) => l.message)[0]).toMatch(/duplicate probe on fs0 failed: cannot probe on fs0/);
  });
});

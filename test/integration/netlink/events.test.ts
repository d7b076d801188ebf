// Link and address events from the real kernel: delay, foreign deletions, and recovery after lost notifications.

import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanupNamespaces, createNamespace, createVeth, ipIn, PREFIX } from '../helpers/netns-netlink';
import { nextEvent } from '../../unit/adapters/netlink/contract';
import { ip } from '../../../src/core/ip';
import { NetlinkEvent } from '../../../src/adapters/netlink/port';
import { RemoteNetlink, startRemoteNetlink } from './remote-adapter';

const NS = `${PREFIX}-ev`;
const PEER_NS = `${PREFIX}-evp`;
const IFACE = `${PREFIX}0ev`;

jest.setTimeout(60000);

/** How long from just before `ip` runs to the adapter emitting the event (includes starting `ip`). */
async function delayOf(port: RemoteNetlink, match: (e: NetlinkEvent) => boolean, action: () => void): Promise<number> {
  const seen = nextEvent(port, match);
  const before = performance.timeOrigin + performance.now();
  action();
  const event = await seen;
  return (port.eventTimes.get(event) ?? NaN) - before;
}

/** Resolves once `file` exists (the adapter's process writes it as its event loop stops). */
async function untilExists(file: string): Promise<void> {
  const giveUp = Date.now() + 20000;
  while (!fs.existsSync(file)) {
    if (Date.now() > giveUp) throw new Error(`${file} never appeared: the adapter's loop did not stall`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('netlink events on the real kernel', () => {
  let port: RemoteNetlink;

  beforeAll(async () => {
    cleanupNamespaces(`${PREFIX}-ev`);
    createNamespace(NS);
    createNamespace(PEER_NS);
    createVeth(NS, IFACE, PEER_NS, `${PREFIX}0evp`);
    port = await startRemoteNetlink(NS);
  });
  afterAll(async () => {
    await port?.stop();
    cleanupNamespaces(`${PREFIX}-ev`);
  });

  it('reports link down and a foreign delete of our address within milliseconds', async () => {
    const delays: Record<string, number[]> = { linkDown: [], ownAddressDeleted: [] };
    for (let round = 0; round < 5; round++) {
      delays.linkDown.push(await delayOf(port,
        (e) => e.kind === 'link-changed' && e.link.name === IFACE && e.link.state === 'down',
        () => ipIn(NS, 'link', 'set', IFACE, 'down')));
      ipIn(NS, 'link', 'set', IFACE, 'up');
      await nextEvent(port, (e) => e.kind === 'link-changed' && e.link.name === IFACE && e.link.state === 'up');

      await port.addAddress({ interface: IFACE, address: ip('198.51.100.7'), bits: 24 });
      delays.ownAddressDeleted.push(await delayOf(port,
        (e) => e.kind === 'address-removed' && !e.byUs && e.address.owned && e.address.address.text === '198.51.100.7',
        () => ipIn(NS, 'addr', 'del', '198.51.100.7/24', 'dev', IFACE)));
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    // The figure includes starting the `ip` binary; it is reported, not a pass/fail speed check.
    process.stdout.write(`netlink event delay (ms, median of 5, incl. ip start): link down ${median(delays.linkDown).toFixed(2)}, ` +
      `own address deleted ${median(delays.ownAddressDeleted).toFixed(2)}\n`);
    for (const xs of Object.values(delays)) for (const x of xs) expect(x).toBeGreaterThan(0);
  });

  it('recovers from lost notifications: the overflow is reported, the view is re-read and differences are reported', async () => {
    const small = await startRemoteNetlink(NS, { receiveBufferBytes: 32 * 1024 });
    const stallFile = path.join(os.tmpdir(), `floatip-${PREFIX}-ev-stall-${process.pid}`);
    try {
      await small.addAddress({ interface: IFACE, address: ip('203.0.113.1'), bits: 24 });
      // The reader is a thread of the adapter's own process, not a child of its own.
      expect((await small.stats()).watcherPid).toBe(small.child.pid);
      const events: NetlinkEvent[] = [];
      small.subscribe((e) => events.push(e));
      const resynced = nextEvent(small, (e) => e.kind === 'resync', 20000);

      // Block the adapter's event loop while the kernel multicasts far more than its 32 KiB
      // buffer holds: the reader's queue fills, its thread waits, the kernel's buffer overflows.
      const stalled = small.stallUntilGone(stallFile);
      await untilExists(stallFile);
      const batch: string[] = [];
      for (let cycle = 0; cycle < 3; cycle++) {
        for (let host = 1; host <= 254; host++) batch.push(`addr add 192.0.2.${host}/32 dev ${IFACE}`);
        for (let host = 1; host <= 254; host++) batch.push(`addr del 192.0.2.${host}/32 dev ${IFACE}`);
      }
      for (let host = 1; host <= 20; host++) batch.push(`addr add 192.0.2.${host}/32 dev ${IFACE}`);
      batch.push(`addr del 203.0.113.1/24 dev ${IFACE}`);
      execFileSync('ip', ['-n', NS, '-batch', '-'], { input: batch.join('\n') + '\n' });
      fs.rmSync(stallFile, { force: true });
      await stalled;

      expect(await resynced).toMatchObject({ kind: 'resync' });
      const stats = await small.stats();
      expect(stats.watcherRestarts).toBeGreaterThanOrEqual(1);

      // The differences the lost notifications hid were reported before the resync event.
      const upToResync = events.slice(0, events.findIndex((e) => e.kind === 'resync'));
      const added = new Set(upToResync.filter((e) => e.kind === 'address-added').map((e) => e.kind === 'address-added' && e.address.address.text));
      for (let host = 1; host <= 20; host++) expect(added).toContain(`192.0.2.${host}`);
      expect(upToResync).toContainEqual(expect.objectContaining({
        kind: 'address-removed', byUs: false, address: expect.objectContaining({ owned: true, bits: 24, address: expect.objectContaining({ text: '203.0.113.1' }) }),
      }));

      // And the reader hears the kernel again.
      const removed = nextEvent(small, (e) => e.kind === 'address-removed' && e.address.address.text === '192.0.2.5');
      ipIn(NS, 'addr', 'del', '192.0.2.5/32', 'dev', IFACE);
      expect(await removed).toMatchObject({ byUs: false });
    } finally {
      fs.rmSync(stallFile, { force: true });
      await small.stop();
      ipIn(NS, 'addr', 'flush', 'dev', IFACE, 'scope', 'global');
    }
  });
});

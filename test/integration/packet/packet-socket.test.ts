// The AF_PACKET socket and announcer on a real kernel: typed errors that say what to do, kernel receive stamps, drop counts.

import { cleanupPacketLab, createPacketLab, NODE_A, startJob, stopAllJobs } from '../helpers/netns-packet';

jest.setTimeout(30_000);

beforeAll(() => createPacketLab());
afterAll(() => {
  stopAllJobs();
  cleanupPacketLab();
});

it('reports missing interfaces, closed sockets, bad frames and non-Ethernet links clearly', async () => {
  const result = await startJob<Record<string, string>>(NODE_A.ns, 'failures', { iface: NODE_A.iface }).result;
  expect(result.missingByName).toBe('E_NO_INTERFACE/ENODEV: interface fpk-missing does not exist (if_nametoindex(fpk-missing): No such device); check the interface names in public_addresses');
  expect(result.missingByIndex).toMatch(/^E_NO_INTERFACE\/ENXIO: interface 99999 does not exist/);
  expect(result.sendAfterClose).toBe(`E_PACKET_SEND/EBADF: sending frames on ${NODE_A.iface} failed: send(${NODE_A.iface} (socket closed)): Bad file descriptor`);
  expect(result.shortFrame).toMatch(/^E_PACKET_SEND: sending frames on fpk0b failed: frame 0 is shorter than an Ethernet header/);
  expect(result.loopback).toBe('E_ANNOUNCE_NOT_ETHERNET: lo is not an Ethernet interface (link type 772); public addresses need an Ethernet interface to be announced');
  expect(result.missing).toMatch(/^E_ANNOUNCE_LINK: cannot announce on fpk-missing: interface fpk-missing does not exist/);
});

it('stamps each frame with the kernel\'s receive time and counts frames dropped for a full buffer', async () => {
  const result = await startJob<{
    warm: boolean; sentAt: number; queuedBy: number; receivedAt: number | null; handledAt: number | null;
    quiet: { packets: number; drops: number }; flooded: { packets: number; drops: number }; floodFramesRead: number;
  }>(NODE_A.ns, 'stamps', { blockMs: 150, flood: 20_000 }).result;
  expect(result.warm).toBe(true);
  expect(result.receivedAt).not.toBeNull();
  // Stamped between the send and the moment the socket's statistics showed it queued, on the
  // same clock as process.hrtime (a wrong clock or unit would put it far outside) ...
  expect(result.receivedAt as number).toBeGreaterThanOrEqual(result.sentAt - 1);
  expect(result.receivedAt as number).toBeLessThanOrEqual(result.queuedBy + 1);
  // ... although the callback ran only after the loop was free again.
  expect((result.handledAt as number) - (result.receivedAt as number)).toBeGreaterThanOrEqual(100);
  expect(result.quiet).toEqual({ packets: 1, drops: 0 });
  // 20,000 frames of 1500 bytes are far more than the 4 MiB buffer holds while nobody reads.
  expect(result.flooded.drops).toBeGreaterThan(0);
  expect(result.flooded.packets).toBeGreaterThanOrEqual(result.flooded.drops);
  expect(result.floodFramesRead).toBe(result.flooded.packets - result.flooded.drops);
});

it('closes every packet socket for real, off the caller\'s thread, and no frame reaches a closed socket\'s callback', async () => {
  const result = await startJob<{ leftOpen: number; heardAfterClose: number }>(NODE_A.ns, 'closes', { count: 200 }).result;
  expect(result).toEqual({ leftOpen: 0, heardAfterClose: 0 });
});

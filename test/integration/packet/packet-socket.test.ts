// The AF_PACKET socket and announcer fail with typed errors that say what to do, on a real kernel.

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

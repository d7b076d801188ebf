// The adapter's view of our addresses against the kernel's: when they disagree, the kernel's answer wins (namespace PREFIX-sv).
//
// The guardian's fence order (daemon/fastpath) deletes every tagged address while floatipd may
// be adding some. The adapter puts an address in its view when the kernel acknowledges the add;
// when the kernel's notifications of that add and of the guardian's delete were read before the
// acknowledgement, the view listed an address the kernel no longer had, and every later add of
// it answered "present" without asking the kernel: reconcile "re-added" 128 addresses once a
// second for 100 s and none came back (the failover bench, ultra profile, 1000 addresses,
// 2026-12-07 10:18). The race itself cannot be timed from here; its result is made directly
// (the adapter host's staleEntry) and the adapter must recover from it.

import { cleanupNamespaces, createNamespace, createVeth, ipIn, PREFIX } from '../helpers/netns-netlink';
import { ip } from '../../../src/core/ip';
import { RemoteNetlink, startRemoteNetlink } from './remote-adapter';

const NS = `${PREFIX}-sv`;
const PEER_NS = `${PREFIX}-svp`;
const IFACE = `${PREFIX}0sv`;

jest.setTimeout(60000);

const inKernel = (address: string): boolean => ipIn(NS, '-o', 'addr', 'show', 'dev', IFACE).includes(`${address}/`);

describe('the adapter trusts the kernel over its view', () => {
  let port: RemoteNetlink;

  beforeAll(async () => {
    cleanupNamespaces(`${PREFIX}-sv`);
    createNamespace(NS);
    createNamespace(PEER_NS);
    createVeth(NS, IFACE, PEER_NS, `${PREFIX}0svp`);
    port = await startRemoteNetlink(NS);
    await port.lookupLink(IFACE);
  });
  afterAll(async () => {
    await port?.stop();
    cleanupNamespaces(`${PREFIX}-sv`);
  });

  it.each(['198.51.100.7', '2001:db8:7::7'])('%s listed in the view, gone from the kernel: an add puts it back', async (text) => {
    const bits = text.includes(':') ? 64 : 24;
    await port.staleEntry(IFACE, text, bits);
    expect(inKernel(text)).toBe(false);
    // What reconcile does next: the address it holds is missing, so it adds it again.
    expect(await port.addAddress({ interface: IFACE, address: ip(text), bits })).toBe('added');
    expect(inKernel(text)).toBe(true);
    // And an address that is there after all is still "present", not an error.
    expect(await port.addAddress({ interface: IFACE, address: ip(text), bits })).toBe('present');
    expect(await port.deleteAddress({ interface: IFACE, address: ip(text), bits })).toBe('deleted');
  });

  it('a delete the kernel answers "not there" drops the address from the view, so the next add asks again', async () => {
    await port.staleEntry(IFACE, '203.0.113.9', 24);
    expect(await port.deleteAddress({ interface: IFACE, address: ip('203.0.113.9'), bits: 24 })).toBe('absent');
    expect(await port.addAddress({ interface: IFACE, address: ip('203.0.113.9'), bits: 24 })).toBe('added');
    expect(inKernel('203.0.113.9')).toBe(true);
    await port.deleteAddress({ interface: IFACE, address: ip('203.0.113.9'), bits: 24 });
  });
});

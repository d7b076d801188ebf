// The netlink port contract: one suite, run against the in-memory fake (unit) and the real adapter in a namespace (integration).

import { ip } from '../../../../src/core/ip';
import { LinkState } from '../../../../src/core/address';
import { NetlinkEvent, NetlinkPort } from '../../../../src/adapters/netlink/port';

/** What the suite needs besides the port: an interface, and the rest of the world acting on it. */
export interface ContractWorld {
  readonly port: NetlinkPort;
  /** An interface that exists and is up when each test starts. */
  readonly interfaceName: string;
  /** As an administrator would (`ip addr add`): an address floatip does not own. */
  foreignAdd(address: string, bits: number): Promise<void>;
  /** As an administrator would (`ip addr del`). */
  foreignDelete(address: string, bits: number): Promise<void>;
  /** As `ip link set IFACE up|down`. */
  setLink(state: LinkState): Promise<void>;
  /** Removes whatever addresses the test left (ours and foreign), and sets the link up. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Resolves with the first event that matches, or rejects after `timeoutMs`. */
export function nextEvent(port: NetlinkPort, match: (e: NetlinkEvent) => boolean, timeoutMs = 3000): Promise<NetlinkEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { unsubscribe(); reject(new Error('no matching netlink event in time')); }, timeoutMs);
    const unsubscribe = port.subscribe((event) => {
      if (!match(event)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(event);
    });
  });
}

export function netlinkContract(name: string, makeWorld: () => Promise<ContractWorld>): void {
  describe(`netlink port contract: ${name}`, () => {
    let world: ContractWorld;
    let port: NetlinkPort;
    let iface: string;

    beforeAll(async () => {
      world = await makeWorld();
      port = world.port;
      iface = world.interfaceName;
    });
    afterAll(async () => {
      await world?.close();
    });
    afterEach(async () => {
      await world.reset();
    });

    it('looks an interface up by name: index, MAC and link state', async () => {
      const link = await port.lookupLink(iface);
      expect(link).toBeDefined();
      expect(link?.name).toBe(iface);
      expect(link?.index).toBeGreaterThan(1);
      expect(link?.mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      expect(link?.state).toBe('up');
      expect((await port.listLinks()).map((l) => l.name)).toContain(iface);
      expect(await port.lookupLink('fnlnosuch0')).toBeUndefined();
    });

    it('answers many reads at once: the kernel runs one dump per socket at a time, the adapter queues them', async () => {
      // Seen in the soak: a SIGHUP's interface check met another read and the kernel said EBUSY; floatipd exited.
      const reads = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? port.listLinks() : port.listAddresses())));
      for (const [i, read] of reads.entries()) {
        if (i % 2 === 0) expect((read as Awaited<ReturnType<NetlinkPort['listLinks']>>).map((l) => l.name)).toContain(iface);
        else expect(Array.isArray(read)).toBe(true);
      }
    });

    it('adds a tagged IPv4 address; adding it again is not an error', async () => {
      const address = ip('192.0.2.10');
      expect(await port.addAddress({ interface: iface, address, bits: 24 })).toBe('added');
      expect(await port.addAddress({ interface: iface, address, bits: 24 })).toBe('present');
      const listed = (await port.listAddresses(iface)).filter((a) => a.address.text === '192.0.2.10');
      expect(listed).toEqual([expect.objectContaining({ interface: iface, bits: 24, owned: true, tentative: false })]);
    });

    it('adds IPv6 with NODAD: usable at once, never tentative or dadfailed', async () => {
      const address = ip('2001:db8::10');
      expect(await port.addAddress({ interface: iface, address, bits: 64 })).toBe('added');
      const listed = (await port.listAddresses(iface)).filter((a) => a.address.text === '2001:db8::10');
      expect(listed).toEqual([expect.objectContaining({ bits: 64, owned: true, tentative: false, dadFailed: false, secondary: false })]);
    });

    it('deletes its own addresses; deleting an absent one is not an error', async () => {
      for (const [text, bits] of [['192.0.2.11', 24], ['2001:db8::11', 64]] as const) {
        const request = { interface: iface, address: ip(text), bits };
        await port.addAddress(request);
        expect(await port.deleteAddress(request)).toBe('deleted');
        expect(await port.deleteAddress(request)).toBe('absent');
        expect((await port.listAddresses(iface)).map((a) => a.address.text)).not.toContain(text);
      }
    });

    it('never deletes an address it did not add, and cleans up only its own leftovers', async () => {
      await world.foreignAdd('192.0.2.20', 24);
      await world.foreignAdd('2001:db8::20', 64);
      await port.addAddress({ interface: iface, address: ip('192.0.2.21'), bits: 24 });
      await port.addAddress({ interface: iface, address: ip('2001:db8::21'), bits: 64 });
      const before = await port.listAddresses(iface);
      expect(before.find((a) => a.address.text === '192.0.2.20')?.owned).toBe(false);
      expect(before.find((a) => a.address.text === '2001:db8::20')?.owned).toBe(false);

      await expect(port.deleteAddress({ interface: iface, address: ip('192.0.2.20'), bits: 24 }))
        .rejects.toMatchObject({ code: 'E_NETLINK_NOT_OURS' });
      await expect(port.addAddress({ interface: iface, address: ip('2001:db8::20'), bits: 64 }))
        .rejects.toMatchObject({ code: 'E_NETLINK_NOT_OURS' });

      const removed = await port.removeOwnedAddresses();
      expect(removed.map((a) => a.address.text).sort()).toEqual(['192.0.2.21', '2001:db8::21']);
      const after = (await port.listAddresses(iface)).map((a) => a.address.text);
      expect(after).toEqual(expect.arrayContaining(['192.0.2.20', '2001:db8::20']));
      expect(after).not.toContain('192.0.2.21');
      expect(after).not.toContain('2001:db8::21');
    });

    it('refuses an interface that does not exist, naming it', async () => {
      await expect(port.addAddress({ interface: 'fnlnosuch0', address: ip('192.0.2.30'), bits: 24 }))
        .rejects.toMatchObject({ code: 'E_NETLINK_NO_INTERFACE', message: expect.stringContaining('fnlnosuch0') });
    });

    it('reports its own changes as events with byUs', async () => {
      const events: NetlinkEvent[] = [];
      const unsubscribe = port.subscribe((e) => events.push(e));
      const request = { interface: iface, address: ip('192.0.2.40'), bits: 24 };
      await port.addAddress(request);
      await port.deleteAddress(request);
      unsubscribe();
      const mine = events.filter((e) => (e.kind === 'address-added' || e.kind === 'address-removed') && e.address.address.text === '192.0.2.40');
      expect(mine.map((e) => [e.kind, 'byUs' in e && e.byUs])).toEqual([['address-added', true], ['address-removed', true]]);
    });

    it('reports "someone deleted our address" as address-removed with byUs false', async () => {
      await port.addAddress({ interface: iface, address: ip('2001:db8::50'), bits: 64 });
      await port.addAddress({ interface: iface, address: ip('192.0.2.50'), bits: 24 });
      for (const [text, bits] of [['192.0.2.50', 24], ['2001:db8::50', 64]] as const) {
        const seen = nextEvent(port, (e) => e.kind === 'address-removed' && e.address.address.text === text);
        await world.foreignDelete(text, bits);
        const event = await seen;
        expect(event).toMatchObject({ kind: 'address-removed', byUs: false, address: { owned: true, interface: iface, bits } });
      }
    });

    it('reports link down and up', async () => {
      const down = nextEvent(port, (e) => e.kind === 'link-changed' && e.link.name === iface && e.link.state === 'down');
      await world.setLink('down');
      expect(await down).toMatchObject({ link: { name: iface, state: 'down' }, previous: 'up' });
      expect((await port.lookupLink(iface))?.state).toBe('down');
      const up = nextEvent(port, (e) => e.kind === 'link-changed' && e.link.name === iface && e.link.state === 'up');
      await world.setLink('up');
      expect(await up).toMatchObject({ link: { name: iface, state: 'up' }, previous: 'down' });
    });
  });
}

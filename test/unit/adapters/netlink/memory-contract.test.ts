// Runs the netlink port contract against the in-memory fake, which the daemon's tests rely on.

import { MemoryNetlink } from '../../../../src/adapters/memory/netlink';
import { ip } from '../../../../src/core/ip';
import { netlinkContract } from './contract';

netlinkContract('memory fake', async () => {
  const port = new MemoryNetlink({ fnl0a: {} });
  await port.start();
  return {
    port,
    interfaceName: 'fnl0a',
    foreignAdd: async (address, bits) => port.externalAdd('fnl0a', ip(address), bits),
    foreignDelete: async (address, bits) => port.externalDelete('fnl0a', ip(address), bits),
    setLink: async (state) => port.setLinkState('fnl0a', state),
    reset: async () => {
      for (const a of await port.listAddresses('fnl0a')) port.externalDelete('fnl0a', a.address, a.bits);
      port.setLinkState('fnl0a', 'up');
    },
    close: () => port.stop(),
  };
});

describe('MemoryNetlink beyond the contract', () => {
  it('refuses calls before start, as the real adapter does', async () => {
    const port = new MemoryNetlink({ fnl0a: {} });
    await expect(port.listAddresses()).rejects.toMatchObject({ code: 'E_NETLINK_CLOSED' });
  });

  it('removes a link\'s addresses before the link, reporting both', async () => {
    const port = new MemoryNetlink({ fnl0a: {} });
    await port.start();
    await port.addAddress({ interface: 'fnl0a', address: ip('192.0.2.1'), bits: 24 });
    const kinds: string[] = [];
    port.subscribe((e) => kinds.push(e.kind));
    port.removeLink('fnl0a');
    expect(kinds).toEqual(['address-removed', 'link-removed']);
    expect(await port.listAddresses()).toEqual([]);
    expect(port.operations).toEqual(['add 192.0.2.1/24 fnl0a']);
  });
});
